// concur/markdown.hpp - lessons and demo sources drawn for a terminal.
//
// `concur lesson` shows a markdown file and `concur show` a C++ file. Piped or
// redirected, they print the file as it is (a script gets the real text); on a terminal
// they draw it: headings stand out, tables get aligned columns and borders, code blocks
// are indented in a frame, `code`, **bold** and *emphasis* lose their markers and gain a
// style, C++ gets its keywords, strings and comments coloured. Colour is optional (off
// with NO_COLOR or --no-color); without it the layout stays and the styles go.
//
// Only what the lessons use is understood: #, ## and ### headings, paragraphs, - and 1.
// lists, | tables |, ``` fenced code, `code`, **bold**, *emphasis*, [links](url).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace concur {

struct TextStyle {
  bool color = true;        // ANSI styles; false keeps only the layout
  std::size_t width = 80;   // columns to fit everything into: paragraphs reflow to it
};

// The markdown drawn for a terminal, one line per output line, ending in a newline.
std::string render_markdown(std::string_view markdown, const TextStyle& style);

// C++ source with line numbers ("  12  code"), coloured when style.color.
std::string render_source(std::string_view source, const TextStyle& style);

// Writes `text` to standard output. On a terminal, a text longer than the screen goes
// through $PAGER (`less -R` when unset, so colours survive); meanwhile Ctrl-C belongs to
// the pager. Falls back to a plain write when no pager can be started.
void print_paged(std::string_view text);

// The terminal's height in lines (TIOCGWINSZ), else $LINES, else 24.
std::size_t terminal_rows(int fd);

}  // namespace concur
