// 11.3 process-lock: the race of 11.2, repaired with a lock shared by the processes.
//
// Same counter in shared memory, same read-then-write in every child. In the `lock`
// variant each child holds a process-shared Lock around its read and its write, so no
// other process can slip in between: nothing is lost. `unsynchronized` is 11.2 again, for
// comparison; `atomic` adds with one indivisible instruction (fetch_add) and needs no
// lock at all. Compare the three times in the summary: the lock is correct but not free.
// Without a lock the round is run again (fresh children, fresh counter) until two children
// were measurably incrementing at the same moment, as in 11.2.

#include <concur/concur.hpp>

namespace concur::demos {

// What each child runs: `how` is "unsynchronized", "lock" or "atomic".
static void increment_with(const nlohmann::json& args, mp::Handed handed) {
  auto counter = mp::Value<long long>::adopt(std::move(handed.at(0)));
  auto lock = mp::Lock::adopt(std::move(handed.at(1)));
  auto start_line = mp::StartLine::adopt(std::move(handed.at(2)));
  auto overlap = mp::Overlap::adopt(std::move(handed.at(3)));
  const long long iterations = args["iterations"];
  const std::string how = args["how"];
  say("ready at the start line");
  start_line.arrive_and_wait();
  OverlapProbe inside = overlap.probe();  // notes the time now and then while we increment
  for (long long i = 0; i < iterations; ++i) {
    if (how == "lock") {
      std::lock_guard hold(lock);  // no other process between our read and our write
      counter.set(counter.get() + 1);
    } else if (how == "atomic") {
      counter.fetch_add(1);  // read and write in one step
    } else {
      counter.set(counter.get() + 1);  // two steps, anyone may come between
    }
    inside.tick();
  }
  inside.stop();
  say("finished {} increments", iterations);
}
CONCUR_ENTRY(increment_with);

static void count_in_processes(Run& run) {
  const long long processes = run.integer("processes");
  const long long iterations = run.integer("iterations");
  mp::Value<long long> counter(0, mp::Locking::none, "counter");
  mp::Lock lock("counter lock");
  mp::Overlap overlap(processes);
  say("starting {} processes, {} increments each ({})", processes, iterations, run.variant());

  const bool retry = run.variant() == "unsynchronized";  // the lock and fetch_add need no luck
  const Rounds rounds = until_overlap(
      [&] {
        counter.set(0);
        overlap.reset();
        mp::StartLine start_line(processes);
        std::deque<mp::Process> children;
        for (long long p = 0; p < processes; ++p)
          children.emplace_back(
              mp::Target{"increment_with", {{"iterations", iterations}, {"how", run.variant()}},
                         {counter.fileno(), lock.fileno(), start_line.fileno(), overlap.fileno()}},
              fmt::format("Process-{}", p + 1), mp::start_method_of(run));
        for (mp::Process& c : children) c.start();
        for (mp::Process& c : children) c.join();
        return overlap.measure();
      },
      {.budget = retry ? std::chrono::seconds(1) : std::chrono::seconds(0)});
  run.work_time(rounds.last.span);  // start line to the last child's last increment: no start-up, no reaping

  const long long expected = processes * iterations, actual = counter.get();
  say("counter = {}, expected {}", actual, expected);
  report_count(run, rounds, expected, actual, run.variant() != "unsynchronized", "processes",
               "No lock: the processes interleaved their reads and writes, as in 11.2.",
               "No lock, and the processes ran together, yet nothing was lost this time.");
  if (run.variant() != "unsynchronized")
    run.explain(run.variant() == "lock"
                    ? "The lock let one process at a time do its read and write, so every increment counted."
                    : "fetch_add reads and writes in one indivisible instruction: no lock, nothing lost.");
}

Example process_lock() {
  return {
      .params = {Param::integer("processes", "processes incrementing the counter", 2, 1, 16),
                 Param::integer("iterations", "increments per process", 100'000, 1, 100'000'000),
                 mp::start_method_param()},
      .variants = {{"unsynchronized", count_in_processes},
                   {"lock", count_in_processes},
                   {"atomic", count_in_processes}},
      .baseline = "unsynchronized",
      .outcomes = {"lost"},
  };
}

}  // namespace concur::demos
