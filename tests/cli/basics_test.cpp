// CLI tests of the first examples: Lecture 9's batch run sequentially, on threads and on
// processes (9.1-9.3), and the thread basics of Lecture 10 (10.1-10.3). Each runs through
// the real binary with short sleeps; the tests assert counts, keys and the required
// checks, never how long anything took.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

const std::vector<std::string> kBatchVariants = {"io-bound", "cpu-bound"};

// What every Lecture 9 run reports for each batch, however it ran the tasks.
void expect_batch(const json& report, int tasks) {
  EXPECT_EQ(variant_names(report), kBatchVariants);
  for (const std::string& v : kBatchVariants) {
    const json& r = result_of(report, v);
    EXPECT_EQ(r["tasks"], tasks) << v;
    ASSERT_EQ(r["task_s"].size(), static_cast<std::size_t>(tasks)) << v;
    double sum = 0, longest = 0;
    for (const json& t : r["task_s"]) {
      EXPECT_GT(t.get<double>(), 0) << v;
      sum += t.get<double>();
      longest = std::max(longest, t.get<double>());
    }
    EXPECT_NEAR(r["sum_task_s"].get<double>(), sum, 1e-6) << v;
    EXPECT_NEAR(r["longest_task_s"].get<double>(), longest, 1e-6) << v;
    for (const char* key : {"batch_s", "cpu_s", "busy_cores", "cores", "sequential_s", "speedup_vs_sequential"})
      EXPECT_TRUE(r[key].is_number()) << v << " " << key;
    EXPECT_TRUE(check_held(report, v + ": every task ran exactly once"));
    EXPECT_TRUE(check_held(report, v + ": every task's answer is right"));
  }
}

TEST(Lecture09, SequentialRunsEveryTaskOnceAndTakesAtLeastTheirSum) {
  for (const char* id : {"sequential", "9.1"}) {
    const json report = run_report({id, "--tasks", "3", "--work", "5"});
    EXPECT_EQ(report["example"]["name"], "sequential");
    EXPECT_EQ(report["example"]["lecture"], 9);
    EXPECT_EQ(report["params"]["tasks"], 3);
    EXPECT_EQ(report["params"]["work"], 5);
    expect_batch(report, 3);
    for (const std::string& v : kBatchVariants) {
      const json& r = result_of(report, v);
      EXPECT_GE(r["batch_s"].get<double>(), r["sum_task_s"].get<double>()) << v;
      EXPECT_TRUE(check_held(report, v + ": the batch took at least the sum of its task times"));
    }
  }
}

TEST(Lecture09, ThreadingRunsEveryTaskOnceOnItsOwnThread) {
  const json report = run_report({"threading", "--tasks", "5", "--work", "5"});
  EXPECT_EQ(report["example"]["id"], "9.2");
  expect_batch(report, 5);
}

TEST(Lecture09, MultiprocessingWorksUnderEveryStartMethodAndTimesBothStarts) {
  for (const std::string method : {"fork", "spawn", "forkserver"}) {
    const json report = run_report({"multiprocessing", "--tasks", "3", "--work", "5", "--start-method", method});
    EXPECT_EQ(report["params"]["start_method"], method);
    expect_batch(report, 3);
    for (const std::string& v : kBatchVariants) {
      const json& r = result_of(report, v);
      EXPECT_GT(r["process_start_ms"].get<double>(), 0) << method << " " << v;
      EXPECT_GT(r["thread_start_ms"].get<double>(), 0) << method << " " << v;
      EXPECT_TRUE(check_held(report, v + ": every child exited with 0")) << method;
    }
  }
  EXPECT_EQ(run_report({"9.3", "--tasks", "1", "--work", "1"})["example"]["name"], "multiprocessing");
}

TEST(Lecture09, BadBatchOptionsAreRefusedOnOneLine) {
  for (const auto& [option, value] : std::vector<std::pair<std::string, std::string>>{
           {"--tasks", "0"}, {"--work", "lots"}, {"--io-seconds", "-1"}}) {
    const CliResult r = run_concur({"sequential", option, value});
    EXPECT_EQ(r.exit_code, 2) << option;
    EXPECT_EQ(r.out, "") << option;
    EXPECT_NE(r.err.find(option), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(Lecture10, ThreadBasicsShowsTheDocumentedValues) {
  for (const char* id : {"thread-basics", "10.1"}) {
    const json report = run_report({id, "--patience", "0.2"});
    EXPECT_EQ(report["example"]["name"], "thread-basics");
    EXPECT_EQ(variant_names(report), std::vector<std::string>{"thread"});
    const json& r = result_of(report, "thread");
    EXPECT_EQ(r["alive_before_start"], false);
    EXPECT_EQ(r["alive_after_start"], true);
    EXPECT_EQ(r["alive_after_join"], false);
    EXPECT_EQ(r["timed_join_returned"], false);
    EXPECT_EQ(r["final_join_returned"], true);
    EXPECT_EQ(r["names"]["main"], "MainThread");
    EXPECT_EQ(r["names"]["worker"], "Worker");
    EXPECT_EQ(r["names"]["inside_worker"], "Worker");
    EXPECT_EQ(r["names"]["unnamed"], "Thread-1 (task)");
    EXPECT_NE(r["idents"]["main"], r["idents"]["worker"]);
    EXPECT_EQ(r["daemon"]["worker"], false);
    EXPECT_EQ(r["daemon"]["unnamed"], true);
    EXPECT_EQ(report["checks"].size(), 7u);
    for (const json& c : report["checks"]) EXPECT_TRUE(c["ok"].get<bool>()) << c["name"];
  }
}

TEST(Lecture10, ThreadBasicsRefusesANegativePatience) {
  const CliResult r = run_concur({"thread-basics", "--patience", "-0.5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--patience"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Lecture10, ThreadSubclassKeepsEachWorkersStateItsOwn) {
  const json report = run_report({"10.2", "--workers", "4", "--items", "3"});
  EXPECT_EQ(report["example"]["name"], "thread-subclass");
  const json& r = result_of(report, "subclass");
  EXPECT_EQ(r["workers"], 4);
  EXPECT_EQ(r["items_per_worker"], 3);
  EXPECT_EQ(r["total"], 650);  // 1^2 + ... + 12^2
  EXPECT_EQ(r["expected_total"], 650);
  ASSERT_EQ(r["per_worker"].size(), 4u);
  std::set<long long> numbers;
  for (int k = 1; k <= 4; ++k) {
    const json& w = r["per_worker"]["Collector-" + std::to_string(k)];
    ASSERT_EQ(w["numbers"].size(), 3u) << k;
    long long sum = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      const long long n = w["numbers"][i];
      EXPECT_EQ(n % 4, k % 4) << "dealt to Collector-" << k;
      EXPECT_EQ(w["squares"][i], n * n);
      EXPECT_TRUE(numbers.insert(n).second) << n << " held by two workers";
      sum += n * n;
    }
    EXPECT_EQ(w["sum"], sum);
  }
  EXPECT_TRUE(check_held(report, "each worker's state is its own"));
  EXPECT_TRUE(check_held(report, "together they squared every number once"));
}

TEST(Lecture10, ThreadLocalCountsArePrivateAndAddUp) {
  const json report = run_report({"thread-local", "--threads", "4", "--calls", "2"});
  EXPECT_EQ(report["example"]["id"], "10.3");
  const json& r = result_of(report, "thread-local");
  EXPECT_EQ(r["threads"], 4);
  for (int k = 1; k <= 4; ++k) EXPECT_EQ(r["per_thread"]["Visitor-" + std::to_string(k)], 2 * k);
  EXPECT_EQ(r["expected_total"], 20);
  EXPECT_EQ(r["shared_total"], 20);
  EXPECT_EQ(r["latecomer_first_visit"], 1);
  EXPECT_TRUE(check_held(report, "each thread saw only its own values"));
  EXPECT_TRUE(check_held(report, "the totals add up"));
  EXPECT_TRUE(check_held(report, "a new thread's copy starts fresh"));
}

TEST(Lecture10, ThreadLocalStaysPrivateOverRepeatedRuns) {
  // The runs share the main thread and the process; each run's threads start afresh.
  const json report = run_report({"thread-local", "--threads", "2", "--calls", "3", "--repeat", "3"});
  for (std::size_t i = 0; i < 3; ++i) {
    const json& r = result_of(report, "thread-local", i);
    EXPECT_EQ(r["shared_total"], 9) << i;
    EXPECT_EQ(r["latecomer_first_visit"], 1) << i;
  }
}

}  // namespace
}  // namespace concur::test
