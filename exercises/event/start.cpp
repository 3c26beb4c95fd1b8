// Exercise: event (10.7). Start only on the signal.
//
// Workers must not begin their work before the main thread gives the start signal, an
// Event it sets after `delay` seconds of preparation. The workers wait for the event,
// but so as not to hang if the signal never comes, each waits at most `patience`
// seconds. As written, workers begin their work before the signal. Change the program
// so that every worker does its work, and none of them starts before set().
//
//   concur check event     builds this file and runs it 20 times with jitter
//   concur hint event      one hint at a time
//
// Keep the options and the run.result(...) lines: the check reads "worked" and
// "started_early".

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
      go.wait(patience_s);  // wait for the signal, but never forever
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
      .title = "Event (exercise)",
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
