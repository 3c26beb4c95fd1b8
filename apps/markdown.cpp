#include "markdown.hpp"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <concur/core/text.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <set>
#include <sstream>
#include <vector>

namespace concur {

namespace {

constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kDim = "\033[2m";
constexpr std::string_view kItalic = "\033[3m";
constexpr std::string_view kUnderline = "\033[4m";
constexpr std::string_view kGreen = "\033[32m";
constexpr std::string_view kYellow = "\033[33m";
constexpr std::string_view kBlue = "\033[34m";
constexpr std::string_view kMagenta = "\033[35m";
constexpr std::string_view kCyan = "\033[36m";

// `text` in `codes` when colour is on; otherwise as it is.
std::string styled(std::string_view text, std::string_view codes, const TextStyle& style) {
  if (!style.color || text.empty()) return std::string(text);
  return fmt::format("{}{}{}", codes, text, kReset);
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    lines.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// `code`, **bold**, *emphasis*, _emphasis_ and [text](url) within one line.
std::string inline_markup(std::string_view s, const TextStyle& style) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '`') {  // a code span: nothing inside it is markup
      const std::size_t close = s.find('`', i + 1);
      if (close != std::string_view::npos) {
        out += styled(s.substr(i + 1, close - i - 1), kCyan, style);
        i = close + 1;
        continue;
      }
    }
    if (s.substr(i, 2) == "**") {
      const std::size_t close = s.find("**", i + 2);
      if (close != std::string_view::npos && close > i + 2) {
        out += styled(inline_markup(s.substr(i + 2, close - i - 2), {false, style.width}), kBold, style);
        i = close + 2;
        continue;
      }
    }
    // *x* and _x_ only at word edges, so 2 * 3 and snake_case stay as they are.
    if ((s[i] == '*' || s[i] == '_') && i + 1 < s.size() && s[i + 1] != ' ' && (i == 0 || !word_char(s[i - 1]))) {
      const std::size_t close = s.find(s[i], i + 1);
      if (close != std::string_view::npos && close > i + 1 && s[close - 1] != ' ' &&
          (close + 1 == s.size() || !word_char(s[close + 1]))) {
        out += styled(s.substr(i + 1, close - i - 1), kItalic, style);
        i = close + 1;
        continue;
      }
    }
    if (s[i] == '[') {
      const std::size_t mid = s.find("](", i);
      const std::size_t close = mid == std::string_view::npos ? mid : s.find(')', mid);
      if (close != std::string_view::npos && s.substr(i + 1, mid - i - 1).find('[') == std::string_view::npos) {
        out += styled(s.substr(i + 1, mid - i - 1), kUnderline, style);
        out += styled(fmt::format(" ({})", s.substr(mid + 2, close - mid - 2)), kDim, style);
        i = close + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// The cells of a table row, split at | outside `code`.
std::vector<std::string> table_cells(std::string_view row) {
  std::vector<std::string> cells;
  std::string cell;
  bool in_code = false;
  std::size_t start = row.find('|') + 1;
  std::size_t end = row.rfind('|');
  if (end <= start) end = row.size();
  for (std::size_t i = start; i < end; ++i) {
    if (row[i] == '`') in_code = !in_code;
    if (row[i] == '|' && !in_code) {
      cells.push_back(cell);
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  cells.push_back(cell);
  for (std::string& c : cells) {
    const std::size_t a = c.find_first_not_of(' ');
    const std::size_t b = c.find_last_not_of(' ');
    c = a == std::string::npos ? "" : c.substr(a, b - a + 1);
  }
  return cells;
}

bool separator_row(const std::vector<std::string>& cells) {
  return std::all_of(cells.begin(), cells.end(), [](const std::string& c) {
    return !c.empty() && c.find_first_not_of("-: ") == std::string::npos;
  });
}

// Where to cut a word wider than a cell: after the last '(', ',', ':', '.' or '/' that
// fits in `width` columns (code breaks well there), else at the width itself.
std::size_t cut_point(const std::string& word, std::size_t width) {
  const std::size_t fits = prefix_of_width(word, width);
  for (std::size_t i = fits; i > 1; --i)
    if (std::string_view("(,:./").find(word[i - 1]) != std::string_view::npos) return i;
  return std::max<std::size_t>(fits, 1);
}

// Splits styled text into lines of at most `width` columns, at spaces where it can.
std::vector<std::string> wrap_cell(const std::string& text, std::size_t width) {
  if (display_width(text) <= width || width < 8) return {text};
  std::vector<std::string> lines{""};
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    if (!lines.back().empty() && display_width(lines.back()) + 1 + display_width(word) > width) lines.emplace_back();
    while (display_width(lines.back()) + (lines.back().empty() ? 0 : 1) + display_width(word) > width) {
      if (!lines.back().empty()) {
        lines.emplace_back();
        continue;
      }
      const std::size_t cut = cut_point(word, width);  // a word wider than the cell
      lines.back() = word.substr(0, cut);
      lines.emplace_back();
      word.erase(0, cut);
    }
    lines.back() += (lines.back().empty() ? "" : " ") + word;
  }
  return lines;
}

std::string pad(const std::string& text, std::size_t width) {
  const std::size_t w = display_width(text);
  return text + std::string(width > w ? width - w : 0, ' ');
}

void draw_table(const std::vector<std::vector<std::string>>& rows, const TextStyle& style, std::string& out) {
  std::size_t columns = 0;
  for (const auto& r : rows) columns = std::max(columns, r.size());
  std::vector<std::vector<std::string>> cells;  // rendered
  std::vector<std::size_t> widths(columns, 0);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string> row;
    for (std::size_t c = 0; c < columns; ++c) {
      const std::string raw = c < rows[r].size() ? rows[r][c] : "";
      row.push_back(r == 0 ? styled(inline_markup(raw, {false, style.width}), kBold, style) : inline_markup(raw, style));
      widths[c] = std::max(widths[c], display_width(row.back()));
    }
    cells.push_back(std::move(row));
  }
  // Too wide for the screen: take a column from the widest one at a time, so the columns
  // end up balanced (their cells wrap at spaces), but never below 6.
  std::size_t total = 3 * columns + 1;
  for (std::size_t w : widths) total += w;
  for (; total > style.width; --total) {
    auto widest = std::max_element(widths.begin(), widths.end());
    if (*widest <= 6) break;
    --*widest;
  }
  const auto rule = [&](std::string_view left, std::string_view mid, std::string_view right) {
    std::string line(left);
    for (std::size_t c = 0; c < columns; ++c) {
      for (std::size_t i = 0; i < widths[c] + 2; ++i) line += "─";
      line += c + 1 < columns ? mid : right;
    }
    out += styled(line, kDim, style) + "\n";
  };
  rule("┌", "┬", "┐");
  for (std::size_t r = 0; r < cells.size(); ++r) {
    std::vector<std::vector<std::string>> wrapped;
    std::size_t height = 1;
    for (std::size_t c = 0; c < columns; ++c) {
      wrapped.push_back(wrap_cell(cells[r][c], widths[c]));
      height = std::max(height, wrapped.back().size());
    }
    const std::string bar = styled("│", kDim, style);
    for (std::size_t line = 0; line < height; ++line) {
      out += bar;
      for (std::size_t c = 0; c < columns; ++c)
        out += fmt::format(" {} {}", pad(line < wrapped[c].size() ? wrapped[c][line] : "", widths[c]), bar);
      out += '\n';
    }
    if (r == 0 && cells.size() > 1) rule("├", "┼", "┤");
  }
  rule("└", "┴", "┘");
}

// ---- C++ ---------------------------------------------------------------------------

const std::set<std::string, std::less<>>& cpp_keywords() {
  static const std::set<std::string, std::less<>> words = {
      "alignas", "auto", "bool", "break", "case", "catch", "char", "class", "const", "constexpr", "continue",
      "co_await", "decltype", "default", "delete", "do", "double", "else", "enum", "explicit", "extern", "false",
      "float", "for", "friend", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "nullptr",
      "operator", "private", "protected", "public", "return", "short", "signed", "size_t", "sizeof", "static",
      "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typename",
      "unsigned", "using", "virtual", "void", "volatile", "while"};
  return words;
}

// One line of C++; `in_comment` carries a /* comment */ across lines.
std::string highlight_line(std::string_view s, bool& in_comment, const TextStyle& style) {
  if (!style.color) return std::string(s);
  std::string out;
  std::size_t i = 0;
  if (in_comment) {
    const std::size_t close = s.find("*/");
    const std::size_t end = close == std::string_view::npos ? s.size() : close + 2;
    out += styled(s.substr(0, end), kDim, style);
    in_comment = close == std::string_view::npos;
    i = end;
  }
  const std::size_t first = s.find_first_not_of(' ');
  if (i == 0 && first != std::string_view::npos && s[first] == '#') return styled(s, kMagenta, style);
  while (i < s.size()) {
    const char c = s[i];
    if (s.substr(i, 2) == "//") {
      out += styled(s.substr(i), kGreen, style);
      break;
    }
    if (s.substr(i, 2) == "/*") {
      const std::size_t close = s.find("*/", i + 2);
      const std::size_t end = close == std::string_view::npos ? s.size() : close + 2;
      out += styled(s.substr(i, end - i), kGreen, style);
      in_comment = close == std::string_view::npos;
      i = end;
      continue;
    }
    if (c == '"' || c == '\'') {  // a literal, escapes included
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != c) j += s[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, s.size());
      out += styled(s.substr(i, j - i), kYellow, style);
      i = j;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {  // 100'000 is one number
      std::size_t j = i;
      while (j < s.size() && (word_char(s[j]) || s[j] == '\'' || s[j] == '.')) ++j;
      out += styled(s.substr(i, j - i), kCyan, style);
      i = j;
      continue;
    }
    if (word_char(c) || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (word_char(s[j]) || s[j] == '_')) ++j;
      const std::string_view word = s.substr(i, j - i);
      out += cpp_keywords().count(word) != 0 ? styled(word, kBlue, style) : std::string(word);
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

// The length of a list item's marker at `indent` ("- " is 2, "12. " is 4), 0 for none.
std::size_t list_marker(const std::string& line, std::size_t indent) {
  if (line.compare(indent, 2, "- ") == 0 || line.compare(indent, 2, "* ") == 0) return 2;
  std::size_t j = indent;
  while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j])) != 0) ++j;
  if (j > indent && j + 1 < line.size() && line[j] == '.' && line[j + 1] == ' ') return j - indent + 2;
  return 0;
}

// Whether `next` goes on the paragraph or item before it: a plain line of text, indented
// at least `indent` (an item's own lines), and no block of its own.
bool continues(const std::string& next, std::size_t indent) {
  const std::size_t at = next.find_first_not_of(' ');
  if (at == std::string::npos || at < indent) return false;
  if (next.compare(at, 3, "```") == 0 || next[at] == '#' || next[at] == '|') return false;
  return list_marker(next, at) == 0;
}

std::string collapse_spaces(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != ' ' || (!out.empty() && out.back() != ' ')) out += c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string render_markdown(std::string_view markdown, const TextStyle& style) {
  const std::vector<std::string> lines = split_lines(markdown);
  const std::size_t width = std::max<std::size_t>(style.width, 30);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.starts_with("```")) {  // a fenced block, drawn in a frame
      const bool cpp = line.find("cpp") != std::string::npos || line.find("c++") != std::string::npos;
      bool in_comment = false;
      const std::string frame = "    " + styled("│", kDim, style) + " ";
      for (++i; i < lines.size() && !lines[i].starts_with("```"); ++i) {
        // A line wider than the window continues on the next, under a ↪, cut at a space.
        const std::string drawn = cpp ? highlight_line(lines[i], in_comment, style) : styled(lines[i], kCyan, style);
        if (6 + display_width(drawn) <= width) {
          out += frame + drawn + "\n";
          continue;
        }
        const std::size_t lead = lines[i].find_first_not_of(' ') == std::string::npos ? 0 : lines[i].find_first_not_of(' ');
        const std::string body = wrap(drawn, {.width = width, .first = 6 + lead, .rest = 8 + lead, .indent_first = false});
        std::size_t at = 0;
        for (bool first = true; at <= body.size(); first = false) {
          const std::size_t end = std::min(body.find('\n', at), body.size());
          std::string piece = body.substr(at, end - at);
          if (!first) piece = std::string(lead, ' ') + styled("↪", kDim, style) + " " + piece.substr(std::min(piece.size(), 8 + lead));
          out += frame + (first ? std::string(lead, ' ') : "") + piece + "\n";
          at = end + 1;
        }
      }
      continue;
    }
    if (line.starts_with("|")) {
      std::vector<std::vector<std::string>> rows;
      for (; i < lines.size() && lines[i].starts_with("|"); ++i) {
        std::vector<std::string> cells = table_cells(lines[i]);
        if (!separator_row(cells)) rows.push_back(std::move(cells));
      }
      --i;
      draw_table(rows, style, out);
      continue;
    }
    if (line.starts_with("#")) {
      const std::size_t level = line.find_first_not_of('#');
      const std::string title = inline_markup(line.substr(std::min(line.size(), level + 1)), {false, style.width});
      if (level == 1) {
        out += styled(title, fmt::format("{}{}", kBold, kCyan), style) + "\n";
        std::string rule;
        for (std::size_t k = 0; k < display_width(title); ++k) rule += "═";
        out += styled(rule, kCyan, style) + "\n";
      } else if (level == 2) {
        out += styled(title, fmt::format("{}{}", kBold, kYellow), style) + "\n";
        if (!style.color) out += std::string(display_width(title), '-') + "\n";
      } else {
        out += styled(title, kBold, style) + "\n";
      }
      continue;
    }
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos) {
      out += "\n";
      continue;
    }
    // A list item or a paragraph: its lines joined (so **bold** may span them), styled,
    // and wrapped to the window, an item's lines hanging under its text.
    const std::size_t marker = list_marker(line, indent);
    std::string text = line.substr(indent + marker);
    const std::size_t body = indent + marker;
    while (i + 1 < lines.size() && continues(lines[i + 1], marker > 0 ? body : indent)) text += " " + lines[++i];
    std::string bullet;
    if (marker > 0)
      bullet = line.compare(indent, 2, "- ") == 0 ? styled("•", kBold, style) + " " : line.substr(indent, marker);
    const std::string styled_text = inline_markup(collapse_spaces(text), style);
    out += std::string(indent, ' ') + bullet +
           wrap(styled_text, {.width = width, .first = body, .rest = body, .indent_first = false}) + "\n";
  }
  return out;
}

std::string render_source(std::string_view source, const TextStyle& style) {
  std::string out;
  bool in_comment = false;
  int n = 0;
  for (const std::string& line : split_lines(source))
    out += fmt::format("{}  {}\n", styled(fmt::format("{:>4}", ++n), kDim, style), highlight_line(line, in_comment, style));
  return out;
}

std::size_t terminal_rows(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row >= 5) return ws.ws_row;
  if (const char* lines = std::getenv("LINES")) {
    const long n = std::strtol(lines, nullptr, 10);
    if (n >= 5 && n <= 10'000) return static_cast<std::size_t>(n);
  }
  return 24;
}

void print_paged(std::string_view text) {
  std::fflush(stdout);
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  if (::isatty(1) == 1 && lines >= terminal_rows(1)) {
    const char* pager = std::getenv("PAGER");
    const std::string command = pager != nullptr && *pager != '\0' ? pager : "less -R";
    // While the pager runs, Ctrl-C is for it (less uses it to stop a search), not for us.
    struct sigaction ignore {}, before {};
    ignore.sa_handler = SIG_IGN;
    ::sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGINT, &ignore, &before);
    FILE* to_pager = ::popen(command.c_str(), "w");
    if (to_pager != nullptr) {
      std::fwrite(text.data(), 1, text.size(), to_pager);  // EPIPE if the reader quits early: fine
      const int status = ::pclose(to_pager);
      ::sigaction(SIGINT, &before, nullptr);
      if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) != 127) return;
      // 127: the shell found no such pager; show the text after all.
    } else {
      ::sigaction(SIGINT, &before, nullptr);
    }
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace concur
