// concur/harness/sweep.hpp - one example run once per value of one of its parameters
// (`concur primes --sweep workers=1..8`), and how time and speedup change with it.
//
//     concur primes --sweep workers=1..4 --repeat 3
//
// Every point is a whole Outcome (each variant run `repeat` times); the sweep adds the
// parameter, its values and whether it counts workers (then the ideal speedup is y = x).
// The terminal gets a line per point as it finishes, then a table and a plot of speedup
// (or, for an example without a baseline, of the median time) against the parameter; the
// JSON report, the markdown table and the HTML page carry the same figures.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/harness/runner.hpp"

namespace concur {

struct SweepOutcome {
  const Example* example = nullptr;
  std::string param;                // "workers"
  bool counts_workers = false;      // a number of threads or processes: the ideal is y = x
  std::vector<long long> values;    // in the order given
  std::vector<Outcome> points;      // points[i] ran with param = values[i]
  bool ok = true;                   // every point's required checks held
};

// One variant's figures across the sweep, for tables and charts: its median time (the
// time the speedups compare) and speedup at each point (nullopt when not compared).
struct SweepSeries {
  std::string variant;
  std::vector<double> median_s;   // 0 where the variant did not run
  std::vector<std::optional<double>> speedup;
};
std::vector<SweepSeries> sweep_series(const SweepOutcome& sweep);

// What --sweep asked for: the parameter and its values.
struct SweepSpec {
  std::string param;
  std::vector<long long> values;
};

// "workers=1..8" or "workers=1,2,4,8": a whole-number parameter of `example` and values
// inside its range, at most kMaxSweepPoints of them. BadUsage (one line, naming the
// problem) otherwise.
inline constexpr std::size_t kMaxSweepPoints = 32;
SweepSpec parse_sweep(const Example& example, std::string_view spec);

// Runs the example once per value (options.params with the parameter set to it), quietly,
// printing a line per point and then the sweep's table and plot.
SweepOutcome run_sweep(const Example& example, const RunOptions& options, const SweepSpec& spec);

// The table and the plot, through the console.
void print_sweep(const SweepOutcome& sweep);

// The JSON report of a sweep: the report's header, then "sweep" with the parameter, its
// values, every variant's series and every point's full report.
nlohmann::json make_sweep_report(const SweepOutcome& sweep);

// The sweep as a markdown table: a row per value, a median (and speedup) column per variant.
std::string make_sweep_markdown(const SweepOutcome& sweep);

}  // namespace concur
