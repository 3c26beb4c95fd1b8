// `concur explore` and `concur step` (issue 20): every schedule of a small configuration,
// one schedule replayed, and the student as the scheduler at a terminal.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace concur::test {
namespace {

using nlohmann::json;

// Runs `concur explore ...` with --json - and returns the document (the rest went to stderr).
json explored(std::vector<std::string> args, int expect_exit = 0) {
  args.insert(args.begin(), "explore");
  args.insert(args.end(), {"--json", "-"});
  const CliResult r = run_concur(args);
  EXPECT_EQ(r.exit_code, expect_exit) << r.err;
  return json::parse(r.out);
}

const json& variant(const json& doc, const std::string& name) {
  for (const json& v : doc["variants"])
    if (v["name"] == name) return v;
  throw std::runtime_error("no variant " + name + " in " + doc.dump());
}

std::map<std::string, long> outcomes(const json& v) {
  std::map<std::string, long> out;
  for (const json& o : v["outcomes"]) out[o["outcome"]] = o["schedules"];
  return out;
}

long total(const std::map<std::string, long>& by) {
  long n = 0;
  for (const auto& [k, v] : by) n += v;
  return n;
}

TEST(Explore, RaceTwoByTwoWithoutReductionRunsTheSeventySchedules) {
  const json doc = explored({"race", "--no-reduction"});
  EXPECT_EQ(doc["schema"], "concur.explore/1");
  EXPECT_EQ(doc["params"]["threads"], 2);
  EXPECT_EQ(doc["params"]["iterations"], 2);
  EXPECT_EQ(doc["settings"]["reduction"], "none");
  const json& v = variant(doc, "unsynchronized");
  EXPECT_EQ(v["schedules"], 70);  // C(8,4): the read and write of each increment are the only choices
  EXPECT_EQ(v["pruned"], 0);
  EXPECT_TRUE(v["complete"].get<bool>());
  const auto by = outcomes(v);
  EXPECT_EQ(by.size(), 3u);
  EXPECT_GT(by.at("counter = 2"), 0);
  EXPECT_GT(by.at("counter = 3"), 0);
  EXPECT_EQ(by.at("counter = 4"), 2 * 3);  // each thread's 4 steps together, in either order ... and reads swapped
  EXPECT_EQ(total(by), 70);
  EXPECT_EQ(v["deadlocks"], 0);
  ASSERT_EQ(v["possible"].size(), 1u);
  EXPECT_EQ(v["possible"][0]["claim"], "updates were lost");
  EXPECT_TRUE(v["possible"][0]["shown"].get<bool>());
  EXPECT_EQ(v["possible"][0]["shown_by"], 70 - by.at("counter = 4"));
}

TEST(Explore, TheReductionRunsFewerSchedulesAndReachesTheSameOutcomes) {
  const json doc = explored({"race"});
  EXPECT_EQ(doc["settings"]["reduction"], "sleep-sets");
  const json& v = variant(doc, "unsynchronized");
  EXPECT_LT(v["schedules"].get<long>(), 70);
  EXPECT_GT(v["schedules"].get<long>(), 3);
  std::set<std::string> keys;
  for (const auto& [k, n] : outcomes(v)) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"counter = 2", "counter = 3", "counter = 4"}));
}

TEST(Explore, WithTheLockOrTheAtomicEveryScheduleEndsAtFour) {
  const json doc = explored({"lock"});
  for (const char* name : {"mutex", "atomic"}) {
    const json& v = variant(doc, name);
    EXPECT_EQ(outcomes(v), (std::map<std::string, long>{{"counter = 4", v["schedules"]}})) << name;
    ASSERT_EQ(v["claims"].size(), 1u) << name;
    EXPECT_TRUE(v["claims"][0]["held"].get<bool>()) << name;
    EXPECT_EQ(v["claims"][0]["broken_by"], 0) << name;
  }
  // fetch_add is one step: 2 threads x 2 adds = C(4,2) schedules with nothing to reduce.
  EXPECT_EQ(variant(explored({"lock", "--variant", "atomic", "--no-reduction"}), "atomic")["schedules"], 6);
  EXPECT_TRUE(doc["ok"].get<bool>());
}

TEST(Explore, OppositeLockOrdersDeadlockInEveryScheduleAndOneOrderInNone) {
  const json doc = explored({"deadlock"});
  const json& v = variant(doc, "opposite-order");
  EXPECT_GT(v["schedules"].get<long>(), 0);
  EXPECT_EQ(v["deadlocks"], v["schedules"]);  // each holds its first lock through a sleep: time is virtual, not skipped
  const std::string cycle = v["first_deadlock"];
  EXPECT_NE(cycle.find("Thread-1 waits at \"lock lock B\" (held by Thread-2), holding lock A"), std::string::npos) << cycle;
  EXPECT_NE(cycle.find("Thread-2 waits at \"lock lock A\" (held by Thread-1), holding lock B"), std::string::npos) << cycle;
  const json fixed = explored({"deadlock", "--fix"});
  const json& f = variant(fixed, "one-order");
  EXPECT_EQ(f["deadlocks"], 0);
  EXPECT_GT(f["schedules"].get<long>(), 0);
  ASSERT_FALSE(f["claims"].empty());
  for (const json& c : f["claims"]) EXPECT_TRUE(c["held"].get<bool>()) << c.dump();
}

TEST(Explore, NoPreemptionMeansEachThreadRunsToItsEndAndNothingIsLost) {
  const json doc = explored({"race", "--preemptions", "0", "--no-reduction"});
  const json& v = variant(doc, "unsynchronized");
  EXPECT_EQ(v["schedules"], 2);
  EXPECT_EQ(outcomes(v), (std::map<std::string, long>{{"counter = 4", 2}}));
  EXPECT_EQ(doc["settings"]["preemptions"], 0);
  EXPECT_FALSE(v["possible"][0]["shown"].get<bool>());
}

TEST(Explore, PctIsRandomYetRepeatsWithItsSeed) {
  const json a = explored({"race", "--pct", "2", "--runs", "300", "--seed", "5"});
  const json b = explored({"race", "--pct", "2", "--runs", "300", "--seed", "5"});
  EXPECT_EQ(a["settings"]["pct"]["depth"], 2);
  const json& v = variant(a, "unsynchronized");
  EXPECT_EQ(v["schedules"], 300);
  EXPECT_FALSE(v["complete"].get<bool>());
  EXPECT_GT(v["distinct"].get<long>(), 1);
  EXPECT_EQ(outcomes(v), outcomes(variant(b, "unsynchronized")));
  EXPECT_GT(outcomes(v).size(), 1u);  // a lost update is a bug of depth 2: found
}

TEST(Explore, ThreeThreadsByTwoIncrementsFinishWithEveryOutcomeFromTwoToSix) {
  const json doc = explored({"race", "--threads", "3", "--iterations", "2"});
  const json& v = variant(doc, "unsynchronized");
  EXPECT_TRUE(v["complete"].get<bool>());
  std::set<std::string> keys;
  for (const auto& [k, n] : outcomes(v)) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"counter = 2", "counter = 3", "counter = 4", "counter = 5", "counter = 6"}));
  EXPECT_LT(v["schedules"].get<long>(), 34650);  // 12! / (4!)^3 without the reduction
}

TEST(Explore, EveryShortestScheduleReplaysToItsOutcome) {
  const json doc = explored({"race"});
  for (const json& o : variant(doc, "unsynchronized")["outcomes"]) {
    const std::string schedule = o["shortest"];
    const CliResult r = run_concur({"step", "race", "--schedule", schedule, "--json", "-"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json report = json::parse(r.out);
    const json& result = report["variants"][0]["runs"][0]["result"];
    EXPECT_EQ("counter = " + result["actual"].dump(), o["outcome"].get<std::string>()) << schedule;
    EXPECT_EQ(result["schedule"], schedule);
    // The steps are narrated as they are taken (the narration goes to stderr with --json -).
    EXPECT_NE(r.err.find("step 1: read counter → 0"), std::string::npos) << r.err;
  }
}

// Every example that can run controlled explores to the end at its small configuration, and
// its correct variants keep their claims in every schedule.
TEST(Explore, EveryControlledExampleExploresAndItsCorrectVariantsHold) {
  const std::map<std::string, std::set<std::string>> may_break = {
      {"try-lock", {"wrong: both printed at once"}},  // likely claims are not judged; listed for clarity
  };
  for (const char* name : {"semaphore", "event", "queue-pool", "bounded-semaphore", "try-lock", "rlock", "condition"}) {
    const CliResult r = run_concur({"explore", name, "--json", "-"});
    ASSERT_NE(r.out, "") << name << r.err;
    const json doc = json::parse(r.out);
    EXPECT_EQ(r.exit_code, 0) << name << " " << r.err;
    EXPECT_TRUE(doc["ok"].get<bool>()) << name;
    for (const json& v : doc["variants"]) {
      EXPECT_TRUE(v["error"].is_null()) << name << " " << v["error"];
      EXPECT_TRUE(v["complete"].get<bool>()) << name << " " << v["name"];
      EXPECT_GT(v["schedules"].get<long>(), 0) << name << " " << v["name"];
      EXPECT_EQ(v["deadlocks"], 0) << name << " " << v["name"];
      for (const json& c : v["claims"]) EXPECT_TRUE(c["held"].get<bool>()) << name << " " << c.dump();
    }
  }
}

TEST(Explore, TheSemaphoreNeverLetsMoreThanItsPermitsInAndTheEventReleasesNobodyEarly) {
  const json sem = explored({"semaphore"});
  for (const auto& [outcome, n] : outcomes(variant(sem, "semaphore")))
    EXPECT_TRUE(outcome == "at most 2 inside, 3 got in" || outcome == "at most 1 inside, 3 got in") << outcome;
  const json ev = explored({"event"});
  EXPECT_EQ(outcomes(variant(ev, "event")).begin()->first, "2 passed, 0 before set()");
  EXPECT_EQ(outcomes(variant(ev, "event")).size(), 1u);
  const json q = explored({"queue-pool"});
  EXPECT_EQ(outcomes(variant(q, "pool")).size(), 1u);
  EXPECT_EQ(outcomes(variant(q, "pool")).begin()->first, "2 of 2 done, 0 twice");
  // Over-released, the plain semaphore lets two in where one permit was meant.
  const json b = explored({"bounded-semaphore"});
  EXPECT_EQ(outcomes(variant(b, "bounded")), (std::map<std::string, long>{{"at most 1 inside", variant(b, "bounded")["schedules"]}}));
  EXPECT_GT(outcomes(variant(b, "plain")).count("at most 2 inside"), 0u);
}

TEST(Step, AScheduleIsFollowedThenTheLowestThreadGoesOn) {
  const CliResult r = run_concur({"step", "race", "--schedule", "1,2,1,2", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json result = json::parse(r.out)["variants"][0]["runs"][0]["result"];
  EXPECT_EQ(result["schedule"], "1,2,1,2,1,1,2,2");  // both read 0 and write 1; then 1 and 2 in turn
  EXPECT_EQ(result["steps"], 8);
  EXPECT_EQ(result["actual"], 3);
  EXPECT_EQ(result["lost"], 1);
}

TEST(Step, ADeadlockingScheduleIsReportedAsTheRunsOutcome) {
  const CliResult r = run_concur({"step", "deadlock", "--schedule", "1,2", "--json", "-"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const json report = json::parse(r.out);
  const json& result = report["variants"][0]["runs"][0]["result"];
  EXPECT_NE(result["deadlock"].get<std::string>().find("holding lock A"), std::string::npos) << result.dump();
  bool failed = false;
  for (const json& c : report["checks"])
    if (c["name"] == "opposite-order: no deadlock") failed = !c["ok"].get<bool>();
  EXPECT_TRUE(failed) << report["checks"].dump();
  // After the deadlock nobody goes on: no thread says it got both locks.
  EXPECT_EQ(r.err.find("holds both locks"), std::string::npos) << r.err;
}

TEST(Step, BadInputIsOneLineAndExitTwoBeforeAnythingRuns) {
  const std::map<std::vector<std::string>, std::string> cases = {
      {{"step", "race", "--schedule", "1,1,1,1,1"}, "--schedule 1,1,1,1,1: step 5: thread 1 cannot go on here (it can: 2)"},
      {{"step", "race", "--schedule", "1,x"}, "schedule entry 2 is 'x', not a thread number"},
      {{"step", "race", "--schedule", "1,1,1,1,2,2,2,2,1"}, "the schedule has 9 steps, but the run ends after 8"},
      {{"step", "pool"},
       "pool cannot be run one step at a time: step and explore take these examples of threads: race, lock, "},
      {{"explore", "rase"}, "did you mean 'race'?"},
      {{"explore"}, "say which example: concur explore race"},
      {{"explore", "race", "--runs", "5"}, "--runs is for random exploration: add --pct DEPTH"},
      {{"explore", "race", "--pct", "2", "--preemptions", "1"}, "--pct explores at random; --preemptions is for"},
      {{"explore", "race", "--variant", "mutex"}, "--variant: race has no variant 'mutex' (it has unsynchronized)"},
      {{"explore", "race", "--threads", "0"}, "--threads must be a whole number from 1 to 64"},
      {{"step", "race"}, ""},  // stdin is /dev/null: an empty schedule, the lowest thread first: fine
  };
  for (const auto& [args, message] : cases) {
    const CliResult r = run_concur(args);
    if (message.empty()) {
      EXPECT_EQ(r.exit_code, 0) << r.err;
      continue;
    }
    EXPECT_EQ(r.exit_code, 2) << args[1] << " " << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// `concur step NAME` at an 80x24 terminal, typing each key once its text has appeared.
CliResult step_at_terminal(const std::string& name, std::vector<std::pair<std::string, std::string>> keys) {
  CliOptions o;
  o.terminal = true;
  o.columns = 80;
  o.rows = 24;
  o.type_when_seen = std::move(keys);
  return run_concur({"step", name}, o);
}

TEST(Step, AtATerminalTheStudentChoosesAndALostUpdateIsAnnounced) {
  const CliResult r = step_at_terminal("race", {{"history (0 steps)", "1"}, {"history (1 step)", "2"},
                                                {"history (2 steps)", "1"}, {"history (3 steps)", "2"},
                                                {"history (4 steps)", "q"}});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Lost update! Thread-2 read counter → 0 at step 2; Thread-1 wrote it at step 3"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("schedule: 1,2,1,2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay it: concur step race --schedule 1,2,1,2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\x1b[?1049l"), std::string::npos);  // the screen is given back
}

TEST(Step, UndoReplaysUpToTheStepBeforeAndRestartForgetsAll) {
  const CliResult r = step_at_terminal("race", {{"history (0 steps)", "1"}, {"history (1 step)", "u"},
                                                {"history (0 steps)", "2"}, {"history (1 step)", "2"},
                                                {"history (2 steps)", "r"}, {"history (0 steps)", "2"},
                                                {"history (1 step)", "q"}});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("schedule: 2\r\n"), std::string::npos) << r.out;
}

TEST(Step, AtATerminalADeadlockIsAnnouncedWithItsCycle) {
  const CliResult r = step_at_terminal("deadlock", {{"history (0 steps)", "1"}, {"history (1 step)", "2"},
                                                    {"history (2 steps)", "1"}, {"history (3 steps)", "2"},
                                                    {"Deadlock! ", "q"}});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Deadlock! Thread-1 waits at"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace concur::test
