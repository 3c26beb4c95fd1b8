// Exercise lock (10.5), the reference solution.
//
// A mutex keeps threads apart only when they lock the same one. Made inside the lambda,
// each thread had a lock of its own that nobody else ever asked for, so every lock()
// succeeded at once and the read-then-write was as unprotected as in 10.4. Made once,
// next to the counter it guards, it is shared by every thread: while one thread is
// between its read and its write, the others wait at the lock. A static or global mutex
// would pass too, and so would counter.fetch_add(1) with no lock at all.

#include <concur/concur.hpp>
#include <concur/threads/overlap.hpp>

#include <atomic>
#include <deque>
#include <mutex>

namespace concur::demos {

static void count(Run& run) {
  const long long threads = run.integer("threads");
  const long long iterations = run.integer("iterations");
  Shared<long long> counter("counter");  // each load and store is a step `concur step` can schedule
  Mutex counter_lock("counter lock");  // one lock, next to the counter it guards
  Overlap overlap(threads);  // when each thread was really inside its loop

  // One round: the threads start together on a fresh counter. It is run again until two
  // threads were incrementing at the same moment (on a busy machine they may take turns).
  const Rounds rounds = until_overlap([&] {
    counter.reset(0);
    overlap.reset();
    StartLine start_line(threads);
    auto increment_many = [&] {
      start_line.arrive_and_wait();
      OverlapProbe inside = overlap.probe();
      for (long long i = 0; i < iterations; ++i) {
        std::lock_guard guard(counter_lock);  // Python: `with counter_lock:`
        const long long seen = counter.load();  // read ...
        counter.store(seen + 1);                // ... then write
        inside.tick();
      }
      inside.stop();
    };
    std::deque<Thread> workers;
    for (long long t = 0; t < threads; ++t) workers.emplace_back(increment_many);
    for (Thread& w : workers) w.start();
    for (Thread& w : workers) w.join();
    return overlap.measure();
  }, kCheckRounds);  // a check runs this 20 times: a quarter second of retries each

  const long long expected = threads * iterations, actual = counter.peek();
  say("counter = {}, expected {}", actual, expected);
  run.result("expected", expected);
  run.result("actual", actual);
  report_overlap(run, rounds);  // overlap_s, concurrent_s, attempts
  run.check("no update lost", actual == expected, fmt::format("{} of {} lost", expected - actual, expected));
}

Example lock() {
  return {
      .id = "10.5",
      .name = "lock",
      .title = "Lock (solution)",
      .lecture = 10,
      .summary = "The locked counter, made exact with one mutex that every thread shares.",
      .params = {Param::integer("threads", "threads incrementing the counter", 2, 1, 64),
                 Param::integer("iterations", "increments per thread", 100'000, 1, 100'000'000)},
      .variants = {{"exercise", count}},
      // How `concur step` and `explore` (and the check's exploration) run it: small.
      .controlled = ControlledRuns{.small = {{"iterations", 2}}, .outcome = "counter = {actual}"},
  };
}

}  // namespace concur::demos
