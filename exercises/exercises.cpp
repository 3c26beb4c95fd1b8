#include "exercises.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace concur::exercises {

const Exercise* find(std::string_view name) {
  for (const Exercise& e : all())
    if (e.name == name) return &e;
  return nullptr;
}

namespace {

const nlohmann::json& field(const nlohmann::json& result, std::string_view key) {
  const auto it = result.find(key);
  if (it == result.end())
    throw MissingResult(fmt::format("the run reported no '{}': keep the run.result(\"{}\", ...) line of the starting point",
                                    key, key));
  return *it;
}

}  // namespace

Judge exact_counter(long long expected) {
  return [expected](const nlohmann::json& result) -> std::optional<std::string> {
    const long long actual = integer_result(result, "actual");
    if (actual == expected) return std::nullopt;
    if (actual < expected) return fmt::format("{} of {} increments were lost", expected - actual, expected);
    return fmt::format("the counter ended at {}, above the {} increments made", actual, expected);
  };
}

Judge ran_together(std::string who, Judge inner) {
  return [who = std::move(who), inner = std::move(inner)](const nlohmann::json& result) -> std::optional<std::string> {
    if (std::optional<std::string> wrong = inner(result)) return wrong;
    if (number_result(result, "concurrent_s") <= 0)
      return fmt::format("the {0} ran one after another: none was inside its loop while another was, and the goal "
                         "says they run at the same time (start them all, then join them all)",
                         who);
    return std::nullopt;
  };
}

double number_result(const nlohmann::json& result, std::string_view key) {
  const nlohmann::json& v = field(result, key);
  if (!v.is_number()) throw MissingResult(fmt::format("the run's '{}' is {}, not a number", key, v.dump()));
  return v.get<double>();
}

long long integer_result(const nlohmann::json& result, std::string_view key) {
  const nlohmann::json& v = field(result, key);
  if (!v.is_number_integer())
    throw MissingResult(fmt::format("the run's '{}' is {}, not a whole number", key, v.dump()));
  return v.get<long long>();
}

std::vector<long long> integer_list_result(const nlohmann::json& result, std::string_view key) {
  const nlohmann::json& v = field(result, key);
  if (!v.is_array() || !std::all_of(v.begin(), v.end(), [](const nlohmann::json& x) { return x.is_number_integer(); }))
    throw MissingResult(fmt::format("the run's '{}' is {}, not a list of whole numbers", key, v.dump()));
  return v.get<std::vector<long long>>();
}

}  // namespace concur::exercises
