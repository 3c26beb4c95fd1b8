// 10.7 event: waiters block on an event until one thread sets it; then all go at once.
//
// An event is a flag. wait() blocks while the flag is down; set() raises it and wakes
// every waiter. Watch the timestamps: every "passed the event" line comes after the
// "sets the event" line (set() writes it before it raises the flag), and they arrive
// together.

#include <concur/concur.hpp>

namespace concur::demos {

static void start_signal(Run& run) {
  const long long waiters = run.integer("waiters");
  const auto delay = run.duration("delay");

  Event go("start signal");
  std::atomic<long long> set_at_ns{-1};
  std::vector<long long> passed_at_ns(static_cast<std::size_t>(waiters), -1);  // one slot per waiter

  std::deque<Thread> threads;
  for (long long i = 0; i < waiters; ++i)
    threads.emplace_back([&, i] {
      say("waiting for the event");
      go.wait();
      passed_at_ns[static_cast<std::size_t>(i)] = RunClock::elapsed_ns();
      say("passed the event");
    }, fmt::format("Waiter-{}", i + 1));

  Thread setter([&] {
    sleep_for(delay);  // everyone is waiting by now
    set_at_ns = RunClock::elapsed_ns();  // noted before set(), so no honest waiter is earlier
    go.set(says("sets the event"));  // the line is written before the flag goes up
  }, "Setter");

  for (Thread& t : threads) t.start();
  setter.start();
  for (Thread& t : threads) t.join();
  setter.join();

  long long released = 0, early = 0;
  for (long long at : passed_at_ns) {
    if (at >= 0) ++released;
    if (at >= 0 && at < set_at_ns) ++early;
  }
  run.result({{"waiters", waiters}, {"released", released}, {"released_before_set", early}});
  run.check("nobody passed before set()", early == 0, "{} passed early", early);
  run.check("all waiters passed after set()", released == waiters, "{} of {} passed", released, waiters);
  run.explain("All {} waiters were blocked in wait() until the setter raised the flag; one set() released every "
              "one of them.", waiters);
}

Example event() {
  return {
      .params = {Param::integer("waiters", "threads waiting for the event", 3, 1, 256),
                 Param::seconds("delay", "seconds before the setter sets the event", 1.0, 0.0, 60.0)},
      .variants = {{"event", start_signal}},
      .controlled = ControlledRuns{.small = {{"waiters", 2}},
                                   .outcome = "{released} passed, {released_before_set} before set()"},
  };
}

}  // namespace concur::demos
