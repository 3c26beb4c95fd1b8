// CLI tests of `concur check` on programs built beforehand: every starting point fails its
// check and every reference solution passes it; a seed replays the same runs; a hung run
// is stopped with everything it started; wrong use is refused with exit 2.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <concur/core/jitter.hpp>
#include <nlohmann/json.hpp>

#include "exercises.hpp"
#include "nothing_left.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

namespace fs = std::filesystem;

std::string runner(const std::string& kind, const std::string& name) {
  return (fs::path(CONCUR_EXERCISE_RUNNERS) / fmt::format("exercise-{}-{}", kind, name)).string();
}

// A workspace and a TMPDIR of the test's own, both removed afterwards, and nothing left
// running (NothingLeftBehind).
class Check : public NothingLeftBehind {
 protected:
  void SetUp() override {
    NothingLeftBehind::SetUp();
    root_ = fs::temp_directory_path() / fmt::format("concur-exercise-test-{}", ::getpid());
    fs::remove_all(root_);
    fs::create_directories(root_ / "tmp");
    options_.env = {{"CONCUR_WORKSPACE", (root_ / "workspace").string()}, {"TMPDIR", (root_ / "tmp").string()},
                    {"CONCUR_JITTER", std::nullopt}};
  }
  void TearDown() override {
    // What the check killed (a hung run's whole group) comes to this subreaper as
    // zombies: dead, reaped here. A process still alive is not, and fails TearDown.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    EXPECT_TRUE(fs::is_empty(root_ / "tmp")) << "the check left its scratch files behind";
    fs::remove_all(root_);
    NothingLeftBehind::TearDown();
  }
  CliResult check(std::vector<std::string> args) {
    args.insert(args.begin(), "check");
    return run_concur(args, options_);
  }
  // A shell script standing in for an exercise program.
  std::string script(const std::string& body) {
    const fs::path path = root_ / "program.sh";
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }
  fs::path root_;
  CliOptions options_;
};

TEST_F(Check, EveryStartingPointFailsItsCheck) {
  for (const exercises::Exercise& x : exercises::all()) {
    const CliResult r = check({x.name, "--program", runner("start", x.name), "--seed", "1"});
    EXPECT_EQ(r.exit_code, 1) << x.name << ":\n" << r.out << r.err;
    EXPECT_NE(r.out.find("Not yet: "), std::string::npos) << x.name << ":\n" << r.out;
    if (!x.explore.empty())  // exploring every schedule finds it before any real run
      EXPECT_NE(r.out.find(fmt::format(" step {} ", x.name)), std::string::npos) << r.out;
    else
      EXPECT_NE(r.out.find(fmt::format("Replay this run:           concur check {} --seed ", x.name)), std::string::npos)
          << r.out;
  }
}

// The starting points of the thread exercises fail by exploration: every schedule of a
// small configuration is tried, so the verdict does not depend on the machine's load. The
// schedule it names replays to the same wrong count; the reference solutions pass it.
TEST_F(Check, AStartingPointFailsByExplorationAndItsScheduleReplays) {
  for (const exercises::Exercise& x : exercises::all()) {
    if (x.explore.empty()) continue;
    const CliResult r = check({x.name, "--program", runner("start", x.name), "--json", "-"});
    EXPECT_EQ(r.exit_code, 1) << x.name << r.err;
    const nlohmann::json verdict = nlohmann::json::parse(r.out);
    ASSERT_TRUE(verdict.contains("exploration")) << verdict.dump();
    EXPECT_FALSE(verdict["exploration"]["ok"].get<bool>());
    EXPECT_TRUE(verdict["runs"].empty()) << "no real run was needed";
    const std::string why = verdict["exploration"]["why"];
    std::vector<std::string> replay{"step", x.name};
    replay.insert(replay.end(), x.explore.begin(), x.explore.end());
    replay.insert(replay.end(), {"--schedule", verdict["exploration"]["schedule"].get<std::string>(), "--json", "-"});
    const CliResult step = run_concur(replay, {.binary = runner("start", x.name)});
    ASSERT_EQ(step.exit_code, 1) << step.err;  // the program's own check (or "no deadlock") fails too
    const nlohmann::json result = nlohmann::json::parse(step.out)["variants"][0]["runs"][0]["result"];
    // What each starting point's failing schedule shows.
    const std::map<std::string, std::string> shows = {
        {"race", "increments were lost"},
        {"lock", "increments were lost"},
        {"deadlock", "a schedule deadlocks: Clerk-1 waits at \"lock account B\" (held by Clerk-2)"},
        {"event", "workers started before the signal"},
        {"semaphore", ""},  // the leaked permit: some schedules deadlock, the rest end with it missing
        {"queue-pool", "tasks were never done"},  // a worker takes "empty now" for "no more to come"
    };
    ASSERT_TRUE(shows.contains(x.name)) << x.name << ": say what its exploration shows";
    EXPECT_NE(why.find(shows.at(x.name)), std::string::npos) << why;
    if (x.name == "semaphore") {
      EXPECT_TRUE(why.find("a schedule deadlocks") != std::string::npos || why.find("never given back") != std::string::npos)
          << why;
    }
    if (x.name == "race" || x.name == "lock") {
      EXPECT_LT(result["actual"].get<long long>(), 4) << step.out;
    }
    const CliResult good = check({x.name, "--program", runner("solution", x.name), "--json", "-", "--runs", "2"});
    EXPECT_EQ(good.exit_code, 0) << x.name << good.err;
    const nlohmann::json passed = nlohmann::json::parse(good.out);
    EXPECT_TRUE(passed["exploration"]["ok"].get<bool>()) << passed.dump();
    EXPECT_GT(passed["exploration"]["schedules"].get<long>(), 1);
  }
}

// The seeds a check printed, one per run.
std::vector<std::uint64_t> seeds_in(const std::string& out) {
  std::vector<std::uint64_t> seeds;
  const std::regex line(R"(run +\d+/\d+  seed (\d+))");
  for (std::sregex_iterator it(out.begin(), out.end(), line), end; it != end; ++it)
    seeds.push_back(std::stoull((*it)[1]));
  return seeds;
}

TEST_F(Check, ASeedReplaysTheSameRuns) {
  // --no-explore: the real runs alone, the part a seed replays.
  const CliResult a = check({"race", "--program", runner("solution", "race"), "--seed", "77", "--runs", "5", "--no-explore"});
  const CliResult b = check({"race", "--program", runner("solution", "race"), "--seed", "77", "--runs", "5", "--no-explore"});
  ASSERT_EQ(a.exit_code, 0) << a.out;
  ASSERT_EQ(b.exit_code, 0) << b.out;
  const std::vector<std::uint64_t> seeds = seeds_in(a.out);
  ASSERT_EQ(seeds.size(), 5u) << a.out;
  EXPECT_EQ(seeds, seeds_in(b.out));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(seeds[static_cast<std::size_t>(i)], jitter::ith_seed(77, i));
  EXPECT_EQ(seeds.front(), 77u) << "the first run uses the seed itself, so a failing run replays alone";
  EXPECT_NE(a.out.find("checking " + runner("solution", "race") + ": 5 runs with jitter, seed 77"), std::string::npos);

  // A failing run's replay command names that run's own seed.
  const CliResult failing = check({"race", "--program", runner("start", "race"), "--seed", "77", "--no-explore"});
  ASSERT_EQ(failing.exit_code, 1);
  const std::vector<std::uint64_t> tried = seeds_in(failing.out);
  ASSERT_FALSE(tried.empty());
  EXPECT_NE(failing.out.find(fmt::format("concur check race --seed {} --runs 1", tried.back())), std::string::npos)
      << failing.out;
}

TEST_F(Check, TheVerdictAsJsonListsEveryRunForInstructorsScripts) {
  const CliResult pass = check({"race", "--program", runner("solution", "race"), "--seed", "9", "--runs", "3", "--json", "-"});
  ASSERT_EQ(pass.exit_code, 0) << pass.err;
  const nlohmann::json verdict = nlohmann::json::parse(pass.out);
  EXPECT_EQ(verdict["schema"], "concur.check/1");
  EXPECT_EQ(verdict["exercise"], "race");
  EXPECT_EQ(verdict["passed"], true);
  ASSERT_EQ(verdict["runs"].size(), 3u);
  EXPECT_EQ(verdict["runs"][0]["seed"], 9);
  for (const nlohmann::json& run : verdict["runs"]) EXPECT_EQ(run["ok"], true);
  EXPECT_NE(pass.err.find("checking "), std::string::npos) << "the words go to stderr";

  const CliResult fail = check({"race", "--program", runner("start", "race"), "--seed", "9", "--json", "-", "--no-explore"});
  ASSERT_EQ(fail.exit_code, 1) << fail.err;
  const nlohmann::json failed = nlohmann::json::parse(fail.out);
  EXPECT_EQ(failed["passed"], false);
  EXPECT_EQ(failed["runs"].back()["ok"], false);
  const std::string why = failed["runs"].back()["why"];  // a broken start loses updates, or ran in turns
  EXPECT_TRUE(why.find("increments were lost") != std::string::npos || why.find("ran one after another") != std::string::npos)
      << why;
}

TEST_F(Check, AHungRunIsStoppedWithEverythingItStarted) {
  const CliResult r =
      check({"race", "--program", script("sleep 987 &\nwait"), "--runs", "3", "--time-limit", "0.5", "--no-explore"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("Not yet: still running after 500 ms, so it was stopped: the program hangs"), std::string::npos)
      << r.out;
  EXPECT_EQ(seeds_in(r.out).size(), 1u) << "a check stops at the first failing run";
}

TEST_F(Check, CtrlCStopsTheRunAndRemovesTheScratchFiles) {
  options_.interrupt_after = "checking ";
  const CliResult r = check({"race", "--program", script("sleep 986 &\nwait"), "--runs", "1"});
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_NE(r.err.find("check interrupted"), std::string::npos) << r.err;
}

TEST_F(Check, WhatARunDoesWrongIsSaidInWords) {
  // Refused options, a crash, no report: each is a failed run with its own explanation.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"echo 'concur: unknown option' >&2; exit 2", "the program refused the check's options (--threads 4"},
      {"kill -SEGV $$", "the program crashed: it was killed by SIGSEGV"},
      {"exit 0", "the program wrote no report"},
  };
  for (const auto& [body, words] : cases) {
    const CliResult r = check({"race", "--program", script(body), "--runs", "1", "--no-explore"});
    EXPECT_EQ(r.exit_code, 1) << body;
    EXPECT_NE(r.out.find(words), std::string::npos) << body << ":\n" << r.out;
  }
  // A report without the result the judge reads names the key to keep.
  const std::string report = R"({"variants": [{"name": "exercise", "runs": [{"result": {"expected": 80000}}]}]})";
  const CliResult missing = check(
      {"race", "--program", script("while [ \"$1\" != --json ]; do shift; done\necho '" + report + "' > \"$2\""), "--runs",
       "1", "--no-explore"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("the run reported no 'actual': keep the run.result(\"actual\", ...) line"),
            std::string::npos)
      << missing.out;
}

TEST_F(Check, WrongUseIsRefusedBeforeAnythingRuns) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"check", "scraper"}, "'scraper' has no exercise; these examples do: race, lock, "},
      {{"check", "nosuch"}, "unknown exercise 'nosuch'"},
      {{"check", "race", "--runs", "0"}, "--runs must be a whole number from 1 to 1000, got '0'"},
      {{"check", "race", "--seed", "x"}, "--seed must be a whole number"},
      {{"check", "race", "--time-limit", "0"}, "--time-limit must be a number of seconds above 0"},
      {{"check", "race"}, "there is no race.cpp in your workspace"},
      {{"check", "race", "--program", "/nonexistent/program"}, "--program /nonexistent/program: no program there"},
      {{"check", "race", "--file", "/nonexistent/race.cpp"}, "--file /nonexistent/race.cpp: no such file"},
      {{"check", "race", "--narrate", "--json", "-"}, "--narrate and --json - both want stdout"},
      {{"check", "race", "--json", "/nonexistent/dir/v.json"}, "cannot write the --json file"},
      {{"exercise", "scraper"}, "'scraper' has no exercise"},
      {{"exercise", "--fresh"}, "--fresh needs an exercise"},
      {{"hint", "10.9"}, "'scraper' has no exercise"},
      {{"solution", "race"}, "the reference solution opens after your version passes: run 'concur check race' first"},
  };
  for (const auto& [args, words] : cases) {
    const CliResult r = run_concur(args, options_);
    EXPECT_EQ(r.exit_code, 2) << args[1];
    EXPECT_NE(r.err.find(words), std::string::npos) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(ExerciseFiles, EveryExerciseHasAStartASolutionAndHintsInTiers) {
  for (const exercises::Exercise& x : exercises::all()) {
    const fs::path folder = fs::path(CONCUR_SOURCE_DIR) / "exercises" / x.name;
    const std::string start = file_text(folder / "start.cpp"), solution = file_text(folder / "solution.cpp");
    EXPECT_FALSE(start.empty()) << x.name;
    EXPECT_NE(start, solution) << x.name;
    EXPECT_NE(start.find(fmt::format(".name = \"{}\"", x.name)), std::string::npos) << x.name;
    const std::string hints = file_text(folder / "hints.md");
    for (int i = 1; i <= 3; ++i)
      EXPECT_NE(hints.find(fmt::format("## Hint {}\n", i)), std::string::npos) << x.name << " hint " << i;
    EXPECT_GT(x.goal.size(), 30u) << x.name;
    EXPECT_THROW(x.judge(nlohmann::json::object()), exercises::MissingResult) << x.name << " judges an empty result";
    const CliResult lesson = run_concur({"lesson", x.name});
    EXPECT_NE(lesson.out.find(fmt::format("`concur exercise {}`", x.name)), std::string::npos)
        << "the lesson of " << x.name << " points to its exercise";
  }
}

TEST(ExerciseFiles, ARaceIsJudgedByItsCountNotByItsOwnChecks) {
  const exercises::Exercise& race = *exercises::find("race");
  EXPECT_EQ(race.judge({{"actual", 80'000}, {"concurrent_s", 0.001}}), std::nullopt);
  EXPECT_EQ(race.judge({{"actual", 79'000}, {"expected", 79'000}, {"concurrent_s", 0.001}}),
            "1000 of 80000 increments were lost");
  EXPECT_EQ(race.judge({{"actual", 80'001}, {"concurrent_s", 0.001}}),
            "the counter ended at 80001, above the 80000 increments made");
  EXPECT_THROW(race.judge({{"actual", "80000"}, {"concurrent_s", 0.001}}), exercises::MissingResult);
}

TEST(ExerciseFiles, ThreadsThatRanOneAfterAnotherFailWhateverTheirCount) {
  for (const char* name : {"race", "lock", "process-lock"}) {
    const exercises::Exercise& x = *exercises::find(name);
    const long long exact = name == std::string("process-lock") ? 20'000 : 80'000;
    const std::optional<std::string> why = x.judge({{"actual", exact}, {"concurrent_s", 0.0}});
    ASSERT_TRUE(why.has_value()) << name;
    EXPECT_NE(why->find("ran one after another"), std::string::npos) << *why;
    EXPECT_NE(why->find("the goal says they run at the same time"), std::string::npos) << *why;
    EXPECT_THROW(x.judge({{"actual", exact}}), exercises::MissingResult) << name << ": no concurrent_s";
  }
}

}  // namespace
}  // namespace concur::test
