// s.14 async-gather: three coroutines that each wait a second, one by one and then gathered.
//
// gather() makes each coroutine a task of its own on the loop and waits for all of them:
// they start together, wait together, and the whole thing takes about one wait, on one
// thread. Awaiting them one by one instead runs each inside main, to its end, before the
// next begins: the waits add up. Nothing but the way they are awaited differs. Watch the
// actor column: gathered, each task speaks as itself (Task-1@MainThread ...); one by one,
// main does all the talking.

#include <concur/coro.hpp>

namespace concur::demos {

// The supplementary notes' coroutine: announce, wait, announce.
static coro::Task<double> wait_a_while(int number, std::chrono::nanoseconds how_long) {
  say("coroutine {} starts: waits {:.0f} ms", number, to_seconds(how_long) * 1e3);
  const std::int64_t began = RunClock::elapsed_ns();
  co_await coro::sleep(how_long);  // gives the thread back until the timer fires
  const double waited_s = (RunClock::elapsed_ns() - began) / 1e9;
  say("coroutine {} done after {:.0f} ms", number, waited_s * 1e3);
  co_return waited_s;
}

static coro::Task<std::vector<double>> gathered(int count, std::chrono::nanoseconds each) {
  std::vector<coro::Task<double>> all;
  for (int i = 1; i <= count; ++i) all.push_back(wait_a_while(i, each));
  co_return co_await coro::gather(std::move(all));  // all waiting at once
}

static coro::Task<std::vector<double>> one_by_one(int count, std::chrono::nanoseconds each) {
  std::vector<double> waits;
  for (int i = 1; i <= count; ++i) waits.push_back(co_await wait_a_while(i, each));  // the next starts after
  co_return waits;
}

static void run_them(Run& run) {
  const int count = run.integer<int>("count");
  const auto each = run.duration("seconds");
  const bool gather = run.variant() == "gathered";
  const std::int64_t began = RunClock::elapsed_ns();
  const std::vector<double> waits = coro::run(gather ? gathered(count, each) : one_by_one(count, each));
  const double total_s = (RunClock::elapsed_ns() - began) / 1e9;

  const double longest_s = *std::max_element(waits.begin(), waits.end());
  const double sum_s = std::accumulate(waits.begin(), waits.end(), 0.0);
  run.result({{"coroutines", count}, {"waits_s", waits}, {"total_s", total_s}, {"longest_s", longest_s},
              {"sum_s", sum_s}, {"total_over_longest", longest_s > 0 ? total_s / longest_s : 0.0}});
  run.check("every coroutine waited its full time", std::ssize(waits) == count &&
            std::all_of(waits.begin(), waits.end(), [&](double w) { return w >= to_seconds(each); }),
            "{} waits, the shortest {:.3f} s", waits.size(), *std::min_element(waits.begin(), waits.end()));
  if (gather) {
    run.likely("gathered, the total is about the longest wait", total_s <= longest_s * 1.05 + 0.005,
               "{:.3f} s in all, longest wait {:.3f} s", total_s, longest_s);
    return run.explain("{} waits of {:.0f} ms took {:.0f} ms together ({:.2f}x the longest): gather() started every "
                       "coroutine at once and they all waited at the same time, on one thread.", count,
                       to_seconds(each) * 1e3, total_s * 1e3, total_s / longest_s);
  }
  run.check("one by one, the waits add up", total_s >= sum_s, "{:.3f} s in all, {:.3f} s of waits", total_s, sum_s);
  run.explain("{} waits of {:.0f} ms took {:.0f} ms: awaiting a coroutine runs it to its end before the next line, "
              "so each began when the one before had finished. Only gather() (or create_task) lets them overlap.",
              count, to_seconds(each) * 1e3, total_s * 1e3);
}

Example async_gather() {
  return {
      .params = {Param::integer("count", "coroutines to run", 3, 1, 10'000),
                 Param::seconds("seconds", "how long each one waits", 1.0, 0.0, 60.0)},
      .variants = {{"one-by-one", run_them}, {"gathered", run_them}},
      .baseline = "one-by-one",
  };
}

}  // namespace concur::demos
