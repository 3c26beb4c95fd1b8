// CLI tests: every example run through the real binary, its claims checked in the JSON,
// and the command line's contract (interface.md): exit codes, errors, colour, purity.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

using nlohmann::json;

TEST(Examples, RaceCountsEveryIncrementItWasGiven) {
  const json report = run_report({"race", "--threads", "3", "--iterations", "20000"});
  EXPECT_EQ(variant_names(report), std::vector<std::string>{"unsynchronized"});
  const json& r = result_of(report, "unsynchronized");
  EXPECT_EQ(r["expected"], 60000);
  EXPECT_EQ(r["actual"].get<long long>() + r["lost"].get<long long>(), 60000);
  EXPECT_LE(r["actual"].get<long long>(), 60000);
  // Not 20000: a thread preempted between its read and its write stores a stale value,
  // wiping out what the others added meanwhile. Two is the least an interleaving can leave.
  EXPECT_GE(r["actual"].get<long long>(), 2);
  ASSERT_EQ(report["checks"].size(), 1u);
  EXPECT_FALSE(report["checks"][0]["required"].get<bool>());  // losing updates is likely, not certain
  EXPECT_EQ(report["params"]["threads"], 3);
  EXPECT_EQ(report["params"]["iterations"], 20000);
  EXPECT_EQ(report["params"]["repeat"], 1);
  EXPECT_DOUBLE_EQ(report["params"]["time_scale"].get<double>(), 0.05);
}

TEST(Examples, LockLosesNothingWithMutexOrAtomic) {
  const json report = run_report({"lock", "--iterations", "20000"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"unsynchronized", "mutex", "atomic"}));
  for (const char* v : {"mutex", "atomic"}) {
    EXPECT_EQ(result_of(report, v)["lost"], 0) << v;
    EXPECT_EQ(result_of(report, v)["actual"], 40000) << v;
  }
  EXPECT_TRUE(check_held(report, "mutex: no update lost"));
  EXPECT_TRUE(check_held(report, "atomic: no update lost"));
  for (const json& v : report["variants"]) {  // compared against the unsynchronized run
    EXPECT_TRUE(v["speedup"].is_number()) << v["name"];
    EXPECT_EQ(v["baseline"], "unsynchronized");
  }
}

TEST(Examples, SemaphoreNeverAdmitsMoreThanItsPermits) {
  const json report = run_report({"semaphore", "--workers", "7", "--permits", "2"});
  const json& r = result_of(report, "semaphore");
  EXPECT_EQ(r["workers"], 7);
  EXPECT_EQ(r["permits"], 2);
  EXPECT_EQ(r["acquired"], 7);
  EXPECT_GE(r["max_concurrent"].get<int>(), 1);
  EXPECT_LE(r["max_concurrent"].get<int>(), 2);
}

TEST(Examples, EventReleasesEveryWaiterAndNobodyEarly) {
  const json report = run_report({"event", "--waiters", "5"});
  const json& r = result_of(report, "event");
  EXPECT_EQ(r["waiters"], 5);
  EXPECT_EQ(r["released"], 5);
  EXPECT_EQ(r["released_before_set"], 0);
}

TEST(Examples, QueuePoolDoesEveryTaskOnce) {
  const json report = run_report({"queue-pool", "--workers", "4", "--tasks", "25"});
  const json& r = result_of(report, "pool");
  EXPECT_EQ(r["tasks"], 25);
  EXPECT_EQ(r["completed"], 25);
  EXPECT_EQ(r["duplicates"], 0);
  int sum = 0;
  for (const auto& [worker, count] : r["per_worker"].items()) {
    EXPECT_TRUE(worker.starts_with("Worker-")) << worker;
    sum += count.get<int>();
  }
  EXPECT_EQ(sum, 25);
  EXPECT_LE(r["per_worker"].size(), 4u);
}

TEST(Examples, EveryExampleRunsByIdWithDefaults) {
  const std::vector<std::pair<std::string, std::string>> ids = {
      {"10.4", "race"}, {"10.5", "lock"}, {"10.6", "semaphore"}, {"10.7", "event"}, {"10.8", "queue-pool"}};
  for (const auto& [id, name] : ids) {
    const json report = run_report({id});
    EXPECT_EQ(report["example"]["id"], id);
    EXPECT_EQ(report["example"]["name"], name);
    EXPECT_EQ(report["example"]["lecture"], 10);
    EXPECT_EQ(report["host"]["os"], "Linux");
    EXPECT_FALSE(report["concur"]["version"].get<std::string>().empty());
  }
}

TEST(Report, RepeatKeepsEveryRunAndSummarises) {
  const json report = run_report({"race", "--iterations", "5000", "--repeat", "3"});
  const json& v = report["variants"][0];
  EXPECT_EQ(v["runs"].size(), 3u);
  EXPECT_EQ(v["wall_s"]["times"].size(), 3u);
  EXPECT_TRUE(v["wall_s"]["stddev"].is_number());
  EXPECT_LE(v["wall_s"]["min"].get<double>(), v["wall_s"]["median"].get<double>());
  EXPECT_LE(v["wall_s"]["median"].get<double>(), v["wall_s"]["max"].get<double>());
  EXPECT_EQ(report["checks"][0]["runs"], 3);
  EXPECT_EQ(report["params"]["repeat"], 3);
}

TEST(Report, SingleRunHasNullStddevAndNullSpeedupWithoutBaseline) {
  const json report = run_report({"event", "--waiters", "1"});
  const json& v = report["variants"][0];
  EXPECT_TRUE(v["wall_s"]["stddev"].is_null());
  EXPECT_TRUE(v["speedup"].is_null());
  EXPECT_FALSE(v.contains("baseline"));
  EXPECT_GT(v["runs"][0]["wall_s"].get<double>(), 0);
  EXPECT_GE(v["runs"][0]["cpu_s"].get<double>(), 0);
}

TEST(Report, JsonToStdoutMovesNarrationToStderr) {
  const CliResult r = run_concur({"semaphore", "--time-scale", "0.01", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_TRUE(json::accept(r.out)) << r.out;
  EXPECT_NE(r.err.find("acquired the semaphore"), std::string::npos);
  EXPECT_NE(r.err.find("summary"), std::string::npos);
}

TEST(Report, JsonToFileLeavesNarrationOnStdout) {
  const auto path = std::filesystem::temp_directory_path() / "concur_cli_test_report.json";
  const CliResult r = run_concur({"event", "--time-scale", "0.01", "--json", path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("passed the event"), std::string::npos);
  std::ifstream in(path);
  const json report = json::parse(in);
  EXPECT_EQ(report["example"]["name"], "event");
  std::filesystem::remove(path);
}

// Bad input: one line on stderr naming the problem, exit 2, nothing run.
void expect_usage_error(const std::vector<std::string>& args, const std::string& mention) {
  const CliResult r = run_concur(args);
  EXPECT_EQ(r.exit_code, 2) << args.back();
  EXPECT_EQ(r.out, "") << "nothing should run for: " << args.back();
  EXPECT_NE(r.err.find(mention), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line, got: " << r.err;
}

TEST(BadInput, NumbersOutOfRangeOrNotNumbers) {
  expect_usage_error({"race", "--threads", "0"}, "--threads");
  expect_usage_error({"race", "--threads", "abc"}, "got 'abc'");
  expect_usage_error({"race", "--iterations", "-5"}, "--iterations");
  expect_usage_error({"lock", "--iterations", "1.5"}, "--iterations");
  expect_usage_error({"race", "--repeat", "0"}, "--repeat");
  expect_usage_error({"race", "--time-scale", "0"}, "--time-scale");
  expect_usage_error({"race", "--time-scale", "-1"}, "--time-scale");
  expect_usage_error({"semaphore", "--hold", "forever"}, "--hold");
  expect_usage_error({"tour", "--time-scale", "abc"}, "--time-scale");
}

TEST(BadInput, UnknownExampleSuggestsTheClosestName) {
  expect_usage_error({"rase"}, "did you mean 'race'");
  expect_usage_error({"semafore"}, "did you mean 'semaphore'");
  expect_usage_error({"zzzzzzzz"}, "concur list");
  expect_usage_error({"lesson", "evnt"}, "did you mean 'event'");
}

TEST(BadInput, StartMethodMustBeOneOfThree) {
  expect_usage_error({"pipe", "--start-method", "vfork"}, "--start-method must be one of fork, spawn, forkserver");
}

TEST(BadInput, UnknownOptionIsAUsageError) {
  expect_usage_error({"race", "--thread", "2"}, "--thread");
}

TEST(BadInput, UnwritableJsonPathFailsBeforeAnythingRuns) {
  expect_usage_error({"semaphore", "--json", "/nonexistent-dir/report.json"}, "/nonexistent-dir/report.json");
}

TEST(Output, ColourOnlyOnATerminalAndNeverWithNoColor) {
  const CliOptions tty{{{"NO_COLOR", std::nullopt}}, true, {}};
  const CliResult coloured = run_concur({"event", "--time-scale", "0.01"}, tty);
  ASSERT_EQ(coloured.exit_code, 0);
  EXPECT_NE(coloured.out.find("\x1b["), std::string::npos);

  const CliOptions no_color_env{{{"NO_COLOR", "1"}}, true, {}};
  const CliResult plain = run_concur({"event", "--time-scale", "0.01"}, no_color_env);
  ASSERT_EQ(plain.exit_code, 0);
  EXPECT_EQ(plain.out.find("\x1b["), std::string::npos);

  const CliResult flag = run_concur({"event", "--time-scale", "0.01", "--no-color"}, tty);
  ASSERT_EQ(flag.exit_code, 0);
  EXPECT_EQ(flag.out.find("\x1b["), std::string::npos);

  const CliResult piped = run_concur({"event", "--time-scale", "0.01"}, {{{"NO_COLOR", std::nullopt}}});
  EXPECT_EQ(piped.out.find("\x1b["), std::string::npos);
}

TEST(Output, NarrationLinesCarryTimeAndActor) {
  const CliResult r = run_concur({"semaphore", "--time-scale", "0.01", "--workers", "4"});
  ASSERT_EQ(r.exit_code, 0);
  const std::regex line(R"(\n  +\+\d+\.\d{3} ms  Worker-\d +acquired the semaphore \(\d/3 in use\))");
  EXPECT_TRUE(std::regex_search(r.out, line)) << r.out;
}

TEST(Output, QuietKeepsOnlyTheSummary) {
  const CliResult r = run_concur({"queue-pool", "--time-scale", "0.01", "--quiet"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find(" ms  Worker-"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("summary"), std::string::npos);
  EXPECT_NE(r.out.find("every task done exactly once"), std::string::npos);
}

TEST(Output, CtrlCStopsTheRunWithStatus130) {
  const CliOptions opts{{}, false, "acquired the semaphore"};
  const CliResult r = run_concur({"semaphore", "--hold", "30"}, opts);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.exit_code, 130);
  EXPECT_NE(r.err.find("interrupted"), std::string::npos);
}

// --trace: the Trace Event Format Perfetto accepts, one named track per worker.
TEST(Trace, SemaphoreTraceParsesNestsAndNamesEveryWorker) {
  const auto path = std::filesystem::temp_directory_path() / "concur_cli_test_trace.json";
  const CliResult r = run_concur({"semaphore", "--time-scale", "0.01", "--quiet", "--trace", path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(path);
  const json trace = json::parse(in);
  std::filesystem::remove(path);
  EXPECT_EQ(trace["displayTimeUnit"], "ms");
  std::map<std::pair<long, long>, std::vector<std::pair<double, double>>> spans;  // per track
  std::map<std::string, int> names;
  int holding = 0, counters = 0;
  for (const json& e : trace["traceEvents"]) {
    ASSERT_TRUE(e["pid"].is_number_integer()) << e.dump();
    ASSERT_TRUE(e["tid"].is_number_integer()) << e.dump();
    if (e["ph"] == "M" && e["name"] == "thread_name") ++names[e["args"]["name"].get<std::string>()];
    if (e["ph"] == "C") ++counters;
    if (e["ph"] != "X") continue;
    ASSERT_TRUE(e["ts"].is_number() && e["dur"].is_number()) << e.dump();
    EXPECT_GE(e["dur"].get<double>(), 0);
    if (e["name"] == "holding semaphore") ++holding;
    const double a = e["ts"].get<double>();
    spans[{e["pid"], e["tid"]}].emplace_back(a, a + e["dur"].get<double>());
  }
  for (int i = 1; i <= 6; ++i) EXPECT_EQ(names["Worker-" + std::to_string(i) + " · semaphore"], 1) << i;
  EXPECT_EQ(holding, 6);
  EXPECT_GT(counters, 0);  // permits in use
  // Spans on one track nest: each starts inside the enclosing one and ends before it does.
  for (auto& [track, list] : spans) {
    std::sort(list.begin(), list.end(), [](auto& x, auto& y) { return x.first < y.first || (x.first == y.first && x.second > y.second); });
    std::vector<double> ends;
    for (const auto& [a, b] : list) {
      while (!ends.empty() && ends.back() <= a) ends.pop_back();
      if (!ends.empty()) { EXPECT_LE(b, ends.back() + 1e-6) << "track " << track.second; }
      ends.push_back(b);
    }
  }
}

TEST(Trace, UnwritableTracePathFailsBeforeAnythingRuns) {
  expect_usage_error({"event", "--trace", "/nonexistent-dir/t.json"}, "--trace");
  expect_usage_error({"event", "--trace", "-"}, "--trace");
  expect_usage_error({"event", "--export-markdown", "/nonexistent-dir/t.md"}, "--export-markdown");
}

TEST(Timeline, DrawnAfterANarratedRunWithRowsAndLegend) {
  const CliResult r = run_concur({"semaphore", "--time-scale", "0.01", "--workers", "4", "--permits", "2"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("█ holding semaphore"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("semaphore in use"), std::string::npos);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(
  Worker-4 +[ ░█─]+
)"))) << r.out;
}

TEST(Timeline, QuietHidesItTimelineForcesItNoTimelineHidesIt) {
  const std::vector<std::string> base = {"event", "--time-scale", "0.01"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_concur(args);
  };
  const std::string legend = "waiting for start signal";
  EXPECT_EQ(with({"--quiet"}).out.find(legend), std::string::npos);
  EXPECT_NE(with({"--quiet", "--timeline"}).out.find(legend), std::string::npos);
  EXPECT_EQ(with({"--no-timeline"}).out.find(legend), std::string::npos);
  expect_usage_error({"event", "--timeline", "--no-timeline"}, "--timeline");
}

TEST(Outcomes, RaceRepeatsGiveAHistogramAndFinishOrders) {
  const json report = run_report({"race", "--iterations", "3000", "--repeat", "6"});
  const json& outcomes = report["variants"][0]["outcomes"];
  const json& lost = outcomes["lost"];
  EXPECT_EQ(lost["kind"], "histogram");
  EXPECT_EQ(lost["runs"], 6);
  long long total = 0;
  for (const json& b : lost["buckets"]) total += b["count"].get<long long>();
  EXPECT_EQ(total, 6);
  long long nonzero = 0;
  for (const json& run : report["variants"][0]["runs"]) nonzero += run["result"]["lost"].get<long long>() > 0;
  EXPECT_EQ(lost["nonzero_runs"], nonzero);
  const json& order = outcomes["finish_order"];
  EXPECT_EQ(order["kind"], "distinct");
  long long orders = 0;
  for (const json& v : order["values"]) {
    EXPECT_EQ(v["value"].size(), 2u);
    orders += v["count"].get<long long>();
  }
  EXPECT_EQ(orders, 6);
  EXPECT_EQ(order["distinct"], order["values"].size());
}

TEST(Outcomes, MarkdownExportIsHyperfinesTableLayout) {
  const auto path = std::filesystem::temp_directory_path() / "concur_cli_test_table.md";
  const CliResult r = run_concur({"lock", "--iterations", "2000", "--repeat", "2", "--quiet", "--export-markdown", path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::filesystem::remove(path);
  ASSERT_EQ(lines.size(), 5u);
  // "Work Median" when every variant reported its work time (lock does: the counted round).
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(\| Variant \| (Work )?Median \[(s|ms|µs)\] \| Min \[\2\] \| Max \[\2\] \| Speedup \|)"))) << lines[0];
  EXPECT_EQ(lines[1], "|:---|---:|---:|---:|---:|");
  EXPECT_TRUE(std::regex_match(lines[2], std::regex(R"(\| `unsynchronized` \| [0-9.]+ ± [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| 1\.00 \|)"))) << lines[2];
  EXPECT_EQ(lines[3].rfind("| `mutex` |", 0), 0u);
  EXPECT_EQ(lines[4].rfind("| `atomic` |", 0), 0u);
}

TEST(Commands, OneLineAnswersToCommonSlips) {
  expect_usage_error({"race", "--json", "a.json", "--json", "b.json"}, "--json was given twice ('a.json' and 'b.json')");
  expect_usage_error({"10.44"}, "did you mean '10.4'?");
  expect_usage_error({"rcae"}, "did you mean 'race'?");
  expect_usage_error({"hint"}, "hint needs the exercise it is for: concur hint NAME (exercises: ");
  expect_usage_error({"primes", "--sweep", "workers=1..3", "--workers", "2"}, "--sweep workers=1..3 and --workers 2");
  expect_usage_error({"primes", "--sweep", "wrokers=1..3"}, "no whole-number option 'wrokers'");
  expect_usage_error({"primes", "--sweep", "workers=1..3", "--trace", "t.json"}, "--trace records one run");
}

TEST(Commands, HelpListsTheCommonOptions) {
  const CliResult r = run_concur({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* option : {"--json PATH", "--html PATH", "--sweep NAME=VALUES", "--repeat N", "--quiet"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option << " in:\n" << r.out;
  // A built-in command's help shows its own options, not the examples' (check takes no --trace).
  const CliResult check = run_concur({"check", "--help"});
  EXPECT_EQ(check.exit_code, 0);
  EXPECT_NE(check.out.find("--runs N"), std::string::npos) << check.out;
  EXPECT_EQ(check.out.find("--trace"), std::string::npos) << check.out;
}

TEST(Commands, QuietMeansTheSummaryOnly) {
  const CliResult r = run_concur({"lock", "--quiet", "--iterations", "1000"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find("Correct, but"), std::string::npos) << "no explanation under --quiet:\n" << r.out;
  EXPECT_NE(r.out.find("── checks ──"), std::string::npos);
}

TEST(Commands, BareConcurListsExamplesByLecture) {
  const CliResult r = run_concur({});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Lecture 10"), std::string::npos);
  for (const char* name : {"race", "lock", "semaphore", "event", "queue-pool"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
}

TEST(Commands, ListJsonIsTheCatalogueInOrder) {
  const CliResult r = run_concur({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  const json cat = json::parse(r.out);
  EXPECT_EQ(cat["schema"], "concur.catalogue/1");
  std::vector<std::string> ids;
  for (const json& e : cat["examples"]) {
    ids.push_back(e["id"]);
    for (const char* key : {"aliases", "name", "lecture", "title", "summary", "source", "lesson"})
      EXPECT_TRUE(e.contains(key)) << key;
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(CONCUR_SOURCE_DIR) / e["source"].get<std::string>()));
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(CONCUR_SOURCE_DIR) / e["lesson"].get<std::string>()));
  }
  // Every example of catalogue.md, in its order: 50 examples, 53 ids with the aliases.
  EXPECT_EQ(ids, (std::vector<std::string>{"9.1",   "9.2",   "9.3",   "9.4",   "10.1",  "10.2", "10.3", "10.4", "10.5",
                                           "10.6",  "10.7",  "10.8",  "10.9",  "10.10", "10.11", "10.12", "10.13",
                                           "11.2",  "11.3",  "11.6",  "11.7",  "11.8", "11.9", "11.10", "11.11",
                                           "11.12", "11.13", "s.1",   "s.2",   "s.3",  "s.4",  "s.5",  "s.6",
                                           "s.7",   "s.8",   "s.9",   "s.10",  "s.11", "s.12", "s.13",
                                           "s.14",  "s.15",  "s.16",  "s.17",  "s.18", "s.19", "s.20", "s.21",
                                           "s.22",  "s.23"}));
  std::size_t aliases = 0;
  for (const json& e : cat["examples"]) aliases += e["aliases"].size();
  EXPECT_EQ(ids.size() + aliases, 53u);
}

TEST(Commands, ListTableShowsEveryExample) {
  const CliResult r = run_concur({"list"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("10.8"), std::string::npos);
  EXPECT_NE(r.out.find("queue-pool"), std::string::npos);
}

TEST(Commands, Version) {
  const CliResult r = run_concur({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("0.1.0"), std::string::npos);
}

TEST(Commands, LessonAndShowByNameAndId) {
  const CliResult lesson = run_concur({"lesson", "10.4"});
  ASSERT_EQ(lesson.exit_code, 0) << lesson.err;
  EXPECT_NE(lesson.out.find("# 10.4"), std::string::npos);
  EXPECT_GT(std::count(lesson.out.begin(), lesson.out.end(), ' '), 150);  // at least ~150 words

  const CliResult show = run_concur({"show", "semaphore"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("demos/lecture10/semaphore.cpp"), std::string::npos);
  EXPECT_NE(show.out.find("   1  "), std::string::npos);  // numbered lines
  EXPECT_NE(show.out.find("acquire()"), std::string::npos);
}

// A demo in two files (pool.cpp and its companion pool.failures.cpp): show prints both, the
// main one first.
TEST(Commands, ShowPrintsADemosCompanionFilesAfterIt) {
  const CliResult show = run_concur({"show", "pool"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const std::size_t main_file = show.out.find("demos/lecture11/pool.cpp");
  const std::size_t companion = show.out.find("demos/lecture11/pool.failures.cpp");
  ASSERT_NE(main_file, std::string::npos) << show.out;
  ASSERT_NE(companion, std::string::npos) << show.out;
  EXPECT_LT(main_file, companion);
  EXPECT_NE(show.out.find("void kill_a_pool_worker(Run& run) {"), std::string::npos);
}

TEST(Commands, HelpOfAnExampleListsItsOptions) {
  const CliResult r = run_concur({"semaphore", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--workers", "--permits", "--hold", "--json", "--repeat", "--time-scale", "--quiet"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

TEST(Commands, TourWalksOneExamplePerSectionOfTheCourse) {
  const CliResult r = run_concur({"tour", "--time-scale", "0.02", "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::size_t at = 0;
  for (const char* name : {"concur threading", "concur race", "concur lock", "concur semaphore", "concur event",
                           "concur queue-pool", "concur scraper", "concur process", "concur process-lock",
                           "concur primes", "concur deadlock", "concur safe-print"}) {
    at = r.out.find(name, at);  // in this order
    EXPECT_NE(at, std::string::npos) << name;
  }
  EXPECT_NE(r.out.find("tour 12/12"), std::string::npos);
  for (const char* section : {"Lecture 9:", "Lecture 10:", "Lecture 11:", "supplementary notes"})
    EXPECT_NE(r.out.find(section), std::string::npos) << section;
}

}  // namespace
}  // namespace concur::test
