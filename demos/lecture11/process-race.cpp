// 11.2 process-race: processes add 1 to one counter in shared memory, with no lock.
//
// Processes share nothing by default, so the counter is a shared Value every child maps.
// Each child reads it and writes it back plus one; two that read the same number lose an
// increment: the race of 10.4, with processes. The Value has no lock, so get() and set()
// are relaxed atomics: each whole and well defined, the pair still not one step. As in
// 10.4, rounds with fresh children repeat until two were incrementing at the same moment.

#include <concur/concur.hpp>

namespace concur::demos {

// What each child runs: increments with no lock, once every process is at the line.
static void increment_shared(const nlohmann::json& args, mp::Handed handed) {
  auto counter = mp::Value<long long>::adopt(std::move(handed.at(0)));
  auto start_line = mp::StartLine::adopt(std::move(handed.at(1)));
  auto overlap = mp::Overlap::adopt(std::move(handed.at(2)));
  const long long iterations = args["iterations"];
  start_line.arrive_and_wait();  // all processes go at once
  OverlapProbe inside = overlap.probe();
  for (long long i = 0; i < iterations; ++i) {
    counter.set(counter.get() + 1);  // read, then write
    inside.tick();
  }
  inside.stop();
}
CONCUR_ENTRY(increment_shared);

static void processes_without_lock(Run& run) {
  const long long processes = run.integer("processes");
  const long long iterations = run.integer("iterations");
  mp::Value<long long> counter(0, mp::Locking::none, "counter");
  mp::Overlap overlap(processes);
  say("starting {} processes, {} increments each", processes, iterations);

  // One round: fresh children add to a fresh counter, all starting at once.
  const Rounds rounds = until_overlap([&] {
    counter.set(0);
    overlap.reset();
    mp::StartLine start_line(processes);
    std::deque<mp::Process> children;
    for (long long p = 0; p < processes; ++p)
      children.emplace_back(mp::Target{"increment_shared", {{"iterations", iterations}},
                                       {counter.fileno(), start_line.fileno(), overlap.fileno()}},
                            fmt::format("Process-{}", p + 1), mp::start_method_of(run)).start();
    for (mp::Process& c : children) c.join();
    return overlap.measure();
  });
  run.work_time(rounds.last.span);  // start line to the last child's last increment, of the round that counts

  const long long expected = processes * iterations, actual = counter.get();
  say("counter = {}, expected {} (round {}, together for {:.2f} ms)", actual, expected, rounds.attempts,
      to_seconds(rounds.last.overlap) * 1e3);
  report_count(run, rounds, expected, actual, /*guarded=*/false, "processes",
               "{} increments vanished. The counter is one piece of shared memory: two processes read the same "
               "value and both wrote it back plus one.",
               "The processes ran together, yet nothing was lost this time: a race is luck, not design.");
}

Example process_race() {
  return {
      .params = {Param::integer("processes", "processes incrementing the counter", 2, 1, 16),
                 Param::integer("iterations", "increments per process", 200'000, 1, 100'000'000),
                 mp::start_method_param()},
      .variants = {{"unsynchronized", processes_without_lock}},
      .outcomes = {"lost"},
  };
}

}  // namespace concur::demos
