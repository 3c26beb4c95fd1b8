// CLI tests of the simulated-GIL examples: 10.10 free-threading and s.1 gil. Their claims
// about speed are likely-checks (timing never decides a test); what must hold is that
// every variant did all the work and agrees, and that the report carries the speedups.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

// A check's "required" flag, by name.
bool is_required(const json& report, const std::string& name) {
  for (const json& c : report["checks"])
    if (c["name"] == name) return c["required"].get<bool>();
  ADD_FAILURE() << "no check named " << name;
  return true;
}

// Every variant is compared with the baseline, or with the variant `same_work` names for it.
void expect_speedups_against(const json& report, const std::string& baseline,
                             const std::map<std::string, std::string>& same_work = {}) {
  for (const json& v : report["variants"]) {
    const auto other = same_work.find(v["name"].get<std::string>());
    EXPECT_EQ(v["baseline"], other == same_work.end() ? baseline : other->second) << v["name"];
    EXPECT_TRUE(v["speedup"].is_number()) << v["name"];
    EXPECT_GT(v["speedup"].get<double>(), 0) << v["name"];
  }
}

TEST(GilExamples, FreeThreadingDoesTheSameWorkInEveryVariant) {
  for (const char* id : {"free-threading", "10.10"}) {
    const json report = run_report({id, "--work-units", "3000"});
    EXPECT_EQ(report["example"]["name"], "free-threading");
    EXPECT_EQ(report["example"]["lecture"], 10);
    EXPECT_EQ(variant_names(report),
              (std::vector<std::string>{"one-thread", "gil-threads", "one-thread-free", "free-threads"}));
    EXPECT_EQ(report["params"]["threads"], 2);
    EXPECT_EQ(report["params"]["switch_interval"], 0.005);
    const std::string checksum = result_of(report, "one-thread")["checksum"];
    for (const char* v : {"one-thread", "gil-threads", "one-thread-free", "free-threads"}) {
      const json& r = result_of(report, v);
      EXPECT_EQ(r["work_units"], 3000) << v;
      EXPECT_EQ(r["checksum"], checksum) << v;
      EXPECT_LE(r["forced_drops"].get<long long>(), r["switches"].get<long long>()) << v;
      EXPECT_TRUE(check_held(report, std::string(v) + ": all the work was done"));
    }
    EXPECT_EQ(result_of(report, "one-thread")["threads"], 1);
    EXPECT_EQ(result_of(report, "gil-threads")["threads"], 2);
    // One thread never has to switch; without a GIL there is nothing to switch.
    EXPECT_EQ(result_of(report, "one-thread")["switches"], 0);
    EXPECT_EQ(result_of(report, "free-threads")["switches"], 0);
    // Each GIL thread's waiting time, by name; without the GIL nobody waits for it.
    EXPECT_EQ(result_of(report, "gil-threads")["gil_wait_s"].size(), 2u);
    EXPECT_TRUE(result_of(report, "gil-threads")["gil_wait_s"].contains("Thread-1"));
    EXPECT_TRUE(result_of(report, "free-threads")["gil_wait_s"].empty());
    EXPECT_TRUE(check_held(report, "gil-threads: same result as one thread"));
    EXPECT_TRUE(check_held(report, "one-thread-free: same result as one thread"));
    EXPECT_TRUE(check_held(report, "free-threads: same result as one thread"));
    EXPECT_FALSE(is_required(report, "gil-threads: no faster than one thread"));
    EXPECT_FALSE(is_required(report, "free-threads: threads scale with the cores"));
    // Free threads are compared with one free thread: the same work, without the GIL's checks.
    expect_speedups_against(report, "one-thread", {{"free-threads", "one-thread-free"}});
  }
}

TEST(GilExamples, FreeThreadingSplitsTheWorkOverMoreThreads) {
  const json report = run_report({"free-threading", "--threads", "3", "--work-units", "1001",
                                  "--switch-interval", "0.0001", "--repeat", "2"});
  for (const char* v : {"gil-threads", "free-threads"})
    for (std::size_t run = 0; run < 2; ++run) {
      EXPECT_EQ(result_of(report, v, run)["threads"], 3) << v;
      EXPECT_EQ(result_of(report, v, run)["work_units"], 1001) << v;
    }
}

TEST(GilExamples, CountdownReachesZeroOnThreadsAndProcesses) {
  for (const char* method : {"fork", "spawn"}) {
    const json report = run_report({"s.1", "--count", "3000000", "--start-method", method});
    EXPECT_EQ(report["example"]["name"], "gil");
    EXPECT_EQ(report["example"]["lecture"], 0);
    EXPECT_EQ(variant_names(report), (std::vector<std::string>{"one-thread", "two-gil-threads", "two-processes"}));
    EXPECT_EQ(result_of(report, "one-thread")["left"], json::array({0}));
    EXPECT_EQ(result_of(report, "one-thread")["switches"], 0);
    for (const char* v : {"two-gil-threads", "two-processes"}) {
      const json& r = result_of(report, v);
      EXPECT_EQ(r["count"], 3000000) << v;
      EXPECT_EQ(r["workers"], 2) << v;
      EXPECT_EQ(r["left"], json::array({0, 0})) << v;
      EXPECT_TRUE(check_held(report, std::string(v) + ": every countdown reached zero"));
      EXPECT_TRUE(check_held(report, std::string(v) + ": the parts add up to the count"));
    }
    // Each process has a GIL of its own, with nobody to share it.
    EXPECT_EQ(result_of(report, "two-processes")["switches"], 0);
    EXPECT_FALSE(is_required(report, "two-gil-threads: no faster than one thread"));
    expect_speedups_against(report, "one-thread");
  }
}

TEST(GilExamples, AnOddCountIsSplitWithoutLosingOne) {
  const json report = run_report({"gil", "--count", "7"});
  EXPECT_EQ(result_of(report, "two-gil-threads")["left"], json::array({0, 0}));
  EXPECT_TRUE(check_held(report, "two-processes: the parts add up to the count"));
}

// Bad input: one line naming the option, exit 2, nothing run.
void expect_usage_error(const std::vector<std::string>& args, const std::string& mention) {
  const CliResult r = run_concur(args);
  EXPECT_EQ(r.exit_code, 2) << args.back();
  EXPECT_EQ(r.out, "") << "nothing should run for: " << args.back();
  EXPECT_NE(r.err.find(mention), std::string::npos) << r.err;
}

TEST(GilExamples, BadSwitchIntervalIsAUsageError) {
  for (const char* example : {"free-threading", "gil"})
    for (const char* bad : {"0", "-0.005", "abc", "11"})
      expect_usage_error({example, "--switch-interval", bad}, "--switch-interval");
  expect_usage_error({"free-threading", "--threads", "0"}, "--threads");
  expect_usage_error({"free-threading", "--work-units", "0"}, "--work-units");
  expect_usage_error({"gil", "--count", "0"}, "--count");
}

TEST(GilExamples, HelpSaysTheSwitchIntervalIsNotScaled) {
  // Wide enough that the sentence stays on one line (help is wrapped to COLUMNS).
  const CliResult r = run_concur({"free-threading", "--help"}, {{{"COLUMNS", "1000"}}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE((r.out + r.err).find("not scaled by --time-scale"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace concur::test
