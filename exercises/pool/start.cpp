// Exercise: pool (11.11). Get the squares back from the pool.
//
// A Pool of worker processes squares the numbers 1 to `tasks`: map() hands each number
// to whichever worker is free, and every task runs (the workers are busy for a while).
// Yet the parent ends up with no squares at all. Change the program so that the parent
// gets every square, in the order of the inputs ([1, 4, 9, ...]), under every start
// method (fork, spawn, forkserver).
//
//   concur check pool     builds this file and runs it 20 times with jitter
//   concur hint pool      one hint at a time
//
// Keep the options and the run.result(...) lines: the check reads "squares".

#include <concur/concur.hpp>

#include <chrono>
#include <thread>
#include <vector>

namespace concur::demos {

// The squares found so far.
static std::vector<long long> squares;

// The task: square one number, a little slowly, so the workers really share the work.
static nlohmann::json square(const nlohmann::json& number) {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const long long n = number;
  squares.push_back(n * n);
  return nullptr;  // nothing to send back: the square is in the list
}
CONCUR_TASK(square);

static void square_in_a_pool(Run& run) {
  std::vector<nlohmann::json> numbers;
  for (long long n = 1; n <= run.integer("tasks"); ++n) numbers.push_back(n);

  mp::Pool pool(static_cast<int>(run.integer("workers")), mp::start_method_of(run));
  pool.map("square", numbers);  // waits until every task has run
  pool.close();                 // no more work: the workers exit once idle
  pool.join();

  say("{} numbers in, {} squares out: {}", numbers.size(), squares.size(), nlohmann::json(squares).dump());
  run.result("squares", squares);
  run.check("a square for every number", squares.size() == numbers.size(),
            fmt::format("{} of {}", squares.size(), numbers.size()));
}

Example pool() {
  return {
      .id = "11.11",
      .name = "pool",
      .title = "Process pool (exercise)",
      .lecture = 11,
      .summary = "Get the results of a Pool's map back to the parent.",
      .params = {Param::integer("tasks", "numbers to square", 12, 1, 10'000),
                 Param::integer("workers", "worker processes", 2, 1, 32), mp::start_method_param()},
      .variants = {{"exercise", square_in_a_pool}},
  };
}

}  // namespace concur::demos
