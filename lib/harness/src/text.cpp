#include "concur/harness/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include "concur/core/console.hpp"
#include "concur/core/text.hpp"

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
  return wrap(text, {.width = width, .first = indent, .rest = indent});
}

std::string wrap_for_console(std::string_view text, std::size_t indent, std::size_t hang) {
  return wrap(text, {.width = Console::get().width(), .first = indent, .rest = hang});
}

std::string count_of(long long n, std::string_view singular, std::string_view plural) {
  if (n == 1) return fmt::format("1 {}", singular);
  return plural.empty() ? fmt::format("{} {}s", n, singular) : fmt::format("{} {}", n, plural);
}

std::string format_speedup(double speedup) {
  // Down to half speed a ratio reads well ("0.96×"); below that, say how much slower.
  if (speedup >= 0.5 || speedup <= 0) return fmt::format("{:.2f}×", speedup);
  const double slower = 1 / speedup;
  return slower >= 10 ? fmt::format("{:.0f}× slower", slower) : fmt::format("{:.1f}× slower", slower);
}

namespace {

std::string aligned(std::string_view text, std::size_t width, bool left) {
  const std::size_t w = display_width(text);
  const std::string fill(width > w ? width - w : 0, ' ');
  return left ? std::string(text) + fill : fill + std::string(text);
}

std::size_t column_width(const TableColumn& c) {
  std::size_t w = display_width(c.heading);
  for (const std::string& cell : c.cells) w = std::max(w, display_width(cell));
  return w;
}

}  // namespace

std::vector<std::string> fit_table(std::vector<TableColumn> columns, std::size_t width, std::size_t rows) {
  const auto total = [&] {
    std::size_t t = 0;
    for (const TableColumn& c : columns) t += 2 + column_width(c);
    return t;
  };
  while (total() > width) {
    const auto last_optional =
        std::find_if(columns.rbegin(), columns.rend(), [](const TableColumn& c) { return c.optional; });
    if (last_optional == columns.rend()) break;
    columns.erase(std::next(last_optional).base());
  }
  std::vector<std::string> lines(rows + 1);
  for (const TableColumn& c : columns) {
    const std::size_t w = column_width(c);
    lines[0] += "  " + aligned(c.heading, w, c.left);
    for (std::size_t r = 0; r < rows; ++r) lines[r + 1] += "  " + aligned(r < c.cells.size() ? c.cells[r] : "", w, c.left);
  }
  return lines;
}

}  // namespace concur
