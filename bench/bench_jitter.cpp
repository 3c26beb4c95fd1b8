// What jitter costs. Off (every run but --jitter and `concur check`), a synchronization
// point is one relaxed atomic load: compare an uncontended concur::Mutex lock/unlock here
// with bench_timeline's NotRecording/concur::Mutex_lock_unlock of the same build. On,
// a point yields one time in four and sleeps 10-100 µs one time in sixty-four, on purpose:
// the figure says how much slower a lock-heavy exercise runs under `concur check`.
//
// Jitter, once on, stays on for the process, so this program turns it on for all of its
// benchmarks except Off/*, which run first (no random interleaving here).
#include <benchmark/benchmark.h>

#include <mutex>

#include <concur/core/jitter.hpp>
#include <concur/threads/mutex.hpp>

namespace {

void BM_PointOff(benchmark::State& state) {
  for (auto _ : state) concur::jitter::point();
}
BENCHMARK(BM_PointOff)->Name("Off/jitter::point");

void BM_EmptyLoop(benchmark::State& state) {
  for (auto _ : state) benchmark::ClobberMemory();
}
BENCHMARK(BM_EmptyLoop)->Name("Floor/empty_loop");

void BM_MutexOff(benchmark::State& state) {
  concur::Mutex lock("bench lock");
  for (auto _ : state) {
    lock.lock();
    lock.unlock();
  }
}
BENCHMARK(BM_MutexOff)->Name("Off/concur::Mutex_lock_unlock");

void BM_MutexOn(benchmark::State& state) {
  concur::jitter::enable(1);
  concur::Mutex lock("bench lock");
  for (auto _ : state) {
    lock.lock();
    lock.unlock();
  }
}
BENCHMARK(BM_MutexOn)->Name("On/concur::Mutex_lock_unlock");

void BM_StdMutex(benchmark::State& state) {
  std::mutex lock;
  for (auto _ : state) {
    lock.lock();
    benchmark::ClobberMemory();
    lock.unlock();
  }
}
BENCHMARK(BM_StdMutex)->Name("Floor/std::mutex_lock_unlock");

}  // namespace

BENCHMARK_MAIN();
