// How a run of the shared-value exercise is judged: the Value must count every round of
// every process, and so must each element of the Array.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "exercises.hpp"

namespace concur::exercises {

Exercise shared_value_exercise() {
  constexpr long long kProcesses = 2, kRounds = 2'000, kAdded = kProcesses * kRounds;
  return {
      .name = "shared-value",
      .goal = fmt::format("Make every round count: {} processes x {} rounds must take the value from 0 to {} and "
                          "the array from [1, 2, 3] to [{}, {}, {}], in every run.",
                          kProcesses, kRounds, kAdded, 1 + kAdded, 2 + kAdded, 3 + kAdded),
      .options = {"--processes", fmt::format("{}", kProcesses), "--rounds", fmt::format("{}", kRounds),
                  "--start-method", "fork"},
      .time_limit_s = 20,
      .judge = [=](const nlohmann::json& result) -> std::optional<std::string> {
        const long long value = integer_result(result, "value");
        const std::vector<long long> array = integer_list_result(result, "array");
        const std::vector<long long> expected_array = {1 + kAdded, 2 + kAdded, 3 + kAdded};
        if (value != kAdded)
          return value < kAdded ? fmt::format("the value ended at {}: {} of {} rounds were lost", value, kAdded - value,
                                              kAdded)
                                : fmt::format("the value ended at {}, above the {} rounds made", value, kAdded);
        if (array != expected_array)
          return fmt::format("the value is right, but the array ended at [{}], not [{}]", fmt::join(array, ", "),
                             fmt::join(expected_array, ", "));
        return std::nullopt;
      },
  };
}

}  // namespace concur::exercises
