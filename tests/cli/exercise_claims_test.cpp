// The exercise judges cannot be fooled by luck: every starting point fails its full check
// (the exercise's own number of runs, jitter on, a fresh seed each time) in every one of
// twenty tries, and every reference solution passes three full checks in a row (saying
// so, and not marking a program given with --program done). .ci/run
// runs this again with both cores kept busy (make test-busy), where a race that needs a
// free core would hide: it must not.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "exercises.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

namespace fs = std::filesystem;

std::string runner(const std::string& kind, const std::string& name) {
  return (fs::path(CONCUR_EXERCISE_RUNNERS) / fmt::format("exercise-{}-{}", kind, name)).string();
}

class FullChecks : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / fmt::format("concur-exercise-claims-{}", ::getpid());
    fs::create_directories(root_);
    options_.env = {{"CONCUR_WORKSPACE", (root_ / "workspace").string()}, {"CONCUR_JITTER", std::nullopt}};
  }
  void TearDown() override { fs::remove_all(root_); }
  // A full check: no --runs, no --seed, so each try draws a seed of its own.
  CliResult full_check(const std::string& kind) {
    return run_concur({"check", GetParam(), "--program", runner(kind, GetParam())}, options_);
  }
  fs::path root_;
  CliOptions options_;
};

TEST_P(FullChecks, TheStartingPointFailsTwentyTimesInTwenty) {
  for (int attempt = 1; attempt <= 20; ++attempt) {
    const CliResult r = full_check("start");
    ASSERT_EQ(r.exit_code, 1) << GetParam() << ": try " << attempt << " of 20 passed a broken program:\n" << r.out << r.err;
    ASSERT_NE(r.out.find("Not yet: "), std::string::npos) << r.out;
  }
}

TEST_P(FullChecks, TheReferenceSolutionPassesThreeTimesInThree) {
  const exercises::Exercise* x = exercises::find(GetParam());
  ASSERT_NE(x, nullptr);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const CliResult r = full_check("solution");
    ASSERT_EQ(r.exit_code, 0) << GetParam() << ": try " << attempt << " of 3 failed:\n" << r.out << r.err;
    EXPECT_NE(r.out.find(fmt::format("Passed: all {} runs showed the claim.", x->runs)), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Marked done"), std::string::npos) << "a program given with --program is not the student's";
  }
}

std::vector<std::string> exercise_names() {
  std::vector<std::string> names;
  for (const exercises::Exercise& x : exercises::all()) names.push_back(x.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Exercise, FullChecks, ::testing::ValuesIn(exercise_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace concur::test
