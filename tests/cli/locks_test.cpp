// CLI tests for the examples on locks that go wrong: s.3 rlock, s.4 deadlock, s.5
// try-lock, s.7 bounded-semaphore, each run through the real binary with short sleeps.
// Every one must exit 0 with its claims held, and never hang (the TIMEOUT says so).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

using nlohmann::json;

bool mentions(const std::string& text, const std::string& word) { return text.find(word) != std::string::npos; }

TEST(Locks, RlockPlainMutexDeadlockIsDetectedAndTheRLockRecurses) {
  const json report = run_report({"rlock", "--depth", "4"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"mutex", "rlock"}));
  const json& m = result_of(report, "mutex");
  EXPECT_EQ(m["deadlock_detected"], true);
  EXPECT_EQ(m["levels_entered"], 1);  // level 2 asked again and was told
  EXPECT_EQ(m["held_afterwards"], false);
  EXPECT_EQ(m["error"], "would deadlock: MainThread already holds 'plain lock'");
  EXPECT_TRUE(check_held(report, "mutex: deadlock detected"));

  const json& r = result_of(report, "rlock");
  EXPECT_EQ(r["depth"], 4);
  EXPECT_EQ(r["levels_entered"], 4);
  EXPECT_EQ(r["deadlock_detected"], false);
  EXPECT_EQ(r["error"], "");
  EXPECT_EQ(r["held_afterwards"], false);
  EXPECT_TRUE(check_held(report, "rlock: every level entered"));
  EXPECT_TRUE(check_held(report, "rlock: no deadlock"));
}

TEST(Locks, DeadlockIsDetectedNamingBothThreadsAndBothLocks) {
  const json report = run_report({"deadlock"});
  EXPECT_EQ(variant_names(report), std::vector<std::string>{"opposite-order"});
  EXPECT_EQ(report["params"]["fix"], false);
  const json& r = result_of(report, "opposite-order");
  EXPECT_EQ(r["fixed"], false);
  EXPECT_EQ(r["deadlock_detected"], true);
  EXPECT_EQ(r["completed"], 1);  // the other thread got both once the victim let go
  const std::string victim = r["victim"];
  EXPECT_TRUE(victim == "Thread-1" || victim == "Thread-2") << victim;

  ASSERT_EQ(r["cycle"].size(), 2u);
  EXPECT_EQ(r["cycle"][0]["thread"], victim);  // the finder reports first
  for (const json& edge : r["cycle"]) {
    if (edge["thread"] == "Thread-1") {
      EXPECT_EQ(edge["holds"], "lock A");
      EXPECT_EQ(edge["waits_for"], "lock B");
    } else {
      EXPECT_EQ(edge["thread"], "Thread-2");
      EXPECT_EQ(edge["holds"], "lock B");
      EXPECT_EQ(edge["waits_for"], "lock A");
    }
  }
  const std::string error = r["error"];
  for (const char* word : {"deadlock", "Thread-1", "Thread-2", "'lock A'", "'lock B'"})
    EXPECT_TRUE(mentions(error, word)) << error;
  EXPECT_TRUE(check_held(report, "opposite-order: deadlock detected"));
  EXPECT_TRUE(check_held(report, "opposite-order: the other thread finished"));
}

TEST(Locks, DeadlockWithFixCompletesWithoutOne) {
  const json report = run_report({"deadlock", "--fix"});
  EXPECT_EQ(variant_names(report), std::vector<std::string>{"one-order"});
  EXPECT_EQ(report["params"]["fix"], true);
  const json& r = result_of(report, "one-order");
  EXPECT_EQ(r["fixed"], true);
  EXPECT_EQ(r["deadlock_detected"], false);
  EXPECT_EQ(r["completed"], 2);
  EXPECT_TRUE(r["cycle"].empty());
  EXPECT_EQ(r["error"], "");
  EXPECT_TRUE(check_held(report, "one-order: completed, no deadlock"));
}

TEST(Locks, DeadlockNarrationTellsWhoHoldsAndWaitsForWhat) {
  const CliResult run = run_concur({"deadlock", "--time-scale", "0.05", "--no-color"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(mentions(run.out, "Thread-1 holds 'lock A' and waits for 'lock B'")) << run.out;
  EXPECT_TRUE(mentions(run.out, "Thread-2 holds 'lock B' and waits for 'lock A'")) << run.out;
}

TEST(Locks, TryLockWrongReleaseIsAnErrorAndTheRightOneSkips) {
  const json report = run_report({"try-lock"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"wrong", "right"}));
  const json& wrong = result_of(report, "wrong");
  EXPECT_EQ(wrong["release_error"], "release of 'printer lock', which this thread does not hold");
  EXPECT_EQ(wrong["skipped"], 0);
  EXPECT_TRUE(check_held(report, "wrong: releasing a lock not held is an error"));

  const json& right = result_of(report, "right");
  EXPECT_EQ(right["release_error"], "");
  EXPECT_EQ(right["overlapped"], false);
  EXPECT_TRUE(check_held(report, "right: never two inside at once"));
  EXPECT_TRUE(check_held(report, "right: released only what was acquired"));
}

TEST(Locks, BoundedSemaphoreRefusesTheOverReleaseThePlainOneGrows) {
  const json report = run_report({"bounded-semaphore", "--permits", "3", "--workers", "4"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"bounded", "plain"}));
  const json& b = result_of(report, "bounded");
  EXPECT_EQ(b["permits"], 3);
  EXPECT_EQ(b["over_release_error"], "Semaphore released too many times");
  EXPECT_EQ(b["value_after"], 3);
  EXPECT_LE(b["max_concurrent"].get<int>(), 3);
  EXPECT_TRUE(check_held(report, "bounded: the over-release is an error"));
  EXPECT_TRUE(check_held(report, "bounded: the count is unchanged"));

  const json& p = result_of(report, "plain");
  EXPECT_EQ(p["over_release_error"], "");
  EXPECT_EQ(p["value_after"], 4);
  EXPECT_LE(p["max_concurrent"].get<int>(), 4);
  EXPECT_TRUE(check_held(report, "plain: the count silently grew"));
}

TEST(Locks, EachRunsByIdToo) {
  for (const char* id : {"s.3", "s.4", "s.5", "s.7"}) {
    const CliResult run = run_concur({id, "--time-scale", "0.05", "--quiet"});
    EXPECT_EQ(run.exit_code, 0) << id << ": " << run.err;
  }
}

}  // namespace
}  // namespace concur::test
