// bench_thread_pool - what a concur::ThreadPool costs per task, next to starting a
// thread per task (std::thread, std::async) measured in the same run.
//
// - latency: submit one trivial task and wait on its future, one task at a time: the
//   round trip through the task queue, a worker's wake-up and the future's wake-up.
// - throughput: submit kBatch trivial tasks, then wait_idle(): tasks per second while
//   the queue stays busy.
// The pool (1 or 2 workers) is built before the timed loop and shut down after it.
#include <benchmark/benchmark.h>

#include <future>
#include <thread>
#include <vector>

#include <concur/threads/thread_pool.hpp>

namespace {

constexpr int kBatch = 1000;

int trivial() { return 42; }

void BM_PoolLatency(benchmark::State& state) {
  concur::ThreadPool pool(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(pool.submit(trivial).get());
}
BENCHMARK(BM_PoolLatency)
    ->Name("ThreadPool/submit_to_done")->ArgName("workers")->Arg(1)->Arg(2)
    ->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_PoolThroughput(benchmark::State& state) {
  concur::ThreadPool pool(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    // The futures are dropped: wait_idle() is the only wait, as in a fire-and-forget batch.
    for (int i = 0; i < kBatch; ++i) pool.submit(trivial);
    pool.wait_idle();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_PoolThroughput)
    ->Name("ThreadPool/throughput")->ArgName("workers")->Arg(1)->Arg(2)
    ->UseRealTime()->Unit(benchmark::kMillisecond);

// Floors: no pool at all, a new thread for every task.
void BM_ThreadPerTask(benchmark::State& state) {
  for (auto _ : state) {
    int result = 0;
    std::thread t([&] { result = trivial(); });
    t.join();
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_ThreadPerTask)
    ->Name("Floor/thread_create_join")->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_AsyncPerTask(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(std::async(std::launch::async, trivial).get());
}
BENCHMARK(BM_AsyncPerTask)
    ->Name("Floor/async_per_task")->UseRealTime()->Unit(benchmark::kMicrosecond);

// The throughput floor: kBatch std::async tasks in flight, then every future waited on.
void BM_AsyncBatch(benchmark::State& state) {
  std::vector<std::future<int>> results;
  results.reserve(kBatch);
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) results.push_back(std::async(std::launch::async, trivial));
    for (auto& r : results) benchmark::DoNotOptimize(r.get());
    results.clear();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_AsyncBatch)
    ->Name("Floor/async_batch")->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
