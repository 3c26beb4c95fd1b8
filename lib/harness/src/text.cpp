#include "concur/harness/text.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

namespace concur {

std::string format_seconds(double seconds) {
  // Round to three significant digits first, then pick the unit: 0.99999 s is "1.00 s".
  double a = std::fabs(seconds);
  if (a > 0) {
    const double scale = std::pow(10.0, 2 - std::floor(std::log10(a)));
    a = std::round(a * scale) / scale;
  }
  const std::string_view sign = seconds < 0 ? "-" : "";
  auto three = [&](double v, std::string_view unit) {
    const int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
    return fmt::format("{}{:.{}f} {}", sign, v, decimals, unit);
  };
  if (a >= 1) return three(a, "s");
  if (a >= 1e-3) return three(a * 1e3, "ms");
  if (a >= 1e-6) return three(a * 1e6, "µs");
  return three(a * 1e9, "ns");
}

std::string wrap_text(std::string_view text, std::size_t indent, std::size_t width) {
  std::istringstream words{std::string(text)};
  std::string out, line, word;
  const std::string margin(indent, ' ');
  while (words >> word) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += margin + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += margin + line;
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace concur
