// bench_coro - what one coroutine switch costs, next to a thread hand-off, in one run.
//
// - Coroutine/yield: a concur coroutine suspends and the loop resumes it at once
//   (co_await asio::post): one suspend + resume through the loop, with concur's Turn
//   (the actor name and the track switch) around the resumption.
// - Asio/yield: the same through a bare io_context executor: the floor concur adds to.
// - Coroutine/ping_pong: two coroutines on one loop hand a token back and forth through
//   two coro::Queue<int>(1); one iteration is a round trip, two switches.
// - Event/ping_pong: the same round trip between two threads through two concur::Events
//   (bench_event measures it in detail); placement 0 lets the scheduler choose, 1 pins
//   both threads to one core, as the loop's one thread is.
// The `one_way` column is the time per switch or hand-off.
#include <benchmark/benchmark.h>

#include <boost/asio/detached.hpp>

#include <concur/coro/loop.hpp>
#include <concur/coro/sync.hpp>

#include "bench_os.hpp"
#include "event_ping_pong.hpp"

namespace {

namespace coro = concur::coro;
namespace asio = boost::asio;
using namespace bench;

constexpr benchmark::IterationCount kRounds = 20000;

void per_switch(benchmark::State& state, double switches_per_iteration) {
  state.counters["one_way"] = benchmark::Counter(switches_per_iteration * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

coro::Task<void> yield_loop(benchmark::State& state) {
  auto executor = co_await asio::this_coro::executor;
  for (auto _ : state) co_await asio::post(executor, asio::use_awaitable);
}

void BM_CoroutineYield(benchmark::State& state) {
  coro::run(yield_loop(state));
  per_switch(state, 1);
}
BENCHMARK(BM_CoroutineYield)->Name("Coroutine/yield")->Iterations(kRounds)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_AsioYield(benchmark::State& state) {
  asio::io_context loop;
  asio::co_spawn(loop, yield_loop(state), asio::detached);
  loop.run();
  per_switch(state, 1);
}
BENCHMARK(BM_AsioYield)->Name("Asio/yield")->Iterations(kRounds)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_CoroutinePingPong(benchmark::State& state) {
  coro::run([&]() -> coro::Task<void> {
    coro::Queue<int> ping("ping", 1), pong("pong", 1);
    auto partner = [&]() -> coro::Task<void> {
      for (;;) {
        const int token = co_await ping.get();
        if (token < 0) co_return;
        co_await pong.put(token);
      }
    };
    auto main_side = [&]() -> coro::Task<void> {
      for (auto _ : state) {
        co_await ping.put(1);
        (void)co_await pong.get();
      }
      co_await ping.put(-1);
    };
    co_await coro::gather(partner(), main_side());
  }());
  per_switch(state, 2);
}
BENCHMARK(BM_CoroutinePingPong)->Name("Coroutine/ping_pong")->Iterations(kRounds)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_EventPingPong(benchmark::State& state) {
  event_ping_pong(state);  // event_ping_pong.hpp, as bench_event measures it
  per_switch(state, 2);
}
BENCHMARK(BM_EventPingPong)
    ->Name("Event/ping_pong")->ArgName("placement")->DenseRange(kScheduler, kSameCore)
    ->Iterations(2000)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
