// concur/harness/controlled.hpp - an example run under a scheduler: every schedule explored
// (`concur explore`), or one schedule replayed (`concur step --schedule`).
//
// The engine is concur/threads/control.hpp; this file runs an Example's variants through
// it. One schedule is one call of the variant's body, with a fresh Run, inside a
// control::Controlled; its outcome is the text Example::controlled names ("counter = 3"),
// and the claims it broke are its required checks that failed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/harness/example.hpp"
#include "concur/threads/control.hpp"

namespace concur {

// The version of `concur explore --json`'s document (docs/interface.md).
inline constexpr std::string_view kExploreSchema = "concur.explore/1";

// The parameters a controlled run starts from: the example's defaults, then its small
// configuration (ControlledRuns::small), then what was given.
nlohmann::json controlled_params(const Example& example, const nlohmann::json& given);

// "" when `example` can be run under a scheduler, else why not, as one line that says what
// to do ("pool cannot be run one step at a time: step and explore take these examples of
// threads: race, lock, ...").
std::string why_not_controlled(const Example& example, const std::vector<Example>& all);

struct ExploreRequest {
  nlohmann::json params = nlohmann::json::object();  // as given; controlled_params() fills the rest
  std::vector<std::string> variants;                 // only these (empty: every enabled one)
  control::ExploreOptions options;
  std::optional<control::PctOptions> pct;            // random exploration instead
};

struct VariantExplored {
  std::string name;
  control::Explored explored;
  std::vector<std::string> claims;    // the required checks the runs made, in the order first seen
  std::vector<std::string> possible;  // the likely ones: claims some schedule should show
  std::string error;                // what a run threw that was not a deadlock, if one did
  // For each outcome, the results of the first schedule that gave it (to judge by).
  std::map<std::string, nlohmann::json> results;
};

struct ExploreReport {
  const Example* example = nullptr;
  nlohmann::json params;  // every effective parameter
  ExploreRequest request;
  std::vector<VariantExplored> variants;
  bool ok = true;  // no schedule broke a required claim, and no run failed
};

// Explores every enabled variant (or request.variants). Narration is off meanwhile.
ExploreReport explore_example(const Example& example, const ExploreRequest& request);

// What explore_example found, for a person: per variant the schedules, the outcomes with
// their shortest schedules, deadlocks and broken claims, and the line that replays one.
void print_explore(const ExploreReport& report);

// The `concur explore --json` document.
nlohmann::json explore_to_json(const ExploreReport& report);

// Runs `variant` once, quietly, under `schedule` (then the lowest thread that can go on):
// "" when the schedule can be followed, else why not ("step 5: thread 1 cannot go on here
// (it can: 2)"), so a bad --schedule is refused before the run that narrates.
std::string try_schedule(const Example& example, const nlohmann::json& params, const Variant& variant,
                         const std::vector<int>& schedule);

// The outcome text of one run: `pattern` with each {key} replaced by results[key]
// ("counter = {actual}" -> "counter = 3"); a key the results lack stays as it is.
std::string outcome_text(const std::string& pattern, const nlohmann::json& results);

}  // namespace concur
