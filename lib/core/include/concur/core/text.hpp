// concur/core/text.hpp - text as a terminal shows it: how many columns a string takes,
// and paragraphs wrapped to the window at word boundaries.
//
//     wrap("The mutex let one thread at a time ...", {.width = 80, .first = 2, .rest = 4})
//
// Columns are counted per character, not per byte ("µs" is two bytes and two columns,
// "█" three bytes and one column), and ANSI colour codes count nothing, so a painted
// line is measured like a plain one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace concur {

// The columns `text` takes on a terminal: UTF-8 characters, ANSI escapes left out.
std::size_t display_width(std::string_view text);

// How many bytes of `text` fit in `columns` columns (whole characters, escapes included).
std::size_t prefix_of_width(std::string_view text, std::size_t columns);

// The width of the terminal on `fd` (TIOCGWINSZ), else $COLUMNS, else 80; at least 20.
std::size_t terminal_width(int fd);

struct WrapOptions {
  std::size_t width = 80;  // columns a line may take
  std::size_t first = 0;   // spaces before the first line (or the columns a caller's prefix took)
  std::size_t rest = 0;    // spaces before every later line: the hanging indent
  bool indent_first = true;  // false: the first line's prefix is the caller's, not spaces
};

// Words joined into lines of at most `width` columns. A word longer than a whole line
// is the one thing cut, at the line's end. Runs of white space become one space; the
// result has no trailing newline.
std::string wrap(std::string_view text, const WrapOptions& options);

}  // namespace concur
