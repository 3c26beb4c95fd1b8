// exercises/exercises.hpp - the exercise mode's list: for each core example, what the
// student must make true and how a run of their program is judged.
//
// A check runs the student's program many times with jitter and hands each run's result
// keys (run.result(...) in the demo) to the exercise's judge. The judge works out what
// the answer must be from the options the check passed, never from the program's own
// checks or its "expected" keys: a student could change those.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace concur::exercises {

// nullopt: this run shows the claim. Otherwise one line on what went wrong, in the
// student's terms ("1834 of 40000 increments were lost").
using Judge = std::function<std::optional<std::string>(const nlohmann::json& result)>;

struct Exercise {
  std::string name;                  // the example's name, and the workspace file's: race.cpp
  std::string goal;                  // what passing means, one or two sentences
  std::vector<std::string> options;  // given to every run: {"--threads", "4"}
  double time_limit_s = 10;          // a run still going after this has hung (a deadlock?)
  int runs = 20;                     // runs per check unless --runs says otherwise
  Judge judge;
  // For an exercise of threads: the options of an exploration of every schedule (`explore
  // NAME ...`, with a preemption bound) that the check runs before the real runs, and the
  // judge of each outcome it reached (the results of a schedule that reached it). A
  // schedule that deadlocks fails too. Empty: no exploration.
  std::vector<std::string> explore = {};
  Judge explore_judge = {};
};

// Every exercise, in catalogue order (CONCUR_EXERCISES).
const std::vector<Exercise>& all();
// By the example's name; nullptr when it has no exercise.
const Exercise* find(std::string_view name);

// A result the judge needs is missing or of the wrong kind: the student removed or
// changed a run.result(...) line. The message names the key.
struct MissingResult : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A judge for a counter that must end exact: result["actual"] == expected, else how many
// increments were lost (or that there were more than were made).
Judge exact_counter(long long expected);

// `inner`, and then what the goal says of the workers (`who`: "threads" or "processes"):
// that they ran at the same time. result["concurrent_s"] (report_overlap in
// concur/threads/overlap.hpp) is the time at least two of them were inside their loops at once;
// 0 means one after another, and the run fails with a sentence saying so, however exact
// its count.
Judge ran_together(std::string who, Judge inner);

// result[key] as a whole number / a list of whole numbers / a number, or MissingResult.
long long integer_result(const nlohmann::json& result, std::string_view key);
std::vector<long long> integer_list_result(const nlohmann::json& result, std::string_view key);
double number_result(const nlohmann::json& result, std::string_view key);

// Each exercise is defined by exercises/NAME/judge.cpp as `Exercise NAME_exercise()` (dashes
// as underscores); all() lists them, generated from CONCUR_EXERCISES in exercises/CMakeLists.txt.

}  // namespace concur::exercises
