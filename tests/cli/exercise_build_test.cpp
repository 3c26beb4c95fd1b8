// CLI test of the whole exercise loop as a student meets it: take the race exercise,
// check the broken copy (it builds, and fails), read hints, repair it, check again (it
// passes and is marked done), then see the reference solution. It builds the student's
// file in this build directory (the concur-exercise-race target), as `concur check` does.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "run_cli.hpp"

namespace concur::test {
namespace {

namespace fs = std::filesystem;

class ExerciseLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    workspace_ = fs::temp_directory_path() / fmt::format("concur-workspace-test-{}", ::getpid());
    fs::remove_all(workspace_);
    options_.env = {{"CONCUR_WORKSPACE", workspace_.string()}, {"CONCUR_JITTER", std::nullopt}};
  }
  void TearDown() override { fs::remove_all(workspace_); }
  CliResult concur(const std::vector<std::string>& args) { return run_concur(args, options_); }

  fs::path workspace_;
  CliOptions options_;
  const fs::path exercises_ = fs::path(CONCUR_SOURCE_DIR) / "exercises";
};

TEST_F(ExerciseLoop, TakeCheckHintRepairPassAndSeeTheSolution) {
  const CliResult fresh = concur({"exercise", "--list"});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_NE(fresh.out.find("0 of 10 done"), std::string::npos) << fresh.out;
  EXPECT_EQ(fresh.out.find("done    "), std::string::npos) << fresh.out;

  // Taking the exercise copies the starting point; the reference demo is untouched.
  const fs::path mine = workspace_ / "race.cpp";
  const std::string demo_before = file_text(fs::path(CONCUR_SOURCE_DIR) / "demos/lecture10/race.cpp");
  const CliResult take = concur({"exercise", "10.4"});
  ASSERT_EQ(take.exit_code, 0) << take.err;
  EXPECT_EQ(file_text(mine), file_text(exercises_ / "race/start.cpp"));
  EXPECT_NE(take.out.find("concur check race"), std::string::npos) << take.out;
  EXPECT_NE(concur({"exercise", "--list"}).out.find("race          started"), std::string::npos);

  // Taking it again keeps the student's edits.
  std::ofstream(mine, std::ios::app) << "// my note\n";
  ASSERT_EQ(concur({"exercise", "race"}).exit_code, 0);
  EXPECT_NE(file_text(mine).find("// my note"), std::string::npos) << "the student's copy was overwritten";

  // As it starts, it builds and fails: behaviour, not compiling, is what passes.
  const CliResult broken = concur({"check", "race", "--seed", "3"});
  EXPECT_EQ(broken.exit_code, 1) << broken.out << broken.err;
  EXPECT_NE(broken.out.find("built in"), std::string::npos) << broken.out;
  EXPECT_NE(broken.out.find("increments were lost"), std::string::npos) << broken.out;
  EXPECT_EQ(concur({"solution", "race"}).exit_code, 2) << "no solution before a pass";

  // Hints come one more at a time, then stay at the last.
  const CliResult first = concur({"hint", "race"});
  EXPECT_NE(first.out.find("## Hint 1"), std::string::npos) << first.out;
  EXPECT_EQ(first.out.find("## Hint 2"), std::string::npos) << first.out;
  const CliResult second = concur({"hint", "race"});
  EXPECT_NE(second.out.find("## Hint 1"), std::string::npos);
  EXPECT_NE(second.out.find("## Hint 2"), std::string::npos);
  concur({"hint", "race"});
  EXPECT_NE(concur({"hint", "race"}).out.find("That was the last hint"), std::string::npos);

  // A change that does not compile is shown with the compiler's words, naming the file.
  std::ofstream(mine, std::ios::app) << "this is not C++;\n";
  const CliResult typo = concur({"check", "race"});
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_NE(typo.out.find(mine.string() + ":"), std::string::npos) << "the error names the student's file:\n"
                                                                     << typo.out;
  EXPECT_NE(typo.out.find("it does not build"), std::string::npos) << typo.out;

  // Repaired (here: the reference, as a student might have written it), it passes. A
  // replay or a short check passes without marking it done; only the full check does.
  fs::copy_file(exercises_ / "race/solution.cpp", mine, fs::copy_options::overwrite_existing);
  for (const std::vector<std::string>& partial :
       {std::vector<std::string>{"check", "race", "--runs", "1"}, {"check", "race", "--seed", "3"}}) {
    const CliResult short_check = concur(partial);
    EXPECT_EQ(short_check.exit_code, 0) << short_check.out << short_check.err;
    EXPECT_NE(short_check.out.find("Not marked done"), std::string::npos) << short_check.out;
    EXPECT_EQ(concur({"solution", "race"}).exit_code, 2) << "a partial check opened the solution";
  }
  const CliResult repaired = concur({"check", "race"});
  EXPECT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;
  EXPECT_NE(repaired.out.find("Passed: all 20 runs showed the claim."), std::string::npos) << repaired.out;
  EXPECT_NE(repaired.out.find("Marked done"), std::string::npos) << repaired.out;
  // progress.json names the version that passed by its SHA-256.
  const nlohmann::json progress = nlohmann::json::parse(file_text(workspace_ / "progress.json"));
  const CliResult sum = run_concur({mine.string()}, {.binary = "/usr/bin/sha256sum"});
  ASSERT_EQ(sum.exit_code, 0) << sum.err;
  EXPECT_EQ(progress["race"].value("sha256", ""), sum.out.substr(0, 64)) << progress.dump(2);
  EXPECT_EQ(progress["race"].value("runs", 0), 20) << progress.dump(2);

  const CliResult done = concur({"exercise", "--list"});
  EXPECT_NE(done.out.find("race          done"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("1 of 10 done"), std::string::npos) << done.out;
  const CliResult solution = concur({"solution", "race", "--no-color"});
  EXPECT_EQ(solution.exit_code, 0) << solution.err;
  EXPECT_NE(solution.out.find("std::lock_guard guard(counter_lock);"), std::string::npos) << solution.out;

  // --fresh starts over and keeps the old version beside it; the exercise is not done.
  ASSERT_EQ(concur({"exercise", "race", "--fresh"}).exit_code, 0);
  EXPECT_EQ(file_text(mine), file_text(exercises_ / "race/start.cpp"));
  EXPECT_EQ(file_text(workspace_ / "race.cpp.bak"), file_text(exercises_ / "race/solution.cpp"));
  EXPECT_EQ(file_text(fs::path(CONCUR_SOURCE_DIR) / "demos/lecture10/race.cpp"), demo_before);
  EXPECT_NE(concur({"exercise", "--list"}).out.find("0 of 10 done"), std::string::npos);
  EXPECT_EQ(concur({"solution", "race"}).exit_code, 2) << "--fresh kept the pass";

  // Passed again, then broken again: a failing check of the file clears the pass.
  fs::copy_file(exercises_ / "race/solution.cpp", mine, fs::copy_options::overwrite_existing);
  ASSERT_EQ(concur({"check", "race"}).exit_code, 0);
  EXPECT_NE(concur({"exercise", "--list"}).out.find("1 of 10 done"), std::string::npos);
  fs::copy_file(exercises_ / "race/start.cpp", mine, fs::copy_options::overwrite_existing);
  EXPECT_EQ(concur({"check", "race", "--runs", "1"}).exit_code, 1);
  EXPECT_NE(concur({"exercise", "--list"}).out.find("0 of 10 done"), std::string::npos);
  EXPECT_EQ(concur({"solution", "race"}).exit_code, 2) << "a failing check kept the pass";
}

}  // namespace
}  // namespace concur::test
