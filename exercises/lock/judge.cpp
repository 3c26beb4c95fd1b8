// How a run of the lock exercise is judged: the counter must be exact.
#include <fmt/format.h>

#include "exercises.hpp"

namespace concur::exercises {

Exercise lock_exercise() {
  constexpr long long kThreads = 4, kIterations = 20'000;
  return {
      .name = "lock",
      .goal = fmt::format("Make the lock protect the counter: {} threads x {} locked increments must end at {}, "
                          "in every run.",
                          kThreads, kIterations, kThreads * kIterations),
      .options = {"--threads", fmt::format("{}", kThreads), "--iterations", fmt::format("{}", kIterations)},
      .time_limit_s = 20,
      .judge = [=](const nlohmann::json& result) -> std::optional<std::string> {
        const long long expected = kThreads * kIterations, actual = integer_result(result, "actual");
        if (actual == expected) return std::nullopt;
        if (actual < expected) return fmt::format("{} of {} increments were lost", expected - actual, expected);
        return fmt::format("the counter ended at {}, above the {} increments made", actual, expected);
      },
  };
}

}  // namespace concur::exercises
