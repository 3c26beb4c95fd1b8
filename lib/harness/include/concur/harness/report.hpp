// concur/harness/report.hpp - the outcome of a run as the JSON report (interface.md) and as the
// summary a person reads: the timing table, a bar chart of medians and the checks.
#pragma once

#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include <nlohmann/json.hpp>

#include "concur/harness/runner.hpp"
#include "concur/harness/text.hpp"  // format_seconds, wrap_text

namespace concur {

// Version 2 (docs/report.md): "run" (when and how it ran), concur's git revision, the
// children's CPU time, and parameter keys in snake_case ("kill_worker", like "time_scale").
inline constexpr std::string_view kReportSchema = "concur.report/2";

// The version of concur ("0.1.0"), and the git revision it was built from ("" if unknown).
std::string_view version();
std::string_view git_revision();

// The command line that started this program, for the reports' "run" (the CLI sets it).
void set_command_line(std::vector<std::string> words);
const std::vector<std::string>& command_line();

// A parameter's key in the report: its option name in snake_case ("kill-worker" ->
// "kill_worker").
std::string report_key(std::string_view name);

// {"os", "kernel", "cpus", "compiler", "build_type"} of this machine and build.
nlohmann::json host_json();

// The whole report: schema, concur, host, run, example, params, variants, checks, ok.
nlohmann::json make_report(const Outcome& outcome);

// Prints the summary through the console (printed even under --quiet).
void print_summary(const Outcome& outcome);

// When variant `v`'s speedup is above what its cores could give its baseline's work
// (min(workers, cpus) over the baseline's, by more than 5%), the sentence the summary
// prints about it: the load changed between the two, so the figure is not a speedup.
std::optional<std::string> speedup_beyond_cores(const Outcome& outcome, const VariantOutcome& v);

// The variants as a markdown table in hyperfine's layout, for lab reports:
// | Variant | Median [ms] | Min [ms] | Max [ms] | Speedup |   (median ± stddev)
std::string make_markdown(const Outcome& outcome);

// The first run of every variant as a Chrome/Perfetto trace (trace.hpp), end to end.
nlohmann::json make_trace(const Outcome& outcome);

}  // namespace concur
