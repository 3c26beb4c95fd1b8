// Exercise pool (11.11), the reference solution.
//
// Every worker is a process with memory of its own. The list the task appended to was
// the worker's copy of the global (copied by fork, or made afresh by spawn and
// forkserver), so the squares piled up in the workers and died with them, while the
// parent's list stayed empty. A pool gives results back one way: the task returns its
// value, the worker sends it to the parent, and map() returns all of them in the order
// of the inputs. So the task returns n * n, and the parent keeps what map() returns.
// imap() would pass too (results one by one, still in order); imap_unordered() would
// not, since it gives them in the order they finish.

#include <concur/concur.hpp>

#include <chrono>
#include <thread>
#include <vector>

namespace concur::demos {

// The task: square one number, a little slowly, so the workers really share the work.
static nlohmann::json square(const nlohmann::json& number) {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const long long n = number;
  return n * n;  // sent back to the parent
}
CONCUR_TASK(square);

static void square_in_a_pool(Run& run) {
  std::vector<nlohmann::json> numbers;
  for (long long n = 1; n <= run.integer("tasks"); ++n) numbers.push_back(n);

  mp::Pool pool(static_cast<int>(run.integer("workers")), mp::start_method_of(run));
  const std::vector<nlohmann::json> results = pool.map("square", numbers);  // in the inputs' order
  pool.close();  // no more work: the workers exit once idle
  pool.join();

  std::vector<long long> squares;
  for (const nlohmann::json& r : results) squares.push_back(r);

  say("{} numbers in, {} squares out: {}", numbers.size(), squares.size(), nlohmann::json(squares).dump());
  run.result("squares", squares);
  run.check("a square for every number", squares.size() == numbers.size(),
            fmt::format("{} of {}", squares.size(), numbers.size()));
}

Example pool() {
  return {
      .id = "11.11",
      .name = "pool",
      .title = "Process pool (solution)",
      .lecture = 11,
      .summary = "A Pool's map, with the squares returned by the task and kept from map().",
      .params = {Param::integer("tasks", "numbers to square", 12, 1, 10'000),
                 Param::integer("workers", "worker processes", 2, 1, 32), mp::start_method_param()},
      .variants = {{"exercise", square_in_a_pool}},
  };
}

}  // namespace concur::demos
