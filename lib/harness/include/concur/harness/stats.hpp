// concur/harness/stats.hpp - summarising repeated timings, with hyperfine's field names.
#pragma once

#include <optional>
#include <vector>

namespace concur {

struct Summary {
  double min = 0;
  double median = 0;  // the middle value; the mean of the two middle values for an even count
  double max = 0;
  double mean = 0;
  std::optional<double> stddev;  // sample standard deviation (n - 1); none for a single run
  std::vector<double> times;     // the raw values, in run order
};

// Summarises one or more values. Throws std::invalid_argument when `values` is empty.
Summary summarize(std::vector<double> values);

}  // namespace concur
