#include "concur/core/text.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace concur {
namespace {

// The length of the ANSI escape sequence at text[i] ("\x1b[32m"), or 0 when none starts there.
std::size_t escape_at(std::string_view text, std::size_t i) {
  if (text[i] != '\x1b' || i + 1 >= text.size() || text[i + 1] != '[') return 0;
  std::size_t j = i + 2;
  while (j < text.size() && !(text[j] >= '@' && text[j] <= '~')) ++j;
  return j < text.size() ? j - i + 1 : text.size() - i;
}

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

}  // namespace

std::size_t prefix_of_width(std::string_view word, std::size_t columns) {
  std::size_t i = 0, used = 0;
  while (i < word.size()) {
    if (const std::size_t esc = escape_at(word, i)) {
      i += esc;
      continue;
    }
    if (used == columns) break;
    ++used;
    ++i;
    while (i < word.size() && continuation(word[i])) ++i;
  }
  return i;
}

std::size_t display_width(std::string_view text) {
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t esc = escape_at(text, i)) {
      i += esc;
      continue;
    }
    if (!continuation(text[i])) ++columns;
    ++i;
  }
  return columns;
}

std::size_t terminal_width(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return std::max<std::size_t>(ws.ws_col, 20);
  if (const char* cols = std::getenv("COLUMNS")) {
    const long n = std::strtol(cols, nullptr, 10);
    if (n >= 20 && n <= 1000) return static_cast<std::size_t>(n);
  }
  return 80;
}

std::string wrap(std::string_view text, const WrapOptions& o) {
  std::string out;
  if (text.find_first_not_of(" \n\t") == std::string_view::npos) return out;
  const std::size_t first = o.first, rest = o.rest;
  std::size_t used = first;  // columns taken on the current line
  if (o.indent_first) out.append(first, ' ');
  bool line_empty = true;
  const auto new_line = [&] {
    out += '\n';
    out.append(rest, ' ');
    used = rest;
    line_empty = true;
  };
  for (std::string_view word : words_of(text)) {
    std::size_t w = display_width(word);
    if (!line_empty && used + 1 + w > o.width) new_line();
    else if (!line_empty) {
      out += ' ';
      ++used;
    }
    // A word wider than any line: cut it where the line ends, and go on below.
    while (used + w > o.width && o.width > used) {
      const std::size_t cut = prefix_of_width(word, o.width - used);
      if (cut == 0 || cut >= word.size()) break;
      out.append(word.substr(0, cut));
      word.remove_prefix(cut);
      w = display_width(word);
      new_line();
    }
    out.append(word);
    used += w;
    line_empty = false;
  }
  return out;
}

}  // namespace concur
