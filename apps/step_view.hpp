// apps/step_view.hpp - `concur step ID` at a terminal: the student is the scheduler.
//
// A full-screen view (the terminal's alternate screen; fits 80x24): a column per thread
// with the step it would take next, or what it waits for; the shared values and the locks
// held; the history of steps. A thread's number runs it one step, `u` undoes the last step
// (the run is replayed up to the step before), `r` restarts, `q` quits. A lost update, a
// deadlock and a failed check are announced the moment they happen.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <concur/harness/example.hpp>

namespace concur::cli {

// Runs `variant` of `example` with `params`, each step chosen at the keyboard (standard
// input and output must be a terminal). Returns the schedule taken when the student quits
// ("1,2,1,2"), or nullopt when they quit before choosing any step.
std::optional<std::string> step_interactively(const Example& example, const nlohmann::json& params,
                                              const Variant& variant, bool color);

}  // namespace concur::cli
