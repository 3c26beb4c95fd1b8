// Text for a terminal (core/text.hpp) and numbers in sentences (harness/text.hpp).
#include <gtest/gtest.h>

#include <concur/core/text.hpp>
#include <concur/harness/text.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(DisplayWidth, CountsCharactersNotBytesAndNoEscapes) {
  EXPECT_EQ(concur::display_width("12 µs"), 5u);
  EXPECT_EQ(concur::display_width("███"), 3u);
  EXPECT_EQ(concur::display_width("\x1b[32m✓\x1b[0m ok"), 4u);
  EXPECT_EQ(concur::display_width(""), 0u);
}

TEST(Wrap, BreaksAtWordsWithAHangingIndentAndKeepsEveryWord) {
  const std::string text = "The mutex makes read-then-write one step that only one thread can be in at a time, "
                           "so no update is lost; the price is a hand-over per increment.";
  const std::string out = concur::wrap(text, {.width = 40, .first = 2, .rest = 6});
  const auto lines = lines_of(out);
  ASSERT_GT(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with("  The")) << out;
  std::string rejoined;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(concur::display_width(lines[i]), 40u) << lines[i];
    if (i > 0) {
      EXPECT_TRUE(lines[i].starts_with("      ") && lines[i][6] != ' ') << lines[i];
    }
    rejoined += (rejoined.empty() ? "" : " ") + lines[i].substr(lines[i].find_first_not_of(' '));
  }
  EXPECT_EQ(rejoined, text);
}

TEST(Wrap, MeasuresColumnsSoAccentedTextFitsExactly) {
  // 10 words of 4 columns ("µsµs" is 6 bytes): 8 per 40-column line, 1 space between.
  std::string text;
  for (int i = 0; i < 10; ++i) text += "µsµs ";
  const auto lines = lines_of(concur::wrap(text, {.width = 39}));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(concur::display_width(lines[0]), 39u);
}

TEST(Wrap, OnlyAWordLongerThanALineIsCut) {
  const std::string out = concur::wrap("short " + std::string(50, 'x') + " end", {.width = 20});
  for (const std::string& line : lines_of(out)) EXPECT_LE(line.size(), 20u) << out;
  EXPECT_TRUE(out.starts_with("short\n")) << out;
  EXPECT_TRUE(out.ends_with(" end")) << out;
}

TEST(Wrap, ACallersPrefixIsNotRepeated) {
  const std::string out = concur::wrap("one two three four", {.width = 14, .first = 6, .rest = 6, .indent_first = false});
  EXPECT_EQ(out, "one two\n      three\n      four");
  EXPECT_EQ(concur::wrap("   ", {.width = 10, .first = 4}), "");
}

TEST(CountOf, SaysOneOrMany) {
  EXPECT_EQ(concur::count_of(1, "wave"), "1 wave");
  EXPECT_EQ(concur::count_of(2, "wave"), "2 waves");
  EXPECT_EQ(concur::count_of(0, "thread"), "0 threads");
  EXPECT_EQ(concur::count_of(3, "switch", "switches"), "3 switches");
}

TEST(FormatSpeedup, ASlowdownReadsAsOne) {
  EXPECT_EQ(concur::format_speedup(1.92), "1.92×");
  EXPECT_EQ(concur::format_speedup(0.96), "0.96×");
  EXPECT_EQ(concur::format_speedup(0.25), "4.0× slower");
  EXPECT_EQ(concur::format_speedup(0.00736), "136× slower");
}

TEST(FitTable, DropsOptionalColumnsUntilItFits) {
  std::vector<concur::TableColumn> columns{{"variant", {"unsynchronized"}, false, true},
                                           {"median", {"1.09 ms"}},
                                           {"min", {"1.01 ms"}, true},
                                           {"max", {"1.31 ms"}, true},
                                           {"speedup", {"136× slower"}}};
  const auto wide = concur::fit_table(columns, 200, 1);
  EXPECT_NE(wide[0].find("min"), std::string::npos);
  const auto narrow = concur::fit_table(columns, 50, 1);
  for (const std::string& line : narrow) EXPECT_LE(concur::display_width(line), 50u) << line;
  EXPECT_EQ(narrow[0].find("max"), std::string::npos) << "the last optional column goes first";
  EXPECT_NE(narrow[0].find("speedup"), std::string::npos) << "a required column stays";
  EXPECT_EQ(concur::display_width(narrow[0]), concur::display_width(narrow[1])) << "aligned by columns, not bytes";
}

}  // namespace
