// 10.4 race: threads add 1 to one shared counter with no lock, and updates get lost.
//
// An increment is two steps: read the counter, then write the value plus one. When two
// threads read the same value, both write the same result and one increment vanishes.
// Watch the end of the run: the counter falls short of threads x iterations.
//
// Why std::atomic, if the point is to be unsafe? Two threads writing a plain `long` at
// the same time is a data race, and a data race is undefined behaviour in C++: the
// compiler may keep the counter in a register or add all the iterations at once. Relaxed
// atomic loads and stores are well defined, yet a load followed by a store is still not
// one indivisible step, so the updates are lost honestly.

#include <concur/concur.hpp>

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace concur::demos {

static void count_without_lock(Run& run) {
  const long long threads = run.integer("threads");
  const long long iterations = run.integer("iterations");
  std::atomic<long long> counter{0};
  StartLine start_line(threads);  // all start at once, so the threads really overlap
  std::mutex order_lock;
  std::vector<std::string> finish_order;  // guarded by order_lock

  // Each thread increments the counter `iterations` times, read then write.
  auto increment_many = [&] {
    say("ready at the start line");
    start_line.arrive_and_wait();  // no narration after this: printing takes longer than the race
    for (long long i = 0; i < iterations; ++i) {
      const long long seen = counter.load(std::memory_order_relaxed);  // read ...
      counter.store(seen + 1, std::memory_order_relaxed);              // ... then write
    }
    say("finished {} increments", iterations);
    std::lock_guard guard(order_lock);
    finish_order.push_back(current_thread().name());
  };

  // A deque, because a Thread cannot move once it exists.
  std::deque<Thread> workers;
  for (long long t = 0; t < threads; ++t) workers.emplace_back(increment_many);
  say("starting {} threads, {} increments each", threads, iterations);
  for (Thread& w : workers) w.start();
  for (Thread& w : workers) w.join();

  const long long expected = threads * iterations;
  const long long actual = counter.load();
  say("counter = {}, expected {}", actual, expected);

  run.result("expected", expected);
  run.result("actual", actual);
  run.result("lost", expected - actual);
  run.result("finish_order", finish_order);
  run.likely("updates were lost", actual < expected, fmt::format("{} of {} lost", expected - actual, expected));
  run.explain(actual < expected
                  ? fmt::format("{} increments vanished: two threads read the same value and both wrote "
                                "it back plus one. Nothing stopped them interleaving.", expected - actual)
                  : "No update was lost this time: the threads happened not to interleave. Try more "
                    "--iterations or --repeat 10; a race is a matter of luck, not of design.");
}

Example race() {
  return {
      .id = "10.4",
      .name = "race",
      .title = "Race condition",
      .lecture = 10,
      .summary = "Threads increment a shared counter with no synchronization; updates are lost.",
      .params = {Param::integer("threads", "threads incrementing the counter", 2, 1, 64),
                 Param::integer("iterations", "increments per thread", 100'000, 1, 100'000'000)},
      .variants = {{"unsynchronized", count_without_lock}},
      .outcomes = {"lost", "finish_order"},
  };
}

}  // namespace concur::demos
