#include "concur/harness/outcomes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "concur/core/text.hpp"
#include "concur/harness/stats.hpp"

namespace concur {
namespace {

constexpr int kMaxBuckets = 8;
constexpr int kBarWidth = 30;

// A whole number as it is; any other with three significant digits, never in e-notation
// ("97400", "0.125", "12.5").
std::string number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  const double a = std::fabs(v);
  const int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : std::min(9, 2 - static_cast<int>(std::floor(std::log10(a))));
  return fmt::format("{:.{}f}", v, decimals);
}

std::string bar(long long count, long long most, bool color, int bar_width) {
  const int cells = most > 0 ? static_cast<int>(std::lround(static_cast<double>(count) / static_cast<double>(most) * bar_width)) : 0;
  std::string out;
  for (int i = 0; i < cells; ++i) out += "█";
  if (count > 0 && cells == 0) out = "▏";
  return color ? "\x1b[36m" + out + "\x1b[0m" : out;
}

std::string describe(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string out;
    for (const auto& v : value) out += (out.empty() ? "" : ", ") + describe(v);
    return out;
  }
  return value.dump();
}

nlohmann::json histogram(const std::vector<double>& values) {
  const Summary s = summarize(values);
  const bool whole = std::all_of(values.begin(), values.end(), [](double v) { return v == std::floor(v); });
  long long nonzero = std::count_if(values.begin(), values.end(), [](double v) { return v != 0; });
  nlohmann::json buckets = nlohmann::json::array();
  if (s.min == s.max) {
    buckets.push_back({{"from", s.min}, {"to", s.max}, {"count", values.size()}});
  } else if (whole) {
    // Whole-number buckets [from, to], all the same width, covering min..max.
    const double span = s.max - s.min + 1;
    const double width = std::ceil(span / kMaxBuckets);
    const int n = static_cast<int>(std::ceil(span / width));
    std::vector<long long> counts(static_cast<std::size_t>(n), 0);
    for (double v : values) ++counts[static_cast<std::size_t>((v - s.min) / width)];
    for (int b = 0; b < n; ++b) {
      const double from = s.min + b * width;
      buckets.push_back({{"from", from}, {"to", std::min(s.max, from + width - 1)}, {"count", counts[static_cast<std::size_t>(b)]}});
    }
  } else {
    const double width = (s.max - s.min) / kMaxBuckets;
    std::vector<long long> counts(kMaxBuckets, 0);
    for (double v : values) ++counts[std::min<std::size_t>(kMaxBuckets - 1, static_cast<std::size_t>((v - s.min) / width))];
    for (int b = 0; b < kMaxBuckets; ++b)
      buckets.push_back({{"from", s.min + b * width}, {"to", s.min + (b + 1) * width}, {"count", counts[static_cast<std::size_t>(b)]}});
  }
  return {{"kind", "histogram"}, {"runs", values.size()}, {"min", s.min},       {"median", s.median},
          {"max", s.max},        {"mean", s.mean},        {"nonzero_runs", nonzero}, {"buckets", buckets}};
}

nlohmann::json distinct(const std::vector<nlohmann::json>& values) {
  std::vector<std::pair<nlohmann::json, long long>> seen;  // first-seen order
  for (const auto& v : values) {
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == v; });
    if (it == seen.end())
      seen.emplace_back(v, 1);
    else
      ++it->second;
  }
  std::stable_sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [v, n] : seen) list.push_back({{"value", v}, {"count", n}});
  return {{"kind", "distinct"}, {"runs", values.size()}, {"distinct", seen.size()}, {"values", list}};
}

}  // namespace

nlohmann::json summarize_outcome(const std::vector<nlohmann::json>& values) {
  std::vector<nlohmann::json> present;
  for (const auto& v : values)
    if (!v.is_null()) present.push_back(v);
  if (present.empty()) return {{"kind", "distinct"}, {"runs", 0}, {"distinct", 0}, {"values", nlohmann::json::array()}};
  if (std::all_of(present.begin(), present.end(), [](const nlohmann::json& v) { return v.is_number(); })) {
    std::vector<double> numbers;
    for (const auto& v : present) numbers.push_back(v.get<double>());
    return histogram(numbers);
  }
  return distinct(present);
}

std::string render_outcome(std::string_view title, const nlohmann::json& summary, bool color, std::size_t columns) {
  std::string out;
  // The bars take what the line leaves after its label and count, at most kBarWidth.
  const auto bar_width = [&](std::size_t label) {
    const std::size_t fixed = 4 + label + 2 + 1 + 8;
    return static_cast<int>(std::clamp<std::size_t>(columns > fixed ? columns - fixed : 0, 5, kBarWidth));
  };
  const long long runs = summary["runs"].get<long long>();
  if (summary["kind"] == "histogram") {
    out += wrap(fmt::format("{}: min {}, median {}, max {}; non-zero in {} of {} runs", title,
                            number(summary["min"].get<double>()), number(summary["median"].get<double>()),
                            number(summary["max"].get<double>()), summary["nonzero_runs"].get<long long>(), runs),
                {.width = columns, .first = 2, .rest = 4}) +
           "\n";
    long long most = 0;
    std::size_t width = 1;
    for (const auto& b : summary["buckets"]) {
      most = std::max(most, b["count"].get<long long>());
      width = std::max({width, number(b["from"].get<double>()).size(), number(b["to"].get<double>()).size()});
    }
    if (summary["buckets"].size() > 1)
      for (const auto& b : summary["buckets"])
        out += fmt::format("    {:>{}} … {:<{}}  {} {}\n", number(b["from"].get<double>()), width,
                           number(b["to"].get<double>()), width,
                           bar(b["count"].get<long long>(), most, color, bar_width(2 * width + 3)),
                           b["count"].get<long long>());
  } else {
    out += wrap(fmt::format("{}: {} distinct in {} runs", title, summary["distinct"].get<long long>(), runs),
                {.width = columns, .first = 2, .rest = 4}) +
           "\n";
    long long most = 0;
    std::size_t width = 1;
    for (const auto& v : summary["values"]) {
      most = std::max(most, v["count"].get<long long>());
      width = std::max(width, display_width(describe(v["value"])));
    }
    width = std::min<std::size_t>({width, 40, columns > 24 ? columns - 24 : 10});
    for (const auto& v : summary["values"]) {
      std::string text = describe(v["value"]);
      if (display_width(text) > width) text = text.substr(0, prefix_of_width(text, width - 1)) + "…";
      out += fmt::format("    {}{}  {} {}\n", text, std::string(width - display_width(text), ' '),
                         bar(v["count"].get<long long>(), most, color, bar_width(width)),
                         v["count"].get<long long>());
    }
  }
  return out;
}

}  // namespace concur
