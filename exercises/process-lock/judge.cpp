// How a run of the process-lock exercise is judged: the children must have run at the same
// time, and the counter in shared memory must be exact, whatever the start method.
#include <fmt/format.h>

#include "exercises.hpp"

namespace concur::exercises {

Exercise process_lock_exercise() {
  constexpr long long kProcesses = 2, kIterations = 10'000;
  return {
      .name = "process-lock",
      .goal = fmt::format("Make the counter in shared memory exact: {} processes x {} increments must end at {}, "
                          "in every run, with the processes running at the same time.",
                          kProcesses, kIterations, kProcesses * kIterations),
      .options = {"--processes", fmt::format("{}", kProcesses), "--iterations", fmt::format("{}", kIterations),
                  "--start-method", "fork"},
      .time_limit_s = 20,
      .judge = ran_together("processes", exact_counter(kProcesses * kIterations)),
  };
}

}  // namespace concur::exercises
