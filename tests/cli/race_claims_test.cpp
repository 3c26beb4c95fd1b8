// The race family's claims (issue 13): race, lock's unsynchronized variant, process-race
// and process-lock's unsynchronized variant report how long their workers really ran at
// the same moment and how many rounds that took; a round that overlapped loses updates;
// the counts always add up; on one core the run says in words that the workers never ran
// together; and a race "solution" that starts and joins its threads one at a time fails
// its check with a sentence saying so. No assertion here depends on how long anything
// took: the demos measure, the tests read what they report.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

// Each demo of the family with the variant that races.
const std::vector<std::pair<std::string, std::string>> kRaces = {
    {"race", "unsynchronized"},
    {"lock", "unsynchronized"},
    {"process-race", "unsynchronized"},
    {"process-lock", "unsynchronized"},
};

// A round counts as overlapped from a tenth of a millisecond together (OverlapGoal).
constexpr double kEnough_s = 100e-6;

TEST(RaceClaims, EveryRoundReportedSaysHowLongTheWorkersRanTogether) {
  for (const auto& [example, variant] : kRaces) {
    const json report = run_report({example, "--repeat", "3", "--quiet"});
    for (std::size_t i = 0; i < 3; ++i) {
      const json& r = result_of(report, variant, i);
      const long long expected = r["expected"], actual = r["actual"], lost = r["lost"];
      EXPECT_EQ(actual + lost, expected) << example;
      EXPECT_GE(lost, 0) << example;
      ASSERT_TRUE(r["overlap_s"].is_number()) << example << ": " << r.dump();
      ASSERT_TRUE(r["concurrent_s"].is_number()) << example << ": " << r.dump();
      EXPECT_GE(r["attempts"].get<int>(), 1) << example;
      EXPECT_GE(r["overlap_s"].get<double>(), 0) << example;
      EXPECT_LE(r["overlap_s"].get<double>(), r["concurrent_s"].get<double>()) << example;
      // The claim: workers that raced for a tenth of a millisecond lost updates.
      if (r["overlap_s"].get<double>() >= kEnough_s) {
        EXPECT_GT(lost, 0) << example << ": " << r.dump();
      }
    }
  }
}

TEST(RaceClaims, TheLockedVariantsLoseNothingAndRunOneRound) {
  for (const auto& [example, variant] : std::vector<std::pair<std::string, std::string>>{
           {"lock", "mutex"}, {"lock", "atomic"}, {"process-lock", "lock"}, {"process-lock", "atomic"}}) {
    const json r = result_of(run_report({example, "--iterations", "5000", "--quiet"}), variant);
    EXPECT_EQ(r["lost"], 0) << example << " " << variant;
    EXPECT_EQ(r["attempts"], 1) << example << " " << variant << ": correct whatever the timing, no retry";
  }
}

// The words of a run, with the console's line wrapping undone.
std::string words_of(const CliResult& r) {
  return std::regex_replace(r.out, std::regex(R"(\s+)"), " ");
}

TEST(RaceClaims, OnOneCoreTheRunSaysTheWorkersNeverRanTogether) {
  if (!std::filesystem::exists("/usr/bin/taskset")) GTEST_SKIP() << "no taskset (util-linux)";
  for (const auto& [example, who] : std::vector<std::pair<std::string, std::string>>{
           {"race", "threads"}, {"process-race", "processes"}}) {
    const CliResult r = run_concur({"-c", "0", CONCUR_BIN, example}, {.binary = "/usr/bin/taskset"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(words_of(r).find(fmt::format("The {} never ran at the same moment", who)), std::string::npos)
        << example << ":\n" << r.out;
    EXPECT_EQ(words_of(r).find("no update was lost this time"), std::string::npos) << r.out;
  }
}

TEST(RaceClaims, ASerializedRaceSolutionFailsItsCheckWithTheOverlapSentence) {
  const CliResult r = run_concur({"check", "race", "--program", CONCUR_SERIALIZED_RACE, "--runs", "2"},
                                 {.env = {{"CONCUR_JITTER", std::nullopt}}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(words_of(r).find("the threads ran one after another"), std::string::npos) << r.out;
  EXPECT_NE(words_of(r).find("the goal says they run at the same time"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace concur::test
