// CLI tests of the supplementary thread examples: s.2 daemon, s.6 condition,
// s.9 queue-timeout, s.10 graceful-stop. Each runs through the real binary; the tests
// assert its result keys and claims, never its timings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

using nlohmann::json;

TEST(ThreadExamples, DaemonIsCutOffAndTheNonDaemonFinishes) {
  for (const char* id : {"daemon", "s.2"}) {
    const json report = run_report({id});
    EXPECT_EQ(report["example"]["name"], "daemon");
    EXPECT_EQ(report["example"]["lecture"], 0);
    EXPECT_EQ(variant_names(report), std::vector<std::string>{"daemon"});
    const json& r = result_of(report, "daemon");
    EXPECT_EQ(r["planned"], 5);
    EXPECT_EQ(r["non_daemon_steps"], 5);
    EXPECT_LT(r["daemon_steps"].get<long long>(), 5);
    EXPECT_GE(r["daemon_steps"].get<long long>(), 0);
    EXPECT_TRUE(check_held(report, "the non-daemon thread finished its work"));
    EXPECT_TRUE(check_held(report, "the daemon thread was cut off"));
    EXPECT_TRUE(check_held(report, "the cut-off came only after the non-daemon finished"));
  }
}

TEST(ThreadExamples, DaemonWithNothingLeftToCutIsRefusedBeforeItRuns) {
  // A daemon step no longer than the worker's: the daemon would finish its whole plan
  // first and there would be nothing to cut off. Refused (issue 14), not run to a failure.
  for (const std::vector<std::string>& args : {std::vector<std::string>{"daemon", "--daemon-step", "0"},
                                               {"daemon", "--daemon-step", "0.3", "--step", "0.2"}}) {
    const CliResult r = run_concur(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--daemon-step"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(ThreadExamples, ConditionPassesEveryItemOnceInOrder) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"condition"}, {"s.6", "--items", "60", "--capacity", "1", "--consumers", "4"},
        {"condition", "--items", "40", "--consume", "0", "--produce", "0"}}) {
    const json report = run_report(args);
    EXPECT_EQ(report["example"]["name"], "condition");
    const json& r = result_of(report, "condition");
    const long long items = report["params"]["items"];
    EXPECT_EQ(r["items"], items);
    EXPECT_EQ(r["consumed"], items);
    EXPECT_EQ(r["missing"], 0);
    EXPECT_EQ(r["duplicates"], 0);
    EXPECT_EQ(r["in_order"], true);
    EXPECT_GE(r["producer_waits"].get<long long>(), 0);
    EXPECT_GE(r["consumer_waits"].get<long long>(), 0);
    EXPECT_TRUE(check_held(report, "every item was consumed"));
    EXPECT_TRUE(check_held(report, "no item was consumed twice"));
    EXPECT_TRUE(check_held(report, "items came out in the order they went in"));
  }
}

TEST(ThreadExamples, ConditionWithSlowConsumersMakesTheProducerWait) {
  // One consumer far slower than the producer: the buffer of 2 must fill up.
  const json report = run_report({"condition", "--items", "8", "--capacity", "2", "--consumers", "1",
                                  "--produce", "0", "--consume", "0.2"});
  const json& r = result_of(report, "condition");
  EXPECT_GE(r["producer_waits"].get<long long>(), 1);
  EXPECT_EQ(r["consumed"], 8);
}

TEST(ThreadExamples, ConditionWithNoItemsLetsEveryConsumerLeave) {
  const json report = run_report({"condition", "--items", "0", "--consumers", "3"});
  const json& r = result_of(report, "condition");
  EXPECT_EQ(r["consumed"], 0);
  EXPECT_EQ(r["missing"], 0);
}

TEST(ThreadExamples, QueueTimeoutRaisesFullThenEmptyWithThreadsAndProcesses) {
  for (const char* id : {"queue-timeout", "s.9"})
    for (const char* method : {"fork", "spawn", "forkserver"}) {
      const json report = run_report({id, "--start-method", method});
      EXPECT_EQ(variant_names(report), (std::vector<std::string>{"threads", "processes"}));
      for (const std::string v : {"threads", "processes"}) {
        const json& r = result_of(report, v);
        EXPECT_EQ(r["items"], 4) << v;
        EXPECT_EQ(r["maxsize"], 2) << v;
        EXPECT_EQ(r["put"], 2) << v;
        EXPECT_EQ(r["full_raised"], 2) << v;
        EXPECT_EQ(r["got"], 2) << v;
        EXPECT_EQ(r["empty_raised"], 1) << v;
        EXPECT_DOUBLE_EQ(r["timeout_ms"].get<double>(), 500 * 0.05) << v;
        EXPECT_GE(r["longest_failed_wait_ms"].get<double>(), r["shortest_failed_wait_ms"].get<double>()) << v;
        EXPECT_TRUE(check_held(report, v + ": put raised Full once the queue was full"));
        EXPECT_TRUE(check_held(report, v + ": get raised Empty once the queue was empty"));
      }
      for (const json& c : report["checks"])  // the waited time is reported, never required
        if (c["name"].get<std::string>().ends_with("each failed call waited about the timeout")) {
          EXPECT_FALSE(c["required"].get<bool>());
        }
    }
}

TEST(ThreadExamples, QueueTimeoutWithRoomForEverythingRaisesOnlyEmpty) {
  const json report = run_report({"queue-timeout", "--items", "3", "--maxsize", "5"});
  for (const char* v : {"threads", "processes"}) {
    const json& r = result_of(report, v);
    EXPECT_EQ(r["put"], 3) << v;
    EXPECT_EQ(r["full_raised"], 0) << v;
    EXPECT_EQ(r["got"], 3) << v;
    EXPECT_EQ(r["empty_raised"], 1) << v;
  }
}

TEST(ThreadExamples, QueueTimeoutOfZeroGivesUpAtOnce) {
  const json report = run_report({"queue-timeout", "--items", "5", "--maxsize", "1", "--timeout", "0"});
  for (const char* v : {"threads", "processes"}) {
    const json& r = result_of(report, v);
    EXPECT_EQ(r["put"], 1) << v;
    EXPECT_EQ(r["full_raised"], 4) << v;
    EXPECT_EQ(r["got"], 1) << v;
  }
}

TEST(ThreadExamples, GracefulStopEndsWithinOneRound) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"graceful-stop"}, {"s.10", "--period", "0.1", "--run-for", "0.55"},
        {"graceful-stop", "--run-for", "0"}, {"graceful-stop", "--period", "0"}}) {
    const json report = run_report(args);
    EXPECT_EQ(report["example"]["name"], "graceful-stop");
    const json& r = result_of(report, "graceful-stop");
    EXPECT_LE(r["rounds_after_set"].get<long long>(), 1);
    EXPECT_GE(r["rounds_after_set"].get<long long>(), 0);
    EXPECT_GE(r["rounds"].get<long long>(), r["rounds_after_set"].get<long long>());
    EXPECT_TRUE(r["stop_latency_ms"].is_number());
    EXPECT_DOUBLE_EQ(r["period_ms"].get<double>(), report["params"]["period"].get<double>() * 1000 * 0.05);
    EXPECT_TRUE(check_held(report, "the worker stopped within one loop round"));
    EXPECT_TRUE(check_held(report, "the worker ended on its own"));
  }
}

TEST(ThreadExamples, BadOptionsAreRefusedBeforeAnythingRuns) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"condition", "--capacity", "0"}, {"daemon", "--steps", "x"},
        {"queue-timeout", "--timeout", "-1"}, {"graceful-stop", "--period", "abc"}}) {
    const CliResult r = run_concur(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1];
    EXPECT_NE(r.err.find(args[1]), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace concur::test
