// How a run of the race exercise is judged: the counter must be exact.
#include <fmt/format.h>

#include "exercises.hpp"

namespace concur::exercises {

Exercise race_exercise() {
  constexpr long long kThreads = 4, kIterations = 20'000;
  return {
      .name = "race",
      .goal = fmt::format("Make the shared counter exact: {} threads x {} increments must end at {}, in every run.",
                          kThreads, kIterations, kThreads * kIterations),
      .options = {"--threads", fmt::format("{}", kThreads), "--iterations", fmt::format("{}", kIterations)},
      .time_limit_s = 20,
      .judge = exact_counter(kThreads * kIterations),
  };
}

}  // namespace concur::exercises
