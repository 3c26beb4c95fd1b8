// concur::make_report: the JSON report's shape (interface.md), and the text helpers
// format_seconds and wrap_text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <concur/harness/example.hpp>
#include <concur/harness/report.hpp>
#include <concur/harness/run.hpp>
#include <concur/harness/runner.hpp>

#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using concur::Example;
using concur::Outcome;
using concur::Param;
using nlohmann::json;

Example sample(std::string baseline = "") {
  auto body = [](concur::Run& run) {
    run.result("threads", run.integer("threads"));
    run.check("always holds", true, "fine");
    run.likely("never holds", false, "as expected");
  };
  return {
      .id = "99.2",
      .name = "sample",
      .title = "Sample",
      .lecture = 10,
      .summary = "A test example.",
      .params = {Param::integer("threads", "threads", 2, 1, 64)},
      .variants = {{"plain", body}, {"locked", body}},
      .baseline = std::move(baseline),
  };
}

std::set<std::string> keys(const json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

TEST(Report, HasExactlyTheTopLevelKeys) {
  const Example e = sample();
  const json r = concur::make_report(concur::run_example(e, {}));
  EXPECT_EQ(keys(r), (std::set<std::string>{"schema", "concur", "host", "run", "example", "params",
                                            "variants", "checks", "ok"}));
  EXPECT_EQ(r["schema"], "concur.report/2");
  EXPECT_EQ(r["schema"], std::string(concur::kReportSchema));
  EXPECT_EQ(keys(r["concur"]), (std::set<std::string>{"version", "git_revision"}));
  EXPECT_EQ(r["concur"]["version"], std::string(concur::version()));
  EXPECT_EQ(r["concur"]["git_revision"], std::string(concur::git_revision()));
  EXPECT_EQ(r["ok"], true);
}

TEST(Report, HostDescribesTheMachineAndBuild) {
  const Example e = sample();
  const json r = concur::make_report(concur::run_example(e, {}));
  const json& host = r["host"];
  EXPECT_EQ(keys(host), (std::set<std::string>{"os", "kernel", "cpus", "compiler", "build_type"}));
  EXPECT_TRUE(host["os"].is_string());
  EXPECT_TRUE(host["cpus"].is_number_integer());
  EXPECT_GE(host["cpus"].get<int>(), 1);
  EXPECT_TRUE(host["compiler"].is_string());
  EXPECT_TRUE(host["build_type"].is_string());
  EXPECT_EQ(host, concur::host_json());
}

TEST(Report, RunSaysWhenAndHowItRan) {
  const Example e = sample();
  concur::set_command_line({"concur", "sample", "--threads", "2"});
  const json r = concur::make_report(concur::run_example(e, {}));
  EXPECT_EQ(keys(r["run"]), (std::set<std::string>{"started_at", "command_line", "command", "start_method"}));
  EXPECT_THAT(r["run"]["started_at"].get<std::string>(),
              ::testing::MatchesRegex("20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}Z"));
  EXPECT_EQ(r["run"]["command_line"], (json{"concur", "sample", "--threads", "2"}));
  EXPECT_EQ(r["run"]["command"], "concur sample --threads 2");
  EXPECT_EQ(r["run"]["start_method"], "fork");
}

TEST(Report, ParameterKeysAreSnakeCase) {
  EXPECT_EQ(concur::report_key("kill-worker"), "kill_worker");
  EXPECT_EQ(concur::report_key("time_scale"), "time_scale");
  EXPECT_EQ(concur::report_key("threads"), "threads");
}

TEST(Report, ExampleAndParams) {
  const Example e = sample();
  const json r = concur::make_report(concur::run_example(e, {.repeat = 2, .time_scale = 0.5}));
  EXPECT_EQ(r["example"],
            (json{{"id", "99.2"}, {"name", "sample"}, {"title", "Sample"}, {"lecture", 10}}));
  EXPECT_EQ(r["params"], (json{{"threads", 2}, {"repeat", 2}, {"time_scale", 0.5}}));
}

TEST(Report, VariantsCarryRunsAndAWallSummary) {
  const Example e = sample();
  const json r = concur::make_report(concur::run_example(e, {.repeat = 3}));
  ASSERT_TRUE(r["variants"].is_array());
  ASSERT_EQ(r["variants"].size(), 2u);
  EXPECT_EQ(r["variants"][0]["name"], "plain");
  EXPECT_EQ(r["variants"][1]["name"], "locked");
  for (const json& v : r["variants"]) {
    EXPECT_EQ(keys(v), (std::set<std::string>{"name", "runs", "wall_s", "speedup", "free_cores"}));
    ASSERT_EQ(v["runs"].size(), 3u);
    for (const json& run : v["runs"]) {
      EXPECT_EQ(keys(run), (std::set<std::string>{"wall_s", "cpu_s", "children_cpu_s", "host_busy_cores", "result"}));
      EXPECT_LE(run["children_cpu_s"].get<double>(), run["cpu_s"].get<double>());
      EXPECT_GE(run["host_busy_cores"].get<double>(), 0.0);
      EXPECT_LE(run["host_busy_cores"].get<double>(), r["host"]["cpus"].get<double>());
      EXPECT_TRUE(run["wall_s"].is_number());
      EXPECT_TRUE(run["cpu_s"].is_number());
      EXPECT_EQ(run["result"], (json{{"threads", 2}}));
    }
    const json& wall = v["wall_s"];
    EXPECT_EQ(keys(wall), (std::set<std::string>{"min", "median", "max", "mean", "stddev", "times"}));
    ASSERT_EQ(wall["times"].size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(wall["times"][i], v["runs"][i]["wall_s"]);
    EXPECT_LE(wall["min"].get<double>(), wall["median"].get<double>());
    EXPECT_LE(wall["median"].get<double>(), wall["max"].get<double>());
    EXPECT_TRUE(v["speedup"].is_null());
  }
}

TEST(Report, StddevIsNullAfterOneRunAndANumberAfterSeveral) {
  const Example e = sample();
  const json one = concur::make_report(concur::run_example(e, {.repeat = 1}));
  const json three = concur::make_report(concur::run_example(e, {.repeat = 3}));
  for (const json& v : one["variants"]) EXPECT_TRUE(v["wall_s"]["stddev"].is_null());
  for (const json& v : three["variants"]) EXPECT_TRUE(v["wall_s"]["stddev"].is_number());
}

TEST(Report, ChecksCarryNameOkRequiredAndDetail) {
  const Example e = sample();
  const json r = concur::make_report(concur::run_example(e, {}));
  ASSERT_EQ(r["checks"].size(), 4u);
  for (const json& c : r["checks"])
    for (const char* key : {"name", "ok", "required", "detail"}) EXPECT_TRUE(c.contains(key)) << key;
  EXPECT_EQ(r["checks"][0]["name"], "plain: always holds");
  EXPECT_EQ(r["checks"][0]["ok"], true);
  EXPECT_EQ(r["checks"][0]["required"], true);
  EXPECT_EQ(r["checks"][0]["detail"], "fine");
  EXPECT_EQ(r["checks"][1]["name"], "plain: never holds");
  EXPECT_EQ(r["checks"][1]["ok"], false);
  EXPECT_EQ(r["checks"][1]["required"], false);
  EXPECT_EQ(r["ok"], true);  // only a likely() claim failed
}

TEST(Report, OkIsFalseWhenARequiredCheckFailed) {
  Example e = sample();
  e.variants.push_back({"broken", [](concur::Run& run) { run.check("must hold", false); }});
  const json r = concur::make_report(concur::run_example(e, {}));
  EXPECT_EQ(r["ok"], false);
}

TEST(Report, BaselineKeyOnlyWhenCompared) {
  const Example plain = sample();
  const json uncompared = concur::make_report(concur::run_example(plain, {}));
  for (const json& v : uncompared["variants"]) {
    EXPECT_FALSE(v.contains("baseline"));
    EXPECT_TRUE(v["speedup"].is_null());
  }
  const Example compared = sample("plain");
  const json r = concur::make_report(concur::run_example(compared, {}));
  for (const json& v : r["variants"]) {
    EXPECT_EQ(v["baseline"], "plain");
    EXPECT_TRUE(v["speedup"].is_number());
  }
  EXPECT_DOUBLE_EQ(r["variants"][0]["speedup"].get<double>(), 1.0);
}

TEST(Report, ASpeedupAboveTheCoresIsCalledALoadChangeNotASpeedup) {
  Outcome out;
  concur::VariantOutcome base, same;
  base.name = "one", base.workers = 2, base.free_cores = 0.5;
  same.name = "two", same.workers = 2, same.free_cores = 1.5, same.baseline = "one";
  same.speedup = 1.30;  // two workers against two: the same cores, so at most ~1x
  out.variants = {base, same};
  const std::optional<std::string> why = concur::speedup_beyond_cores(out, out.variants[1]);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("two's 1.30× is more than 2 cores can give one's work"), std::string::npos) << *why;
  EXPECT_NE(why->find("The load changed between them"), std::string::npos) << *why;
  out.variants[1].speedup = 1.04;  // within the noise
  EXPECT_FALSE(concur::speedup_beyond_cores(out, out.variants[1]).has_value());
  out.variants[1].workers.reset();  // no worker count: nothing to bound it by
  out.variants[1].speedup = 9.0;
  EXPECT_FALSE(concur::speedup_beyond_cores(out, out.variants[1]).has_value());
}

TEST(Report, AThrowingVariantReportsItsError) {
  Example e = sample();
  e.variants.push_back({"thrower", [](concur::Run&) { throw std::runtime_error("boom"); }});
  const json r = concur::make_report(concur::run_example(e, {}));
  EXPECT_EQ(r["variants"][2]["error"], "boom");
  EXPECT_FALSE(r["variants"][0].contains("error"));
  EXPECT_EQ(r["ok"], false);
}

TEST(FormatSeconds, ThreeSignificantDigitsInAFittingUnit) {
  EXPECT_EQ(concur::format_seconds(0.0021), "2.10 ms");
  EXPECT_EQ(concur::format_seconds(0.000431), "431 µs");
  EXPECT_EQ(concur::format_seconds(1.52), "1.52 s");
  EXPECT_EQ(concur::format_seconds(12.5), "12.5 s");
  EXPECT_EQ(concur::format_seconds(0.0425), "42.5 ms");
  EXPECT_EQ(concur::format_seconds(0.000002), "2.00 µs");
  EXPECT_EQ(concur::format_seconds(5e-9), "5.00 ns");
}

TEST(FormatSeconds, RoundingUpMovesToTheNextUnitOrFewerDecimals) {
  // Still three significant digits when rounding carries into another digit.
  EXPECT_EQ(concur::format_seconds(0.0099999), "10.0 ms");
  EXPECT_EQ(concur::format_seconds(0.099999), "100 ms");
  EXPECT_EQ(concur::format_seconds(0.99999), "1.00 s");
  EXPECT_EQ(concur::format_seconds(0.00099999), "1.00 ms");
}

TEST(WrapText, LinesFitTheWidthAndCarryTheIndent) {
  const std::string text =
      "At most three workers were inside at once, so six workers went through in two "
      "waves of at most three: about two times the hold time.";
  constexpr std::size_t kIndent = 4, kWidth = 30;
  const std::string wrapped = concur::wrap_text(text, kIndent, kWidth);
  EXPECT_NE(wrapped.back(), '\n');
  std::istringstream lines(wrapped);
  std::string line, rejoined;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_LE(line.size(), kWidth) << line;
    EXPECT_EQ(line.rfind(std::string(kIndent, ' '), 0), 0u) << line;
    EXPECT_NE(line[kIndent], ' ') << line;
    if (!rejoined.empty()) rejoined += ' ';
    rejoined += line.substr(kIndent);
  }
  EXPECT_GT(count, 1);
  EXPECT_EQ(rejoined, text);  // every word kept, in order
}

TEST(WrapText, ShortTextIsOneIndentedLine) {
  EXPECT_EQ(concur::wrap_text("two  words", 2, 80), "  two words");
  EXPECT_EQ(concur::wrap_text("", 2, 80), "");
}

}  // namespace
