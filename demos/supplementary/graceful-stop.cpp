// s.10 graceful-stop: a worker loop that ends when the main thread sets a stop event.
//
// Nothing can stop a thread from outside, in Python or in C++. So the worker checks a
// flag (an Event) at the top of every round and leaves when it is set; the main thread
// lets it run for a while, then sets the flag and joins. Watch the end: at most the one
// round the worker was already in runs to completion after "asks the worker to stop",
// so the stop takes at most one loop period, and the worker ends cleanly on its own.

#include <concur/concur.hpp>

namespace concur::demos {

static void stop_flag(Run& run) {
  const auto period = run.duration("period");
  const auto run_for = run.duration("run-for");

  Event stop("stop flag");
  std::atomic<long long> rounds_started{0};
  std::atomic<long long> left_at_ns{-1};

  Thread worker([&] {
    while (!stop.is_set()) {  // the one place the worker looks: once per round
      const long long round = ++rounds_started;
      say("round {}: working", round);
      std::this_thread::sleep_for(period);  // a round of work, not interruptible
    }
    left_at_ns = RunClock::elapsed_ns();
    say("saw the stop flag after {} rounds: cleaning up and leaving", rounds_started.load());
  }, "Worker");

  worker.start();
  std::this_thread::sleep_for(run_for);
  const long long set_at_ns = RunClock::elapsed_ns();
  stop.set(says("asks the worker to stop"));  // written just before the flag goes up
  // Counted just after set(): a round the worker begins from now on would need a check
  // that missed the flag, and only the one check already done before set() can have.
  const long long rounds_at_set = rounds_started.load();
  worker.join();

  const long long after_set = rounds_started.load() - rounds_at_set;
  const double period_ms = std::chrono::duration<double, std::milli>(period).count();
  const double latency_ms = (left_at_ns.load() - set_at_ns) / 1e6;
  run.result({{"period_ms", period_ms}, {"rounds", rounds_started.load()}, {"rounds_after_set", after_set},
              {"stop_latency_ms", latency_ms}});
  run.check("the worker stopped within one loop round", after_set <= 1,
            "{} counted after the flag was set", count_of(after_set, "round"));
  run.check("the worker ended on its own", !worker.is_alive() && !worker.exception());
  run.likely("the stop took at most about one period", latency_ms <= period_ms * 1.5 + 20, "{:.1f} ms for a "
             "{:.1f} ms period", latency_ms, period_ms);
  run.explain("The worker looked at the flag once per round. The flag went up during round {}, which ran to its "
              "end; the next look saw the flag, so the worker left {:.0f} ms after the request (a round is "
              "{:.0f} ms). It was never interrupted mid-round, so it could clean up.", rounds_started.load(),
              latency_ms, period_ms);
}

Example graceful_stop() {
  return {
      .params = {Param::seconds("period", "seconds one round of the worker's loop takes", 0.3, 0.0, 10.0),
                 Param::seconds("run-for", "seconds the main thread lets the worker run", 1.0, 0.0, 60.0)},
      .variants = {{"graceful-stop", stop_flag}},
  };
}

}  // namespace concur::demos
