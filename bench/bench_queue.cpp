// bench_queue - how many items per second concur::Queue<int> hands from producer
// threads to consumer threads, next to the simplest correct queue (std::mutex +
// std::deque + std::condition_variable) measured in the same run.
//
// One iteration moves one batch: the producers put kBatch items between them, the
// consumers get exactly as many, and every thread is started and joined inside the
// iteration (thread start-up is well under 1% of a batch). Nothing is recorded: no
// Recorder run is active, as when a demo runs without a timeline.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <concur/threads/queue.hpp>

namespace {

constexpr int kBatch = 100'000;

// The floor: the simplest correct unbounded queue. No task accounting, no timeline.
class PlainQueue {
 public:
  void put(int item) {
    {
      std::lock_guard guard(mu_);
      items_.push_back(item);
    }
    not_empty_.notify_one();
  }
  int get() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty(); });
    const int item = items_.front();
    items_.pop_front();
    return item;
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::deque<int> items_;  // guarded by mu_
};

// Moves kBatch items through a fresh queue with `producers` x `consumers` threads.
// The counts divide kBatch evenly, so every consumer knows when it is done.
template <typename Q>
void move_batch(int producers, int consumers) {
  Q queue;
  std::vector<std::thread> threads;
  for (int c = 0; c < consumers; ++c)
    threads.emplace_back([&] {
      long sum = 0;
      for (int i = 0; i < kBatch / consumers; ++i) sum += queue.get();
      benchmark::DoNotOptimize(sum);
    });
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&] {
      for (int i = 0; i < kBatch / producers; ++i) queue.put(i);
    });
  for (auto& t : threads) t.join();
}

template <typename Q>
void BM_Handoff(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  const int consumers = static_cast<int>(state.range(1));
  for (auto _ : state) move_batch<Q>(producers, consumers);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// Args are {producers, consumers}: "1x1" and "4x4" in the README.
BENCHMARK_TEMPLATE(BM_Handoff, concur::Queue<int>)
    ->Name("Queue")->ArgNames({"producers", "consumers"})
    ->Args({1, 1})->Args({4, 4})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Handoff, PlainQueue)
    ->Name("Floor/MutexDequeCondvar")->ArgNames({"producers", "consumers"})
    ->Args({1, 1})->Args({4, 4})->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
