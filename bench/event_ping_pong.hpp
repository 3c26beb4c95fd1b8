// bench/event_ping_pong.hpp - the Event ping-pong between two threads, one iteration a
// round trip (two set-to-wake hand-offs): measured by bench_event against its floor, and
// by bench_coro next to a coroutine switch.
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include <concur/threads/event.hpp>

#include "bench_os.hpp"

namespace bench {

// The main thread sets "ping" and waits for "pong"; a partner thread, started here and
// joined at the end, waits for "ping" and sets "pong". Placed as placement_of(state) says.
inline void event_ping_pong(benchmark::State& state) {
  concur::Event ping("ping");
  concur::Event pong("pong");
  std::atomic<bool> stop{false};

  std::thread partner([&] {
    for (;;) {
      ping.wait();
      // Lower our flag before answering: the next set() must find it down.
      ping.clear();
      if (stop.load(std::memory_order_relaxed)) return;
      pong.set();
    }
  });
  {
    Pinning pinning(placement_of(state), partner);
    if (!pinning.ok()) state.SkipWithError("could not pin the threads");
    for (auto _ : state) {
      ping.set();
      pong.wait();
      pong.clear();
    }
  }

  // set() publishes the store to stop, so the partner sees it once it wakes.
  stop.store(true, std::memory_order_relaxed);
  ping.set();
  partner.join();
}

}  // namespace bench
