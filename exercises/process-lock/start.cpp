// Exercise: process-lock (11.3). Make the counter exact across processes.
//
// Several processes add 1 to one counter in shared memory, each `iterations` times, and
// every child holds a Lock while it reads the counter and writes it back. Yet increments
// still go missing: the counter ends below processes x iterations, as if nobody locked
// at all. Change the program so that it always ends at processes x iterations, with the
// children still running at the same time, under every start method (fork, spawn,
// forkserver).
//
//   concur check process-lock     builds this file and runs it 20 times with jitter
//   concur hint process-lock      one hint at a time
//
// Keep the options, the rounds and the run.result(...) lines: the check reads "actual",
// and "concurrent_s" to see that the children ran at the same time.

#include <concur/concur.hpp>
#include <concur/mp/overlap.hpp>

#include <deque>
#include <mutex>

namespace concur::demos {

// What each child runs: `iterations` increments, each under the lock.
static void increment_under_lock(const nlohmann::json& args, mp::Handed handed) {
  auto counter = mp::Value<long long>::adopt(std::move(handed.at(0)));
  auto start_line = mp::StartLine::adopt(std::move(handed.at(1)));
  mp::Lock lock("counter lock");
  auto overlap = mp::Overlap::adopt(std::move(handed.at(2)));
  const long long iterations = args["iterations"];
  start_line.arrive_and_wait();
  OverlapProbe inside = overlap.probe();  // notes the time now and then while we increment
  for (long long i = 0; i < iterations; ++i) {
    std::lock_guard hold(lock);      // Python: `with lock:`
    counter.set(counter.get() + 1);  // read, then write
    inside.tick();
  }
  inside.stop();
  say("finished {} increments", iterations);
}
CONCUR_ENTRY(increment_under_lock);

static void count_in_processes(Run& run) {
  const long long processes = run.integer("processes");
  const long long iterations = run.integer("iterations");
  mp::Value<long long> counter(0, mp::Locking::none, "counter");
  mp::Overlap overlap(processes);  // when each child was really inside its loop

  // One round: fresh children, a fresh counter. It is run again until two children were
  // incrementing at the same moment (on a busy machine they may take turns).
  const Rounds rounds = until_overlap([&] {
    counter.set(0);
    overlap.reset();
    mp::StartLine start_line(processes);
    std::deque<mp::Process> children;
    for (long long p = 0; p < processes; ++p)
      children.emplace_back(mp::Target{"increment_under_lock", {{"iterations", iterations}},
                                       {counter.fileno(), start_line.fileno(), overlap.fileno()}},
                            fmt::format("Process-{}", p + 1), mp::start_method_of(run));
    for (mp::Process& c : children) c.start();
    for (mp::Process& c : children) c.join();
    return overlap.measure();
  }, kCheckRounds);  // a check runs this 20 times: a quarter second of retries each

  const long long expected = processes * iterations, actual = counter.get();
  say("counter = {}, expected {}", actual, expected);
  run.result("expected", expected);
  run.result("actual", actual);
  report_overlap(run, rounds);  // overlap_s, concurrent_s, attempts
  run.check("no update lost", actual == expected, fmt::format("{} of {} lost", expected - actual, expected));
}

Example process_lock() {
  return {
      .id = "11.3",
      .name = "process-lock",
      .title = "A lock shared by processes (exercise)",
      .lecture = 11,
      .summary = "Make the counter in shared memory exact.",
      .params = {Param::integer("processes", "processes incrementing the counter", 2, 1, 16),
                 Param::integer("iterations", "increments per process", 100'000, 1, 100'000'000),
                 mp::start_method_param()},
      .variants = {{"exercise", count_in_processes}},
  };
}

}  // namespace concur::demos
