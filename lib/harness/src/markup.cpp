// lib/harness/src/markup.cpp - escaping, fixed-notation numbers and round axis ticks for
// the HTML report.
#include "markup.hpp"

#include <fmt/format.h>

#include "concur/harness/text.hpp"

#include <algorithm>
#include <cmath>

namespace concur::markup {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string plain_number(double value) {
  if (!std::isfinite(value)) return "–";
  const double a = std::fabs(value);
  if (a >= 1e15) return fmt::format("{:.0f}", value);
  if (value == std::floor(value)) return fmt::format("{}", static_cast<long long>(value));
  // Three significant digits: 12.3, 0.0123.
  const int decimals = std::clamp(2 - static_cast<int>(std::floor(std::log10(a))), 0, 15);
  std::string out = fmt::format("{:.{}f}", value, decimals);
  while (out.find('.') != std::string::npos && (out.back() == '0' || out.back() == '.')) out.pop_back();  // 0.200: 0.2
  return out;
}

std::string px(double value) { return std::isfinite(value) ? fmt::format("{:.2f}", value) : "0"; }

std::string json_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "–";
  if (value.is_number_float()) return plain_number(value.get<double>());
  if (value.is_array() || value.is_object()) {
    std::string out;
    for (const auto& [key, item] : value.items()) {
      out += out.empty() ? "" : ", ";
      out += value.is_object() ? key + ": " + json_text(item) : json_text(item);
    }
    return out;
  }
  return value.dump();  // integers and booleans
}

std::string format_speedup(double speedup) {
  if (!(speedup > 0) || !std::isfinite(speedup)) return "–";
  return concur::format_speedup(speedup);  // the terminal's wording, so both read alike
}

std::vector<double> round_ticks(double top, int count) {
  if (!(top > 0) || !std::isfinite(top) || count < 1) return {0};
  const double raw = top / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / magnitude;
  const double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
  std::vector<double> ticks;
  for (int k = 0; k * step <= top * (1 + 1e-9); ++k) ticks.push_back(k * step);
  return ticks;
}

std::vector<std::string> time_tick_labels(const std::vector<double>& ticks_ns) {
  const double top = ticks_ns.empty() ? 0 : ticks_ns.back();
  const auto [unit, per] = top >= 1e9   ? std::pair{"s", 1e9}
                           : top >= 1e6 ? std::pair{"ms", 1e6}
                           : top >= 1e3 ? std::pair{"µs", 1e3}
                                        : std::pair{"ns", 1.0};
  const double step = ticks_ns.size() > 1 ? (ticks_ns[1] - ticks_ns[0]) / per : 1;
  // As many decimals as the step has: a step of 0.2 ms needs one, of 0.05 ms two.
  const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 9);
  std::vector<std::string> labels;
  for (const double t : ticks_ns) labels.push_back(fmt::format("{:.{}f} {}", t / per, decimals, unit));
  return labels;
}

}  // namespace concur::markup
