// How a run of the queue-pool exercise is judged: every task done exactly once, and every
// worker gone home at the end.
#include <fmt/format.h>

#include <map>
#include <vector>

#include "exercises.hpp"

namespace concur::exercises {

namespace {

// "28, 29, 30" or "28, 29, 30, ..." when there are more than `shown`.
std::string some_of(const std::vector<long long>& values, std::size_t shown = 5) {
  std::string text;
  for (std::size_t i = 0; i < values.size() && i < shown; ++i) text += fmt::format("{}{}", i ? ", " : "", values[i]);
  return values.size() > shown ? text + ", ..." : text;
}

// Every task of 0 .. tasks-1 done exactly once, nothing else done, every worker gone.
Judge pool_judge(long long workers, long long tasks) {
  return [=](const nlohmann::json& result) -> std::optional<std::string> {
    const std::vector<long long> done = integer_list_result(result, "done");
    const long long workers_left = integer_result(result, "workers_left");
    std::map<long long, long long> times;  // task -> how often it was done
    for (const long long task : done) ++times[task];
    std::vector<long long> missing, twice, strangers;
    for (long long task = 0; task < tasks; ++task)
      if (times[task] == 0) missing.push_back(task);
      else if (times[task] > 1) twice.push_back(task);
    for (const auto& [task, n] : times)
      if (task < 0 || task >= tasks) strangers.push_back(task);
    if (!missing.empty())
      return fmt::format("{} of the {} tasks were never done ({})", missing.size(), tasks, some_of(missing));
    if (!twice.empty())
      return fmt::format("some tasks were done more than once: {}", some_of(twice));
    if (!strangers.empty())
      return fmt::format("the workers did {}, which the main thread never put as a task (a stop value counted "
                         "as work?)",
                         some_of(strangers));
    if (workers_left != workers)
      return fmt::format("only {} of the {} workers left at the end", workers_left, workers);
    return std::nullopt;
  };
}

}  // namespace

Exercise queue_pool_exercise() {
  // The main thread takes 1 ms to make each task and eight workers do one in 0.1 ms, so
  // the queue is empty most of the time while tasks are still to come: a worker that
  // takes "empty" for "done" leaves early in practically every run, idle or busy. When
  // the tasks were put as fast as possible, a busy machine often ran the main thread to
  // the last put before any worker looked, and two starting points in three passed a run
  // (measured under stress-ng --cpu 4); the end race (a worker blocked in get() for good)
  // is the rarer failure now, and fixing the early leave alone still fails on it at times.
  constexpr long long kWorkers = 8, kTasks = 40;
  return {
      .name = "queue-pool",
      .goal = fmt::format("Make the pool do all the work: {} workers share one queue of the tasks 0 to {}; every task "
                          "must be done exactly once and all {} workers must leave, in every run.",
                          kWorkers, kTasks - 1, kWorkers),
      .options = {"--workers", fmt::format("{}", kWorkers), "--tasks", fmt::format("{}", kTasks), "--work", "0.0001",
                  "--make", "0.001"},
      .time_limit_s = 10,
      .judge = pool_judge(kWorkers, kTasks),
      .explore = {"--workers", "2", "--tasks", "2"},
      .explore_judge = pool_judge(2, 2),
  };
}

}  // namespace concur::exercises
