// CLI tests of the coroutine examples (issue 16): 9.4 coroutines, s.14 async-gather,
// s.15 async-blocking, s.16 coroutines-vs-threads, s.17 async-queue and the scraper's
// coroutine variant, through the real binary: results, checks, the actor column, the
// timeline's rows and the trace's tracks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

TEST(Coroutines, TheIoBatchOverlapsOnOneThread) {
  const json report = run_report({"coroutines", "--tasks", "5"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"io-bound", "cpu-bound"}));
  const json& io = result_of(report, "io-bound");
  EXPECT_EQ(io["tasks"], 5);
  EXPECT_EQ(io["threads_used"], 1);
  EXPECT_TRUE(check_held(report, "io-bound: every task ran on the loop's thread"));
  EXPECT_TRUE(check_held(report, "io-bound: every task's answer is right"));
  EXPECT_TRUE(check_held(report, "cpu-bound: CPU-bound tasks ran one after another"));
  EXPECT_EQ(report["example"]["id"], "9.4");
}

TEST(Coroutines, TheActorColumnNamesEachCoroutineAndItsThread) {
  const CliResult r = run_concur({"9.4", "--variant", "io-bound", "--tasks", "3", "--time-scale", "0.05"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* actor : {"Task-1@MainThread", "Task-2@MainThread", "Task-3@MainThread"})
    EXPECT_NE(r.out.find(actor), std::string::npos) << actor << "\n" << r.out;
}

TEST(Coroutines, TheTimelineHasARowPerCoroutine) {
  const CliResult r = run_concur({"coroutines", "--variant", "io-bound", "--tasks", "3", "--time-scale", "0.05",
                                  "--timeline", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* row : {"Task-1@MainThread", "Task-2@MainThread", "Task-3@MainThread", "MainThread"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
}

TEST(Coroutines, TheTraceGivesEachCoroutineANestedTrackOfItsOwn) {
  const auto path = std::filesystem::temp_directory_path() / "concur_coroutines_trace.json";
  const CliResult r = run_concur({"async-queue", "--time-scale", "0.1", "--quiet", "--trace", path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(path);
  const json trace = json::parse(in);
  std::filesystem::remove(path);
  std::map<std::string, long> tid_of;
  std::map<long, std::vector<std::pair<double, double>>> spans;
  for (const json& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") tid_of[e["args"]["name"]] = e["tid"];
    if (e["ph"] == "X") spans[e["tid"]].emplace_back(e["ts"].get<double>(), e["ts"].get<double>() + e["dur"].get<double>());
  }
  std::set<long> tids;
  for (const char* who : {"Producer", "Consumer", "Ticker"}) {
    const std::string name = std::string(who) + " (coroutine on MainThread) · producer-consumer";
    ASSERT_TRUE(tid_of.contains(name)) << name;
    tids.insert(tid_of[name]);
    EXPECT_FALSE(spans[tid_of[name]].empty()) << name;
  }
  EXPECT_EQ(tids.size(), 3u);  // three tracks, although one thread ran them all
  for (auto& [tid, list] : spans) {  // a coroutine's turns and waits never overlap
    if (tid < (1L << 30)) continue;
    std::sort(list.begin(), list.end());
    for (std::size_t i = 1; i < list.size(); ++i) EXPECT_LE(list[i - 1].second, list[i].first + 1e-3) << tid;
  }
}

TEST(AsyncGather, GatheredTakesTheLongestOneByOneTheSum) {
  const json report = run_report({"async-gather", "--count", "4"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"one-by-one", "gathered"}));
  const json& one = result_of(report, "one-by-one");
  const json& all = result_of(report, "gathered");
  EXPECT_EQ(all["waits_s"].size(), 4u);
  EXPECT_GE(one["total_s"].get<double>(), one["sum_s"].get<double>());
  EXPECT_TRUE(check_held(report, "one-by-one: one by one, the waits add up"));
  EXPECT_TRUE(check_held(report, "gathered: every coroutine waited its full time"));
  EXPECT_TRUE(all.contains("total_over_longest"));
}

TEST(AsyncBlocking, BlockingStallsTheOthersOffloadingDoesNot) {
  const json report = run_report({"async-blocking"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"blocking", "offloaded"}));
  const json& blocked = result_of(report, "blocking");
  EXPECT_GE(blocked["late_ms"].get<double>(), blocked["block_ms"].get<double>() - blocked["tick_ms"].get<double>());
  EXPECT_EQ(blocked["worst_late_ms"].size(), 3u);
  EXPECT_TRUE(check_held(report, "blocking: a blocked loop makes the other coroutines late"));
  EXPECT_TRUE(result_of(report, "offloaded").contains("late_ms"));
  const json cpu = run_report({"async-blocking", "--work", "cpu", "--variant", "blocking"});
  EXPECT_TRUE(check_held(cpu, "blocking: a blocked loop makes the other coroutines late"));
}

TEST(AsyncBlocking, ABlockShorterThanTwoTicksIsAUsageError) {
  const CliResult r = run_concur({"async-blocking", "--block", "0.05", "--tick", "0.05"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--block must be at least twice --tick"), std::string::npos) << r.err;
}

TEST(AsyncQueue, EveryItemOnceInOrder) {
  const json report = run_report({"async-queue", "--items", "12", "--capacity", "3"});
  const json& r = result_of(report, "producer-consumer");
  EXPECT_EQ(r["consumed"], 12);
  EXPECT_EQ(r["capacity"], 3);
  EXPECT_GT(r["ticks"].get<int>(), 0);
  EXPECT_TRUE(check_held(report, "every item was consumed once, in order"));
}

TEST(CoroutinesVsThreads, BothSidesAreMeasuredAndCompared) {
  const json report = run_report({"coroutines-vs-threads", "--units", "300"});
  for (const char* v : {"threads", "coroutines"}) {
    const json& r = result_of(report, v);
    EXPECT_EQ(r["units"], 300) << v;
    EXPECT_GT(r["start_us_per_unit"].get<double>(), 0) << v;
    EXPECT_TRUE(r["rss_bytes_per_unit"].is_number()) << v;
  }
  EXPECT_TRUE(result_of(report, "coroutines")["memory_ratio"].is_number());
  EXPECT_TRUE(result_of(report, "coroutines")["start_ratio"].is_number());
}

TEST(Scraper, CoroutinesDownloadEveryPageInOrderWithinTheirBound) {
  const json report = run_report({"scraper", "--variant", "coroutines", "--urls", "9", "--concurrency", "3", "--bytes", "777"});
  const json& r = result_of(report, "coroutines");
  EXPECT_EQ(r["ok"], 9);
  EXPECT_EQ(r["bytes"], 9 * 777);
  for (std::size_t i = 0; i < 9; ++i)
    EXPECT_TRUE(r["per_url"][i]["url"].get<std::string>().ends_with("/page/" + std::to_string(i + 1)));
  EXPECT_GE(r["server_max_in_flight"].get<int>(), 1);
  EXPECT_LE(r["server_max_in_flight"].get<int>(), 3);  // the semaphore's bound
  const json one = run_report({"scraper", "--variant", "coroutines", "--urls", "4", "--concurrency", "1"});
  EXPECT_EQ(result_of(one, "coroutines")["server_max_in_flight"], 1);
}

TEST(Scraper, CoroutinesReportAnUnreachableOrHttpsUrlPerPage) {
  const json report = run_report({"scraper", "--variant", "coroutines", "--url", "http://127.0.0.1:1/a",
                                  "--url", "https://127.0.0.1:1/b"});
  const json& r = result_of(report, "coroutines");
  EXPECT_EQ(r["ok"], 0);
  EXPECT_NE(r["per_url"][0]["error"].get<std::string>().find("connecting"), std::string::npos) << r;
  EXPECT_EQ(r["per_url"][1]["error"], "the coroutine client speaks http:// only (no TLS)");
}

}  // namespace
}  // namespace concur::test
