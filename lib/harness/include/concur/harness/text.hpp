// concur/harness/text.hpp - numbers and sentences as a person reads them in the
// narration, the summary and the explanations.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace concur {

// "2.10 ms", "431 µs", "1.52 s": three significant digits in a fitting unit.
std::string format_seconds(double seconds);

// Wraps text into lines of at most `width` columns, each indented by `indent` spaces
// (core/text.hpp's wrap(), which counts columns, not bytes).
std::string wrap_text(std::string_view text, std::size_t indent, std::size_t width);

// The same to the console's width, with a hanging indent of `hang` after the first line.
std::string wrap_for_console(std::string_view text, std::size_t indent, std::size_t hang);

// "2 waves", "1 wave": a count and its noun, in the plural when it is not one.
std::string count_of(long long n, std::string_view singular, std::string_view plural = {});

// A speedup as a person reads it: "1.92×", and a slowdown as one: "136× slower".
std::string format_speedup(double speedup);

// A column of a table for the terminal: its heading and one cell per row.
struct TableColumn {
  std::string heading;
  std::vector<std::string> cells;
  bool optional = false;  // may be left out when the table is too wide
  bool left = false;      // names are left-aligned; numbers right-aligned
};

// The table's lines, heading first: columns two spaces apart, each as wide as its widest
// cell (in columns, not bytes). Optional columns are dropped, last first, until a line
// fits `width`.
std::vector<std::string> fit_table(std::vector<TableColumn> columns, std::size_t width, std::size_t rows);

}  // namespace concur
