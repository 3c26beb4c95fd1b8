// Output that fits the window (issue 18): on a pseudo-terminal 80, 120 and 200 columns
// wide, no line of `concur`, `concur list`, `concur --help`, any lesson or any example's
// run is wider than the window, and wrapping never splits a word.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

// The columns a terminal gives a line: ANSI escapes none, a UTF-8 character one.
std::size_t columns_of(std::string_view line) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\x1b') {
      while (i < line.size() && !(line[i] >= '@' && line[i] <= '~' && line[i] != '[')) ++i;
      continue;
    }
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// The words of a text, ANSI escapes and the frames of tables and code left out. A table's
// rows are left out too: a cell narrower than a long piece of code cuts it after a '(' or
// a ','; prose is what must never be cut.
std::set<std::string> words_of(const std::string& text) {
  std::string plain;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      while (i < text.size() && !(text[i] >= '@' && text[i] <= '~' && text[i] != '[')) ++i;
      continue;
    }
    plain += text[i];
  }
  std::string prose;
  for (const std::string& line : lines_of(plain))
    if (!line.starts_with("│")) prose += line + "\n";
  plain = prose;
  // A table's rules are drawn to the width, so they are no words: box-drawing only (U+25xx).
  const auto rule = [](const std::string& w) {
    for (std::size_t i = 0; i < w.size(); i += 3)
      if (i + 2 >= w.size() || w[i] != '\xE2' || (w[i + 1] != '\x94' && w[i + 1] != '\x95')) return false;
    return true;
  };
  std::set<std::string> words;
  std::istringstream in(plain);
  for (std::string w; in >> w;)
    if (!rule(w)) words.insert(w);
  return words;
}

CliResult on_terminal(const std::vector<std::string>& args, unsigned short width) {
  CliOptions o{{{"PAGER", "cat"}, {"NO_COLOR", std::nullopt}, {"COLUMNS", std::nullopt}, {"LINES", std::nullopt}}, true};
  o.columns = width;
  o.rows = 60;
  return run_concur(args, o);
}

void expect_fits(const CliResult& r, unsigned short width, const std::string& what) {
  for (const std::string& line : lines_of(r.out))
    EXPECT_LE(columns_of(line), width) << what << " at " << width << " columns:\n" << line;
}

const std::vector<unsigned short> kWidths = {80, 120, 200};

// Every word a narrow window shows is a word the widest shows: none was cut in two.
void expect_no_split_words(const std::vector<std::string>& args) {
  const std::set<std::string> wide = words_of(on_terminal(args, 400).out);
  for (unsigned short width : kWidths) {
    const CliResult r = on_terminal(args, width);
    const std::string command = fmt::format("concur {}", fmt::join(args, " "));
    expect_fits(r, width, command);
    for (const std::string& w : words_of(r.out))
      if (w != "↪") {
        EXPECT_TRUE(wide.contains(w)) << "'" << w << "' split at " << width << ": " << command;
      }
  }
}

TEST(Width, HelpAndListFitAndKeepTheirWords) {
  expect_no_split_words({});
  expect_no_split_words({"list"});
  expect_no_split_words({"--help"});
  expect_no_split_words({"race", "--help"});
}

TEST(Width, EveryLessonFitsAndKeepsItsWords) {
  const json examples = catalogue()["examples"];
  ASSERT_GE(examples.size(), 50u);
  for (const json& e : examples) expect_no_split_words({"lesson", e["name"].get<std::string>()});
  for (const char* page : {"9", "10", "11", "s", "interleavings"}) expect_no_split_words({"lesson", page});
}

// Runs differ in their numbers, so only the widths are compared: every example at 80
// columns, a few of them (threads, processes, coroutines, a sweep) at every width.
TEST(Width, EveryExampleRunFitsTheWindow) {
  const json examples = catalogue()["examples"];
  ASSERT_GE(examples.size(), 50u);
  for (const json& e : examples) {
    const std::string name = e["name"];
    const CliResult r = on_terminal({name, "--time-scale", "0.05"}, 80);
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << name << ": " << r.out;
    expect_fits(r, 80, name);
  }
  for (unsigned short width : kWidths) {
    for (const char* name : {"race", "semaphore", "pool", "coroutines", "primes"})
      expect_fits(on_terminal({name, "--time-scale", "0.05", "--repeat", "2"}, width), width, name);
    expect_fits(on_terminal({"primes", "--sweep", "workers=1..3", "--limit", "20000"}, width), width, "primes --sweep");
  }
}

}  // namespace
}  // namespace concur::test
