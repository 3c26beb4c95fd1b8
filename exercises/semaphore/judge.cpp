// How a run of the semaphore exercise is judged: every worker got through, the room never
// held more than its permits, and every permit was back at the end.
#include <fmt/format.h>

#include "exercises.hpp"

namespace concur::exercises {

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
      .judge = [=](const nlohmann::json& result) -> std::optional<std::string> {
        const long long finished = integer_result(result, "finished");
        const long long max_inside = integer_result(result, "max_inside");
        const long long free_at_end = integer_result(result, "free_at_end");
        if (finished != kWorkers) return fmt::format("{} of {} workers finished", finished, kWorkers);
        if (max_inside > kPermits)
          return fmt::format("{} workers were inside at once, with only {} permits", max_inside, kPermits);
        if (free_at_end < kPermits)
          return fmt::format("{} of the {} permits were never given back", kPermits - free_at_end, kPermits);
        if (free_at_end > kPermits)
          return fmt::format("the room ended with {} free permits, more than the {} it began with: "
                             "some were released more often than acquired",
                             free_at_end, kPermits);
        return std::nullopt;
      },
  };
}

}  // namespace concur::exercises
