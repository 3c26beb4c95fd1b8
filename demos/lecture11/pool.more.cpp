// 11.11 pool, its other part: the rest of the Pool's calls, as the notes use them.
//
// apply() waits for its one answer. Two different functions handed out with apply_async()
// run side by side, so both are back after the longer one, not after the sum. A bound
// first argument (functools.partial) rides along with map; starmap_async() is starmap that
// returns at once. get(timeout) gives up on a slow task with TimeoutError, and successful()
// refuses to answer before the result is there.

#include <concur/concur.hpp>

#include "lecture11/work.hpp"

namespace concur::demos {

// The notes' a and b: each naps, then gives back what it was handed.
static nlohmann::json task_a(const nlohmann::json& job) {
  std::this_thread::sleep_for(std::chrono::nanoseconds(job["ns"].get<long long>()));
  return job["x"];
}
static nlohmann::json task_b(const nlohmann::json& job) { return task_a(job); }
static nlohmann::json power(const nlohmann::json& args) {  // [exponent, base]
  long long result = 1;
  for (int i = 0; i < args[0].get<int>(); ++i) result *= args[1].get<long long>();
  return result;
}
CONCUR_TASK(task_a);
CONCUR_TASK(task_b);
CONCUR_TASK(power);  // and multiply (work.hpp), registered by pool.cpp

void more_pool_calls(Run& run) {
  const auto nap = run.scaled(0.2).count();
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  say("cpu_count() = {}; the pool has {} workers", mp::cpu_count(), pool.processes());

  const nlohmann::json applied = pool.apply("multiply", {6, 7});  // blocks until the answer is back
  say("apply(multiply, (6, 7)) = {}", applied.dump());

  const auto start = std::chrono::steady_clock::now();
  mp::AsyncResult a = pool.apply_async("task_a", {{"x", "A"}, {"ns", nap}});
  mp::AsyncResult b = pool.apply_async("task_b", {{"x", "B"}, {"ns", 2 * nap}});
  const std::string got_a = a.get(), got_b = b.get();
  const double both_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  say("a and b answered {} and {} after {:.0f} ms (they nap {:.0f} and {:.0f} ms)", got_a, got_b, both_s * 1e3,
      nap / 1e6, 2 * nap / 1e6);

  const std::vector<nlohmann::json> cubes = pool.map(mp::partial("power", {3}), {1, 2, 3, 4, 5});
  say("map(partial(power, 3), [1..5]) = {}", nlohmann::json(cubes).dump());
  mp::AsyncResult products = pool.starmap_async("multiply", {{1, 2}, {3, 4}, {5, 6}});
  say("starmap_async returned at once; get() = {}", products.get().dump());

  mp::AsyncResult slow = pool.apply_async("task_a", {{"x", "late"}, {"ns", 4 * nap}});
  bool refused_early = false, timed_out = false;
  try {
    (void)slow.successful();  // not ready yet: an error, not a guess
  } catch (const std::logic_error& e) {
    refused_early = true;
    say("successful() before the result: {}", e.what());
  }
  try {
    slow.get(to_seconds(std::chrono::nanoseconds(nap)));
  } catch (const TimeoutError& e) {
    timed_out = true;
    say("get(timeout={:.0f} ms) on a task napping {:.0f} ms: TimeoutError", nap / 1e6, 4 * nap / 1e6);
  }
  slow.wait();
  const bool late_ok = slow.successful() && slow.get() == "late";  // the task itself went on and finished

  run.result({{"apply", applied}, {"a_and_b_s", both_s}, {"cubes", cubes}, {"products", products.get()},
              {"timed_out", timed_out}, {"cpu_count", mp::cpu_count()}});
  run.check("apply() returned the answer", applied == 42, applied.dump());
  run.check("a and b both answered, and no sooner than the longer nap", got_a == "A" && got_b == "B" &&
            both_s >= 2 * nap / 1e9);
  run.likely("a and b took about the longer nap, not the sum", both_s < 3 * nap / 1e9, "{:.0f} ms, sum {:.0f} ms",
             both_s * 1e3, 3 * nap / 1e6);
  run.check("map over a partial got the cubes", cubes == std::vector<nlohmann::json>{1, 8, 27, 64, 125});
  run.check("starmap_async's get() gave the products in order", products.get() == nlohmann::json{2, 12, 30});
  run.check("get(timeout) raised TimeoutError on the slow task, which finished anyway", timed_out && late_ok);
  run.check("successful() before the result was ready raised an error", refused_early);
  run.explain("With {} workers, a and b ran at the same time: both answers were in after the longer nap. A "
              "timeout on get() gives up waiting; it does not stop the task.", pool.processes());
}

}  // namespace concur::demos
