// bench_event - how long a thread blocked in concur::Event::wait() takes to run again
// after another thread calls set(), next to the same handoff through a C++20
// std::atomic<int> wait/notify_one measured in the same run.
//
// A ping-pong: the main thread sets "ping" and waits for "pong"; a partner thread,
// started once per benchmark and joined at its end, waits for "ping" and sets "pong".
// One iteration is one round trip, i.e. two set-to-wake handoffs; the `one_way`
// column is the iteration time halved.
//
// Where the two threads run decides the figure more than the primitive does (a context
// switch on one core, or waking a sleeping core), so each benchmark runs three ways:
// placement:0 lets the scheduler choose, 1 pins both threads to one core, 2 pins them
// to two different cores. A round trip takes from 2 to 150 us depending on that, which
// sends Google Benchmark's iteration estimate far past --benchmark_min_time; a fixed
// kRoundTrips per repetition keeps every run under half a second.
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include <concur/threads/event.hpp>

#include "bench_os.hpp"
#include "event_ping_pong.hpp"

namespace {

using namespace bench;  // Placement, placement_of, Pinning (bench_os.hpp)

constexpr benchmark::IterationCount kRoundTrips = 2000;

// Two handoffs per iteration: counting them as a rate with kInvert prints seconds per
// handoff.
void report_one_way(benchmark::State& state) {
  state.counters["one_way"] = benchmark::Counter(
      2.0 * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_EventPingPong(benchmark::State& state) {
  event_ping_pong(state);  // event_ping_pong.hpp
  report_one_way(state);
}
BENCHMARK(BM_EventPingPong)
    ->Name("Event/ping_pong")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->Iterations(kRoundTrips)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The floor: one atomic int whose value says whose turn it is. wait(old) blocks while
// the value is still `old`; libstdc++ spins briefly, then sleeps on a futex.
void BM_AtomicWaitPingPong(benchmark::State& state) {
  constexpr int kMain = 0, kPartner = 1, kStop = 2;
  std::atomic<int> turn{kMain};

  std::thread partner([&] {
    for (;;) {
      turn.wait(kMain, std::memory_order_acquire);
      if (turn.load(std::memory_order_acquire) == kStop) return;
      turn.store(kMain, std::memory_order_release);
      turn.notify_one();
    }
  });
  {
    Pinning pinning(placement_of(state), partner);
    if (!pinning.ok()) state.SkipWithError("could not pin the threads");
    for (auto _ : state) {
      turn.store(kPartner, std::memory_order_release);
      turn.notify_one();
      turn.wait(kPartner, std::memory_order_acquire);
    }
  }

  // The partner is waiting for the value to leave kMain; kStop does that.
  turn.store(kStop, std::memory_order_release);
  turn.notify_one();
  partner.join();
  report_one_way(state);
}
BENCHMARK(BM_AtomicWaitPingPong)
    ->Name("Floor/atomic_wait_ping_pong")->ArgName("placement")
    ->DenseRange(kScheduler, kOtherCores)->Iterations(kRoundTrips)->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
