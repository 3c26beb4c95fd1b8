// How a run of the race exercise is judged: the threads must have run at the same time,
// and the counter must be exact.
#include <fmt/format.h>

#include "exercises.hpp"

namespace concur::exercises {

Exercise race_exercise() {
  constexpr long long kThreads = 4, kIterations = 20'000;
  return {
      .name = "race",
      .goal = fmt::format("Make the shared counter exact: {} threads x {} increments must end at {}, in every run, "
                          "with the threads running at the same time.",
                          kThreads, kIterations, kThreads * kIterations),
      .options = {"--threads", fmt::format("{}", kThreads), "--iterations", fmt::format("{}", kIterations)},
      .time_limit_s = 20,
      .judge = ran_together("threads", exact_counter(kThreads * kIterations)),
      .explore = {"--threads", "2", "--iterations", "2"},
      .explore_judge = exact_counter(2 * 2),
  };
}

}  // namespace concur::exercises
