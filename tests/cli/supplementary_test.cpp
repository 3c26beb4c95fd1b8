// CLI tests of the examples added with the rest of the lectures (issue 17): s.18-s.23, each
// claim read back from the JSON report, the process ones under every start method.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "nothing_left.hpp"
#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

TEST(Supplementary, ProcessSemaphoreNeverLetsMoreThanThePermitsIn) {
  for (const std::string& method : kStartMethods) {
    const json r = result_of(run_report({"process-semaphore", "--start-method", method}), "semaphore");
    EXPECT_EQ(r["processes"], 5) << method;
    EXPECT_EQ(r["permits"], 2) << method;
    EXPECT_GE(r["max_inside"].get<int>(), 1) << method;
    EXPECT_LE(r["max_inside"].get<int>(), 2) << method;
    EXPECT_GE(r["waves"].get<int>(), 3) << method;  // 5 processes can't pass 2 at a time in fewer
  }
  const json one = result_of(run_report({"s.18", "--permits", "1", "--processes", "3"}), "semaphore");
  EXPECT_EQ(one["max_inside"], 1);
  EXPECT_EQ(one["waves"], 3);
}

TEST(Supplementary, SafePrintTearsLinesOnlyWithoutTheLock) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"safe-print", "--start-method", method});
    EXPECT_EQ(variant_names(report), (std::vector<std::string>{"no-lock", "lock"}));
    const json& locked = result_of(report, "lock");
    EXPECT_EQ(locked["whole"], 20) << method;
    EXPECT_EQ(locked["torn"], 0) << method;
    EXPECT_EQ(locked["bytes_arrived"], locked["bytes_sent"]) << method;
    const json& unlocked = result_of(report, "no-lock");
    EXPECT_GT(unlocked["torn"].get<int>(), 0) << method;
    EXPECT_EQ(unlocked["bytes_arrived"], unlocked["bytes_sent"]) << method;
  }
}

TEST(Supplementary, ThreadIntrospectionCountsWhoIsAlive) {
  const json r = result_of(run_report({"thread-introspection", "--workers", "4"}), "threads");
  EXPECT_EQ(r["counts_after_each_start"], json::array({2, 3, 4, 5}));
  EXPECT_EQ(r["enumerate_while_alive"],
            json::array({"MainThread", "Thread-1 (task)", "Thread-2 (task)", "Thread-3 (task)", "Thread-4 (task)"}));
  EXPECT_EQ(r["enumerate_after_joins"], json::array({"MainThread"}));
  EXPECT_EQ(r["distinct_idents"], 5);
}

TEST(Supplementary, StartMethodsInheritAsEachMethodPromises) {
  const json report = run_report({"start-methods"});
  EXPECT_EQ(variant_names(report), kStartMethods);
  for (const std::string& method : kStartMethods) {
    const json& r = result_of(report, method);
    EXPECT_EQ(r["program_method"], method);
    const json& forked = r["children"]["fork"];
    EXPECT_EQ(forked["global"], 42) << method;
    EXPECT_EQ(forked["pipe"], true) << method;
    EXPECT_EQ(forked["lock_free"], false) << method;
    EXPECT_EQ(forked["threads"], 1) << method;
    const std::string fresh = method == "fork" ? "spawn" : method;
    EXPECT_EQ(r["children"][fresh]["global"], 1) << method;
    EXPECT_EQ(r["children"][fresh]["pipe"], false) << method;
    EXPECT_EQ(r["children"][fresh]["lock_free"], true) << method;
  }
}

TEST(Supplementary, QueueKindsHandOutInTheirOwnOrder) {
  const json report = run_report({"queue-kinds", "--jobs", "5"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"fifo", "lifo", "priority", "simple"}));
  // Put in this order, with priorities 3, 2, 1, 5, 4.
  const json put = json::array({"backup-1", "email-2", "report-3", "deploy-4", "cleanup-5"});
  EXPECT_EQ(result_of(report, "fifo")["order"], put);
  EXPECT_EQ(result_of(report, "simple")["order"], put);
  EXPECT_EQ(result_of(report, "lifo")["order"],
            json::array({"cleanup-5", "deploy-4", "report-3", "email-2", "backup-1"}));
  EXPECT_EQ(result_of(report, "priority")["order"],
            json::array({"report-3", "email-2", "backup-1", "cleanup-5", "deploy-4"}));
}

TEST(Supplementary, BarrierKeepsRoundsApartForThreadsAndProcesses) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"barrier", "--parties", "4", "--rounds", "3", "--start-method", method});
    for (const char* v : {"threads", "processes"}) {
      const json& r = result_of(report, v);
      EXPECT_EQ(r["actions"], 3) << v << " " << method;
      EXPECT_EQ(r["went_early"], 0) << v << " " << method;
      EXPECT_EQ(r["action_early"], 0) << v << " " << method;
    }
  }
}

TEST(Supplementary, BadOptionsAreRefusedBeforeAnythingRuns) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"barrier", "--parties", "0"}, {"safe-print", "--processes", "1"},
        {"process-semaphore", "--permits", "x"}, {"queue-kinds", "--jobs", "0"}, {"start-methods", "--workers", "2"}}) {
    const CliResult r = run_concur(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << args[0];
  }
}

TEST_F(NothingLeftBehind, AfterTheNewProcessExamplesUnderEveryStartMethod) {
  for (const std::string& method : kStartMethods)
    for (const char* example : {"process-semaphore", "safe-print", "barrier"}) {
      const CliResult r = run_concur({example, "--quiet", "--time-scale", "0.05", "--start-method", method});
      EXPECT_EQ(r.exit_code, 0) << example << " " << method << ": " << r.err;
    }
  const CliResult r = run_concur({"start-methods", "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace concur::test
