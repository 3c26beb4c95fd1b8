#include "concur/harness/sweep.hpp"

#include <algorithm>

namespace concur {

std::vector<SweepSeries> sweep_series(const SweepOutcome& sweep) {
  std::vector<SweepSeries> series;
  for (std::size_t i = 0; i < sweep.points.size(); ++i) {
    const Outcome& point = sweep.points[i];
    for (const VariantOutcome& v : point.variants) {
      auto s = std::find_if(series.begin(), series.end(), [&](const SweepSeries& x) { return x.variant == v.name; });
      if (s == series.end()) {
        // A variant first seen at point i has no figures before it.
        series.push_back({v.name, std::vector<double>(i, 0.0), std::vector<std::optional<double>>(i)});
        s = series.end() - 1;
      }
      const Summary& t = point.compared_by == "work" && v.work ? *v.work : v.wall;
      s->median_s.resize(i, 0.0);
      s->speedup.resize(i);
      s->median_s.push_back(t.median);
      s->speedup.push_back(v.speedup);
    }
  }
  for (SweepSeries& s : series) {  // a variant missing from the last points
    s.median_s.resize(sweep.points.size(), 0.0);
    s.speedup.resize(sweep.points.size());
  }
  return series;
}

}  // namespace concur
