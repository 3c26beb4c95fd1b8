// The README's sample outputs are what the binary prints today (issue 18): each block
// marked `<!-- sample: ARGS -->` is compared with a real run of `concur ARGS` at 88
// columns. Numbers differ from run to run and so do the lengths of timeline bars, so
// lines are compared with digits as '#', runs of one glyph as one, and no spaces; every
// line of the sample (but "...") must begin some line of the output. So does whether a
// thread's row shows it running or waiting before it held something: a loaded machine
// (ThreadSanitizer, with CPU hogs) draws "─█████─" where the README shows "█████", so
// in a line with a bar the running and waiting glyphs are left out.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "run_cli.hpp"

namespace concur::test {
namespace {

struct Sample {
  std::vector<std::string> args;
  std::vector<std::string> lines;
};

std::vector<Sample> samples_of(const std::string& readme) {
  std::vector<Sample> out;
  std::istringstream in(readme);
  std::string line;
  const std::string marker = "<!-- sample: ";
  while (std::getline(in, line)) {
    if (!line.starts_with(marker)) continue;
    Sample s;
    std::istringstream words(line.substr(marker.size(), line.rfind(" -->") - marker.size()));
    for (std::string w; words >> w;) s.args.push_back(w);
    std::getline(in, line);  // the opening fence
    while (std::getline(in, line) && !line.starts_with("```")) s.lines.push_back(line);
    out.push_back(std::move(s));
  }
  return out;
}

// Digits as '#', the sparkline's levels as one, runs of one character as one, no spaces;
// in a line with a bar (█), no running (─) or waiting (░) glyphs.
std::string normalized(const std::string& line) {
  const bool bar = line.find("█") != std::string::npos;
  std::vector<std::string> chars;
  for (std::size_t i = 0; i < line.size();) {
    std::size_t n = 1;
    while (i + n < line.size() && (static_cast<unsigned char>(line[i + n]) & 0xC0) == 0x80) ++n;
    std::string c = line.substr(i, n);
    i += n;
    if (c == " " || (bar && (c == "─" || c == "░"))) continue;
    if (c.size() == 1 && (std::isdigit(static_cast<unsigned char>(c[0])) != 0 || c == ".")) c = "#";
    for (const char* level : {"▁", "▂", "▃", "▄", "▅", "▆", "▇"})
      if (c == level) c = "█";
    if (chars.empty() || chars.back() != c) chars.push_back(c);
  }
  std::string out;
  for (const std::string& c : chars) out += c;
  return out;
}

TEST(Readme, SampleOutputsMatchWhatTheBinaryPrints) {
  std::ifstream file(std::string(CONCUR_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << file.rdbuf();
  const std::vector<Sample> samples = samples_of(text.str());
  ASSERT_FALSE(samples.empty()) << "no <!-- sample: ... --> block in the README";
  for (const Sample& s : samples) {
    const CliResult r = run_concur(s.args, {{{"COLUMNS", "88"}, {"NO_COLOR", "1"}}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> got;
    std::istringstream out(r.out);
    for (std::string line; std::getline(out, line);) got.push_back(normalized(line));
    for (const std::string& line : s.lines) {
      if (line.find_first_not_of(' ') == std::string::npos || line.find("...") != std::string::npos) continue;
      const std::string want = normalized(line);
      const bool found = std::any_of(got.begin(), got.end(), [&](const std::string& g) { return g.starts_with(want); });
      EXPECT_TRUE(found) << "the README shows a line the binary does not print:\n" << line << "\n\nit prints:\n" << r.out;
    }
  }
}

}  // namespace
}  // namespace concur::test
