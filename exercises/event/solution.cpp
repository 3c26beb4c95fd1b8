// Exercise event (10.7), the reference solution.
//
// wait(timeout) returns the flag: true when the event was set, false when the time ran
// out first. The starting point threw that answer away, so a worker whose patience ran
// out went to work as if the signal had come. Here a false sends the worker back to
// wait again: it may say it is still waiting, but it only goes on once wait() says true,
// and that happens only after set(). A plain go.wait() with no timeout passes too (drop
// the patience then); giving up on a false does not, since that worker's work is never
// done.

#include <concur/concur.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <vector>

namespace concur::demos {

static void start_signal(Run& run) {
  const long long workers = run.integer("workers");
  const auto delay = run.duration("delay");
  const double patience_s = std::chrono::duration<double>(run.duration("patience")).count();

  Event go("start signal");
  std::atomic<long long> set_at_ns{-1};
  std::vector<long long> started_at_ns(static_cast<std::size_t>(workers), -1);  // one slot per worker

  std::deque<Thread> threads;
  for (long long i = 0; i < workers; ++i)
    threads.emplace_back([&, i] {
      say("waiting for the start signal");
      while (!go.wait(patience_s)) say("no signal yet, waiting again");  // false means "timed out"
      started_at_ns[static_cast<std::size_t>(i)] = RunClock::elapsed_ns();
      say("starts its work");
    }, fmt::format("Worker-{}", i + 1));
  for (Thread& t : threads) t.start();

  sleep_for(delay);  // the preparation the workers must not overtake
  say("gives the start signal");
  set_at_ns = RunClock::elapsed_ns();  // noted before set(), so no worker that waited is earlier
  go.set();
  for (Thread& t : threads) t.join();

  long long worked = 0, early = 0;
  for (long long at : started_at_ns) {
    if (at >= 0) ++worked;
    if (at >= 0 && at < set_at_ns) ++early;
  }
  run.result("worked", worked);
  run.result("started_early", early);
  run.check("every worker did its work", worked == workers, fmt::format("{} of {}", worked, workers));
  run.check("nobody started before the signal", early == 0, fmt::format("{} started early", early));
}

Example event() {
  return {
      .id = "10.7",
      .name = "event",
      .title = "Event (solution)",
      .lecture = 10,
      .summary = "Workers start their work on the main thread's signal, never before.",
      .params = {Param::integer("workers", "threads waiting for the start signal", 4, 1, 256),
                 Param::seconds("delay", "seconds of preparation before the signal", 1.0, 0.0, 60.0),
                 Param::seconds("patience", "seconds a worker waits for the signal at a time", 0.2, 0.01, 60.0)},
      .variants = {{"exercise", start_signal}},
      // How `concur step` and `explore` (and the check's exploration) run it: small.
      .controlled = ControlledRuns{.small = {{"workers", 2}}, .outcome = "{worked} worked, {started_early} early"},
  };
}

}  // namespace concur::demos
