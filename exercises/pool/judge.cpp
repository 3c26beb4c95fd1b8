// How a run of the pool exercise is judged: the parent must hold the square of every
// input, in the order of the inputs.
#include <algorithm>

#include <fmt/format.h>

#include "exercises.hpp"

namespace concur::exercises {

Exercise pool_exercise() {
  constexpr long long kTasks = 20, kWorkers = 2;
  return {
      .name = "pool",
      .goal = fmt::format("Get the squares back: a pool of {} workers squares 1 to {}, and the parent must report "
                          "[1, 4, 9, ..., {}], every square in the order of its input, in every run.",
                          kWorkers, kTasks, kTasks * kTasks),
      .options = {"--tasks", fmt::format("{}", kTasks), "--workers", fmt::format("{}", kWorkers), "--start-method",
                  "fork"},
      .time_limit_s = 15,
      .judge = [=](const nlohmann::json& result) -> std::optional<std::string> {
        std::vector<long long> expected;
        for (long long n = 1; n <= kTasks; ++n) expected.push_back(n * n);
        std::vector<long long> squares = integer_list_result(result, "squares");
        if (squares == expected) return std::nullopt;
        if (squares.empty()) return fmt::format("the parent got no squares at all, for the {} numbers sent to the pool", kTasks);
        if (squares.size() != expected.size())
          return fmt::format("the parent got {} squares, not {}", squares.size(), expected.size());
        const auto first_wrong = std::mismatch(squares.begin(), squares.end(), expected.begin()).first;
        const auto at = first_wrong - squares.begin();
        const long long got = *first_wrong, want = expected[at];
        std::sort(squares.begin(), squares.end());
        if (squares == expected)
          return fmt::format("every square is there, but not in the order of the inputs (place {} holds {}, not {})",
                             at + 1, got, want);
        return fmt::format("place {} holds {}, but {} squared is {}", at + 1, got, at + 1, want);
      },
  };
}

}  // namespace concur::exercises
