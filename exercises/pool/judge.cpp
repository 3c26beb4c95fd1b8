// PLACEHOLDER until the exercise is written: every run fails.
#include "exercises.hpp"

namespace concur::exercises {

Exercise pool_exercise() {
  return {.name = "pool", .goal = "not written yet", .judge = [](const nlohmann::json&) -> std::optional<std::string> { return "not written yet"; }};
}

}  // namespace concur::exercises
