// Exercise: async-blocking (s.15). Keep the event loop responsive.
//
// Three tickers are coroutines that want to wake every `tick` seconds, on time. A fourth
// coroutine, the reporter, must build a report, and slow_report() takes `block` seconds
// and blocks whichever thread calls it (you cannot make it faster or cut it short). As
// written, the reporter calls it right on the event loop, and every ticker comes late
// while it runs. Change the program so that the report is still built in full, every
// ticker still ticks, and no tick is late by as much as half of `block`.
//
//   concur check async-blocking     builds this file and runs it 5 times
//   concur hint async-blocking      one hint at a time
//
// Keep the options, slow_report() and the run.result(...) lines: the check reads
// "report", "ticks" and "late_ms".

#include <concur/coro.hpp>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace concur::demos {

// Builds the report: blocks its thread for `how_long`. Leave it as it is.
static std::uint64_t slow_report(std::chrono::nanoseconds how_long) {
  std::this_thread::sleep_for(how_long);
  std::uint64_t sum = 0;
  for (std::uint64_t i = 1; i <= 1000; ++i) sum += i * i;
  return sum;
}

struct Ticks {
  int count = 0;
  double worst_late_ms = 0;
};

static coro::Task<void> ticker(Ticks& ticks, int how_many, std::chrono::nanoseconds tick) {
  for (int i = 0; i < how_many; ++i) {
    const std::int64_t due = RunClock::elapsed_ns() + tick.count();
    co_await coro::sleep(tick);
    const double late_ms = (RunClock::elapsed_ns() - due) / 1e6;
    if (late_ms > ticks.worst_late_ms) ticks.worst_late_ms = late_ms;
    ++ticks.count;
  }
}

static coro::Task<void> reporter(std::uint64_t& report, std::chrono::nanoseconds block, std::chrono::nanoseconds tick) {
  co_await coro::sleep(tick / 2);  // the tickers get going first
  say("building the report");
  report = slow_report(block);
  say("the report is ready");
}

static void keep_time(Run& run) {
  const auto tick = run.duration("tick"), block = run.duration("block");
  const int tickers = run.integer<int>("tickers");
  const int per_ticker = static_cast<int>(2 * block / tick) + 2;
  Ticks ticks;
  std::uint64_t report = 0;
  coro::run([&]() -> coro::Task<void> {
    std::vector<coro::Named<void>> all;
    for (int i = 1; i <= tickers; ++i) all.push_back(coro::named(fmt::format("Ticker-{}", i), ticker(ticks, per_ticker, tick)));
    all.push_back(coro::named("Reporter", reporter(report, block, tick)));
    co_await coro::gather(std::move(all));
  }());

  run.result({{"report", report}, {"ticks", ticks.count}, {"late_ms", ticks.worst_late_ms}});
  run.check("every ticker ticked", ticks.count == tickers * per_ticker, "{} of {} ticks", ticks.count, tickers * per_ticker);
  run.check("no tick was late by half the block", ticks.worst_late_ms < to_seconds(block) * 1e3 / 2,
            "the latest tick was {:.1f} ms late", ticks.worst_late_ms);
}

Example async_blocking() {
  return {
      .id = "s.15",
      .name = "async-blocking",
      .title = "Blocking the event loop (exercise)",
      .lecture = 0,
      .summary = "A coroutine's blocking call must not make the other coroutines late.",
      .params = {Param::integer("tickers", "coroutines that want to wake on time", 3, 1, 100),
                 Param::seconds("tick", "how often each ticker wakes", 0.05, 0.005, 10.0),
                 Param::seconds("block", "how long building the report blocks its thread", 0.5, 0.01, 60.0)},
      .variants = {{"exercise", keep_time}},
  };
}

}  // namespace concur::demos
