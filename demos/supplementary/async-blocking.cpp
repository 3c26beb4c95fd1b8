// s.15 async-blocking: one coroutine that blocks the loop stalls every other coroutine.
//
// Tickers are coroutines that want to wake every --tick seconds; each notes how late its
// timer really fired. Meanwhile one more coroutine has --block seconds of blocking work
// (a sleep_for, or computation with --work cpu). In the "blocking" variant it does that work right
// on the loop's thread: no co_await, so the loop cannot switch, and every ticker whose
// timer fires meanwhile waits until the work is over: late by up to the whole block. In
// the "offloaded" variant the same work goes to another thread with coro::to_thread
// (asio::post to a thread_pool: asyncio.to_thread), the coroutine co_awaits its end, and
// the tickers stay on time.

#include <concur/coro.hpp>

namespace concur::demos {

// What the blocking coroutine does: sleeps, or computes, for `how_long`.
static void blocking_work(std::chrono::nanoseconds how_long, bool cpu) {
  if (!cpu) return std::this_thread::sleep_for(how_long);
  const auto until = std::chrono::steady_clock::now() + how_long;
  for (volatile std::uint64_t x = 1; std::chrono::steady_clock::now() < until;) x = x * 6364136223846793005u + 1;
}

static coro::Task<double> ticker(int ticks, std::chrono::nanoseconds tick) {  // gives its worst lateness in ms
  double worst_ms = 0;
  for (int i = 1; i <= ticks; ++i) {
    const std::int64_t due = RunClock::elapsed_ns() + tick.count();
    co_await coro::sleep(tick);
    const double late_ms = (RunClock::elapsed_ns() - due) / 1e6;
    worst_ms = std::max(worst_ms, late_ms);
    if (late_ms > 20) say("tick {} came {:.0f} ms late", i, late_ms);
  }
  co_return worst_ms;
}

static coro::Task<double> worker(Run& run, std::chrono::nanoseconds block, bool cpu) {
  co_await coro::sleep(run.duration("tick") / 2);  // let the tickers get going first
  say("starts {:.0f} ms of blocking {}{}", to_seconds(block) * 1e3, cpu ? "computation" : "sleep",
      run.variant() == "offloaded" ? ", handed to a thread" : ", right here on the loop");
  if (run.variant() == "offloaded")
    co_await coro::to_thread([=] { blocking_work(block, cpu); });  // the loop goes on meanwhile
  else
    blocking_work(block, cpu);  // nobody else runs until this returns
  say("the blocking work is done");
  co_return 0.0;
}

static void block_or_offload(Run& run) {
  const auto tick = run.duration("tick"), block = run.duration("block");
  const int tickers = run.integer<int>("tickers");
  const int ticks = static_cast<int>(2 * block / tick) + 2;  // they tick on past the block
  std::vector<double> worst_ms = coro::run([&]() -> coro::Task<std::vector<double>> {
    std::vector<coro::Named<double>> all;
    for (int i = 1; i <= tickers; ++i) all.push_back(coro::named(fmt::format("Ticker-{}", i), ticker(ticks, tick)));
    all.push_back(coro::named("Blocker", worker(run, block, run.text("work") == "cpu")));
    co_return co_await coro::gather(std::move(all));
  }());
  worst_ms.pop_back();  // the blocker's own 0

  const double worst = *std::max_element(worst_ms.begin(), worst_ms.end());
  const double block_ms = to_seconds(block) * 1e3, tick_ms = to_seconds(tick) * 1e3;
  run.result({{"block_ms", block_ms}, {"tick_ms", tick_ms}, {"worst_late_ms", worst_ms}, {"late_ms", worst}});
  if (run.variant() == "blocking") {
    run.check("a blocked loop makes the other coroutines late", worst >= block_ms - tick_ms,
              "the latest tick was {:.0f} ms late; the block was {:.0f} ms", worst, block_ms);
    return run.explain("While the blocker ran its {:.0f} ms of work on the loop's thread, no ticker could be "
                       "resumed: their timers fired, but the loop only gets the thread back at a co_await. The "
                       "latest tick came {:.0f} ms late.", block_ms, worst);
  }
  run.likely("offloaded, the other coroutines stay on time", worst < std::max(block_ms / 2, tick_ms),
             "the latest tick was {:.1f} ms late; the block was {:.0f} ms", worst, block_ms);
  run.explain("The same {:.0f} ms of blocking work ran on an offload thread while its coroutine awaited the "
              "result: the loop kept resuming the tickers, the latest only {:.1f} ms late.", block_ms, worst);
}

Example async_blocking() {
  return {
      .params = {Param::integer("tickers", "coroutines that want to wake on time", 3, 1, 100),
                 Param::seconds("tick", "how often each ticker wakes", 0.05, 0.005, 10.0),
                 Param::seconds("block", "how long the blocking work lasts", 0.3, 0.01, 60.0),
                 Param::choice("work", "what the blocking work does: sleep, or compute (cpu)", {"sleep", "cpu"})},
      .check_params = [](const nlohmann::json& p) -> std::string {
        return p["block"].get<double>() < 2 * p["tick"].get<double>() ? "--block must be at least twice --tick" : "";
      },
      .variants = {{"blocking", block_or_offload}, {"offloaded", block_or_offload}},
  };
}

}  // namespace concur::demos
