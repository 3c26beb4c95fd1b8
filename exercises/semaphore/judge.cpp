// How a run of the semaphore exercise is judged: every worker got through, the room never
// held more than its permits, and every permit was back at the end.
#include <fmt/format.h>

#include "exercises.hpp"

namespace concur::exercises {
namespace {

// All `workers` got through, never more than `permits` inside, every permit free at the end.
Judge room_judge(long long workers, long long permits) {
  return [=](const nlohmann::json& result) -> std::optional<std::string> {
    const long long finished = integer_result(result, "finished");
    const long long max_inside = integer_result(result, "max_inside");
    const long long free_at_end = integer_result(result, "free_at_end");
    if (finished != workers) return fmt::format("{} of {} workers finished", finished, workers);
    if (max_inside > permits)
      return fmt::format("{} workers were inside at once, with only {} permits", max_inside, permits);
    if (free_at_end < permits)
      return fmt::format("{} of the {} permits were never given back", permits - free_at_end, permits);
    if (free_at_end > permits)
      return fmt::format("the room ended with {} free permits, more than the {} it began with: "
                         "some were released more often than acquired",
                         free_at_end, permits);
    return std::nullopt;
  };
}

}  // namespace

Exercise semaphore_exercise() {
  constexpr long long kWorkers = 8, kPermits = 3;
  return {
      .name = "semaphore",
      .goal = fmt::format("All {} workers get through a room of {} permits, never more than {} inside at once, "
                          "and all {} permits are free again at the end, in every run.",
                          kWorkers, kPermits, kPermits, kPermits),
      // The hold is 2 s in the lecture; 20 ms here, so a run takes well under a second.
      .options = {"--workers", fmt::format("{}", kWorkers), "--permits", fmt::format("{}", kPermits),
                  "--time-scale", "0.01"},
      .time_limit_s = 10,
      .judge = room_judge(kWorkers, kPermits),
      .explore = {"--workers", "3", "--permits", "1"},
      .explore_judge = room_judge(3, 1),
  };
}

}  // namespace concur::exercises
