// concur::parse_sweep, run_sweep and the sweep's reports (sweep.hpp).
#include <gtest/gtest.h>

#include <concur/core/console.hpp>
#include <concur/harness/example.hpp>
#include <concur/harness/run.hpp>
#include <concur/harness/sweep.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace {

using concur::BadUsage;
using concur::Example;
using concur::Param;
using nlohmann::json;

// "work" takes 1 ms per unit divided among `workers`: the ideal speedup over "one".
Example sweep_sample() {
  auto one = [](concur::Run& run) {
    std::this_thread::sleep_for(std::chrono::milliseconds(8));
    run.check("ran", true);
  };
  auto split = [](concur::Run& run) {
    std::this_thread::sleep_for(std::chrono::milliseconds(8 / run.integer("workers")));
    run.check("ran", run.integer("workers") != 3, "workers = {}", run.integer("workers"));
  };
  return {.id = "99.3", .name = "sample", .title = "Sample", .lecture = 10, .summary = "A test example.",
          .params = {Param::integer("workers", "workers", 2, 1, 8), Param::seconds("hold", "hold", 1, 0, 2),
                     Param::flag("loud", "loud")},
          .variants = {{"one", one}, {"split", split}},
          .baseline = "one"};
}

std::string refusal(std::string_view spec) {
  try {
    concur::parse_sweep(sweep_sample(), spec);
  } catch (const BadUsage& e) {
    return e.what();
  }
  return "";
}

TEST(ParseSweep, ListsAndRanges) {
  EXPECT_EQ(concur::parse_sweep(sweep_sample(), "workers=1..4").values, (std::vector<long long>{1, 2, 3, 4}));
  EXPECT_EQ(concur::parse_sweep(sweep_sample(), "workers=1,2,8").values, (std::vector<long long>{1, 2, 8}));
  EXPECT_EQ(concur::parse_sweep(sweep_sample(), "workers=1,2,8").param, "workers");
}

TEST(ParseSweep, RefusesWhatCannotRunWithAOneLineReason) {
  EXPECT_NE(refusal("workers").find("NAME=V1,V2"), std::string::npos);
  EXPECT_NE(refusal("threads=1..4").find("no whole-number option 'threads' (it has workers)"), std::string::npos);
  EXPECT_NE(refusal("hold=1..2").find("no whole-number option 'hold'"), std::string::npos);
  EXPECT_NE(refusal("workers=4..1").find("no range"), std::string::npos);
  EXPECT_NE(refusal("workers=0..2").find("workers"), std::string::npos) << "0 is out of the option's range";
  EXPECT_NE(refusal("workers=1,x").find("'x' is not a whole number"), std::string::npos);
  EXPECT_NE(refusal("workers=2,2").find("twice"), std::string::npos);
  EXPECT_NE(refusal("workers=1..100").find("more than"), std::string::npos);
  for (std::string_view bad : {"workers", "threads=1..4", "workers=4..1", "workers=1,x"})
    EXPECT_EQ(refusal(bad).find('\n'), std::string::npos) << bad;
}

class SweepRun : public ::testing::Test {
 protected:
  void SetUp() override { concur::Console::get().configure(1, false, false); }
};

TEST_F(SweepRun, EveryPointRunsWithItsValueAndTheReportsCarryThem) {
  const Example e = sweep_sample();
  const concur::SweepOutcome sweep = concur::run_sweep(e, {}, concur::parse_sweep(e, "workers=1,2,3"));
  ASSERT_EQ(sweep.points.size(), 3u);
  EXPECT_TRUE(sweep.counts_workers);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(sweep.points[i].params["workers"], sweep.values[i]);
  EXPECT_FALSE(sweep.ok) << "the check fails at workers = 3";

  const auto series = concur::sweep_series(sweep);
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[1].variant, "split");
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(series[1].speedup[i].has_value());
    EXPECT_GT(series[1].median_s[i], 0);
  }

  const json report = concur::make_sweep_report(sweep);
  EXPECT_EQ(report["sweep"]["param"], "workers");
  EXPECT_EQ(report["sweep"]["values"], (json{1, 2, 3}));
  EXPECT_EQ(report["sweep"]["points"].size(), 3u);
  EXPECT_EQ(report["sweep"]["points"][2]["params"]["workers"], 3);
  EXPECT_EQ(report["ok"], false);
  EXPECT_FALSE(report.contains("variants")) << "per-point figures live in the points";

  const std::string md = concur::make_sweep_markdown(sweep);
  EXPECT_NE(md.find("| workers |"), std::string::npos) << md;
  EXPECT_NE(md.find("`split` speedup"), std::string::npos) << md;
  EXPECT_EQ(std::count(md.begin(), md.end(), '\n'), 5) << "a heading, a rule and a row per value:\n" << md;
}

}  // namespace
