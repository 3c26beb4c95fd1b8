// 10.5 lock: the race of 10.4 three ways: no lock, a mutex, an atomic increment.
//
// With the mutex, only one thread at a time is between its read and its write, so no
// update can be lost. The price is the time: every increment now has to take and give
// back the lock, and with two cores the lock keeps moving from one core to the other.
// The summary compares each variant's time with the unsynchronized one; the atomic
// fetch_add shows that a single indivisible instruction is often the cheaper fix.

#include <concur/concur.hpp>

namespace concur::demos {

// Runs `threads` threads that each call increment() `iterations` times, then reports.
// Without a lock the round is run again (fresh counter) until the threads were measurably
// incrementing at the same moment: on a busy machine they may otherwise take turns.
template <typename Increment>
static void count(Run& run, Shared<long long>& counter, Increment increment) {
  const long long threads = run.integer("threads");
  const long long iterations = run.integer("iterations");
  const bool retry = run.variant() == "unsynchronized";
  Overlap overlap(threads);

  const Rounds rounds = until_overlap(
      [&] {
        counter.reset(0);
        overlap.reset();
        StartLine start_line(threads);
        std::deque<Thread> workers;
        for (long long t = 0; t < threads; ++t)
          workers.emplace_back([&] {
            start_line.arrive_and_wait();
            OverlapProbe inside = overlap.probe();
            for (long long i = 0; i < iterations; ++i) {
              increment();
              inside.tick();
            }
            inside.stop();
          });
        for (Thread& w : workers) w.start();
        for (Thread& w : workers) w.join();
        return overlap.measure();
      },
      {.budget = retry ? std::chrono::seconds(1) : std::chrono::seconds(0)});
  run.work_time(rounds.last.span);  // the round that counts, not the retries before it

  const long long expected = threads * iterations, actual = counter.peek();
  say("counter = {}, expected {}", actual, expected);
  report_count(run, rounds, expected, actual, run.variant() != "unsynchronized", "threads",
               "No lock: threads overwrote each other's increments, as in 10.4.",
               "No lock, and the threads ran together, yet nothing was lost this time.");
}

static void unsynchronized(Run& run) {
  Shared<long long> counter("counter");
  count(run, counter, [&] {
    const long long seen = counter.load();  // read, then write:
    counter.store(seen + 1);                // another thread can step in
  });
}

static void with_mutex(Run& run) {
  Shared<long long> counter("counter");
  Mutex lock("counter lock");
  count(run, counter, [&] {
    std::lock_guard guard(lock);  // Python: `with lock:`
    const long long seen = counter.load();
    counter.store(seen + 1);
  });  // the guard unlocks here, on every path out
  if (counter.peek() == run.integer("threads") * run.integer("iterations"))
    run.explain("The mutex makes read-then-write one step that only one thread can be in. Correct, but each "
                "increment pays for taking and handing over the lock.");
  else
    run.explain("Updates were lost even with a mutex: some read or write of the counter happened outside the "
                "lock. Only when every read-then-write is inside it is none lost.");
}

static void with_atomic(Run& run) {
  Shared<long long> counter("counter");
  count(run, counter, [&] { counter.fetch_add(1); });
  run.explain("fetch_add reads and writes in one indivisible instruction: no lock, nothing lost.");
}

Example lock() {
  return {
      .params = {Param::integer("threads", "threads incrementing the counter", 2, 1, 64),
                 Param::integer("iterations", "increments per thread", 100'000, 1, 100'000'000)},
      .variants = {{"unsynchronized", unsynchronized}, {"mutex", with_mutex}, {"atomic", with_atomic}},
      .baseline = "unsynchronized",
      .outcomes = {"lost"},
      .controlled = ControlledRuns{.small = {{"iterations", 2}}, .outcome = "counter = {actual}"},
  };
}

}  // namespace concur::demos
