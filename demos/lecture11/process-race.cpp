// 11.2 process-race: processes add 1 to one counter in shared memory, with no lock.
//
// Processes share nothing by default, so the counter lives in a shared Value that every
// child maps. Each child repeats: read the counter, write it back plus one. Two
// processes on two cores read the same number, both write the same result, and one
// increment is lost: the race of 10.4, with processes instead of threads.
//
// The Value is made without a lock, so its get() and set() are relaxed atomic loads and
// stores: each read and write is whole and well defined (no undefined behaviour), yet
// the pair of them is still not one step.

#include <concur/concur.hpp>

#include <deque>

namespace concur::demos {

// What each child runs: increments with no lock, once every process is at the line.
static void increment_shared(const nlohmann::json& args, mp::Handed handed) {
  auto counter = mp::Value<long long>::adopt(std::move(handed.at(0)));
  auto start_line = mp::StartLine::adopt(std::move(handed.at(1)));
  const long long iterations = args["iterations"];
  say("ready at the start line");
  start_line.arrive_and_wait();  // all processes go at once, so they really overlap
  for (long long i = 0; i < iterations; ++i) counter.set(counter.get() + 1);  // read, then write
  say("finished {} increments", iterations);
}
CONCUR_ENTRY(increment_shared);

static void processes_without_lock(Run& run) {
  const long long processes = run.integer("processes");
  const long long iterations = run.integer("iterations");
  mp::Value<long long> counter(0, mp::Locking::none, "counter");
  mp::StartLine start_line(processes);

  std::deque<mp::Process> children;
  for (long long p = 0; p < processes; ++p)
    children.emplace_back(mp::Target{"increment_shared", {{"iterations", iterations}},
                                     {counter.fileno(), start_line.fileno()}},
                          fmt::format("Process-{}", p + 1), mp::start_method_of(run));
  say("starting {} processes, {} increments each", processes, iterations);
  for (mp::Process& c : children) c.start();
  for (mp::Process& c : children) c.join();

  const long long expected = processes * iterations;
  const long long actual = counter.get();
  say("counter = {}, expected {}", actual, expected);
  run.result("expected", expected);
  run.result("actual", actual);
  run.result("lost", expected - actual);
  run.likely("updates were lost", actual < expected, fmt::format("{} of {} lost", expected - actual, expected));
  run.explain(actual < expected
                  ? fmt::format("{} increments vanished. The counter is one piece of shared memory: two "
                                "processes read the same value and both wrote it back plus one.",
                                expected - actual)
                  : "Nothing was lost this time: the processes did not overlap. Try more --iterations.");
}

Example process_race() {
  return {
      .id = "11.2",
      .name = "process-race",
      .title = "Race condition between processes",
      .lecture = 11,
      .summary = "Processes increment a counter in shared memory with no lock; updates are lost.",
      .params = {Param::integer("processes", "processes incrementing the counter", 2, 1, 16),
                 Param::integer("iterations", "increments per process", 200'000, 1, 100'000'000),
                 mp::start_method_param()},
      .variants = {{"unsynchronized", processes_without_lock}},
      .outcomes = {"lost"},
  };
}

}  // namespace concur::demos
