// concur/harness/outcomes.hpp - what a nondeterministic result did over repeated runs.
//
// A race loses a different number of updates every run, and threads finish in a
// different order. With --repeat N, an example's declared outcome keys are summarised
// across the runs of each variant:
// - a numeric result (the race's "lost") gets a distribution: min, median, max, mean,
//   how many runs were non-zero, and a histogram of at most 8 buckets;
// - any other result (a finishing order, a list of names) gets its distinct values and
//   how often each appeared, most frequent first.
// The counts in either always add up to the number of runs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace concur {

// {"kind": "histogram", "runs", "min", "median", "max", "mean", "nonzero_runs",
//  "buckets": [{"from", "to", "count"}]} for numbers (buckets are inclusive ranges of
// whole numbers when every value is whole), or {"kind": "distinct", "runs", "distinct",
// "values": [{"value", "count"}]} otherwise. Values missing from a run are skipped.
nlohmann::json summarize_outcome(const std::vector<nlohmann::json>& values);

// The terminal picture of one summary: a header line and a bar per bucket or value.
std::string render_outcome(std::string_view title, const nlohmann::json& summary, bool color,
                           std::size_t columns = 80);

}  // namespace concur
