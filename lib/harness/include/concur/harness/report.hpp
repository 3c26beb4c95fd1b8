// concur/harness/report.hpp - the outcome of a run as the JSON report (interface.md) and as the
// summary a person reads: the timing table, a bar chart of medians and the checks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "concur/harness/runner.hpp"
#include "concur/harness/text.hpp"  // format_seconds, wrap_text

namespace concur {

inline constexpr std::string_view kReportSchema = "concur.report/1";

// The version of concur ("0.1.0").
std::string_view version();

// {"os", "cpus", "compiler", "build_type"} of this machine and build.
nlohmann::json host_json();

// The whole report: schema, concur, host, example, params, variants, checks, ok.
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
