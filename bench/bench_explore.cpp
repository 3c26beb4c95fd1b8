// bench_explore - how many complete schedules a controlled exploration runs per second
// (concur/threads/control.hpp), on the race of 10.4 at its smallest: 2 threads x 2
// increments, 70 schedules per exploration. One iteration is one whole exploration; the
// `schedules_per_s` counter is the figure issue 20 asks for (at least 2,000).
//
// Floor: the same 70 runs' threads started and joined with nothing controlled (each run
// starts 2 concur::Threads that do their 4 reads and writes freely): what the runs cost
// before any hand-over between them. Every exploration runs on one core (explore() pins
// itself), and so does the floor, for the same reason.
#include <benchmark/benchmark.h>

#include <pthread.h>
#include <sched.h>

#include <deque>
#include <string>

#include <fmt/format.h>

#include <concur/threads/control.hpp>
#include <concur/threads/shared.hpp>
#include <concur/threads/thread.hpp>

namespace {

namespace control = concur::control;

std::string race_2x2(const control::Chooser& chooser) {
  control::Controlled run(chooser);
  concur::Shared<long> counter("counter");
  std::deque<concur::Thread> workers;
  for (int t = 1; t <= 2; ++t)
    workers.emplace_back(
        [&] {
          for (int i = 0; i < 2; ++i) counter.store(counter.load() + 1);
        },
        fmt::format("Thread-{}", t));
  for (concur::Thread& w : workers) w.start();
  for (concur::Thread& w : workers) w.join();
  run.finish();
  return fmt::format("counter = {}", counter.peek());
}

// Every one of the 70 schedules (no reduction), and then with sleep sets (34 run, the
// rest cut short): schedules_per_s counts the complete ones.
void BM_ExploreRace2x2(benchmark::State& state) {
  const bool reduce = state.range(0) != 0;
  long schedules = 0, pruned = 0;
  for (auto _ : state) {
    const control::Explored e = control::explore(race_2x2, {.reduce = reduce});
    schedules += e.schedules;
    pruned += e.pruned;
  }
  state.counters["schedules_per_s"] = benchmark::Counter(static_cast<double>(schedules), benchmark::Counter::kIsRate);
  state.counters["pruned_per_s"] = benchmark::Counter(static_cast<double>(pruned), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExploreRace2x2)->Name("Explore/race_2x2/every")->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ExploreRace2x2)->Name("Explore/race_2x2/sleep_sets")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Floor(benchmark::State& state) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(::sched_getcpu(), &one);
  cpu_set_t before;
  ::pthread_getaffinity_np(::pthread_self(), sizeof before, &before);
  ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one);
  for (auto _ : state)
    for (int run = 0; run < 70; ++run) {
      concur::Shared<long> counter("counter");
      std::deque<concur::Thread> workers;
      for (int t = 1; t <= 2; ++t)
        workers.emplace_back([&] {
          for (int i = 0; i < 2; ++i) counter.store(counter.load() + 1);
        });
      for (concur::Thread& w : workers) w.start();
      for (concur::Thread& w : workers) w.join();
      benchmark::DoNotOptimize(counter.peek());
    }
  ::pthread_setaffinity_np(::pthread_self(), sizeof before, &before);
  state.counters["runs_per_s"] = benchmark::Counter(70.0 * static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Floor)->Name("Floor/70_uncontrolled_runs")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
