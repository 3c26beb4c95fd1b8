// How a run of the event exercise is judged: every worker worked, none before the signal.
#include <fmt/format.h>

#include "exercises.hpp"

namespace concur::exercises {
namespace {

// Every one of `workers` did its work, and none started before the signal.
Judge workers_judge(long long workers) {
  return [=](const nlohmann::json& result) -> std::optional<std::string> {
    const long long worked = integer_result(result, "worked");
    const long long early = integer_result(result, "started_early");
    if (early > 0) return fmt::format("{} of {} workers started before the signal", early, workers);
    if (worked < workers) return fmt::format("{} of {} workers never did their work", workers - worked, workers);
    if (worked > workers) return fmt::format("{} workers reported work, but only {} were started", worked, workers);
    return std::nullopt;
  };
}

}  // namespace

Exercise event_exercise() {
  constexpr long long kWorkers = 4;
  return {
      .name = "event",
      .goal = fmt::format("All {} workers do their work, and not one of them starts before the main thread "
                          "sets the start signal, in every run.",
                          kWorkers),
      // The lecture's one second of preparation becomes 50 ms, a worker's patience 10 ms:
      // a worker that gives up waiting does so long before the signal.
      .options = {"--workers", fmt::format("{}", kWorkers), "--delay", "1.0", "--patience", "0.2", "--time-scale",
                  "0.05"},
      .time_limit_s = 10,
      .judge = workers_judge(kWorkers),
      .explore = {"--workers", "2"},
      .explore_judge = workers_judge(2),
  };
}

}  // namespace concur::exercises
