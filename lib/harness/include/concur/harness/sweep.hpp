// concur/harness/sweep.hpp - one example run once per value of one of its parameters
// (`concur primes --sweep workers=1..8`), and how time and speedup change with it.
//
//     concur primes --sweep workers=1..4 --repeat 3
//
// Every point is a whole Outcome (each variant run `repeat` times); the sweep adds the
// parameter, its values and whether it counts workers (then the ideal speedup is y = x).
#pragma once

#include <optional>
#include <string>
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

}  // namespace concur
