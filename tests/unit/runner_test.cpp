// concur::run_example and concur::Run: repeats, parameters, checks and their merging, a
// body that throws, speedups against a baseline, and scaled durations.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include <concur/harness/example.hpp>
#include <concur/harness/run.hpp>
#include <concur/harness/runner.hpp>
#include <concur/threads/thread.hpp>
#include <concur/core/timeline.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using concur::Example;
using concur::Outcome;
using concur::Param;
using concur::RunOptions;
using concur::Variant;
using nlohmann::json;
using namespace std::chrono_literals;

// A small example: a thread-count option, a duration option, and the given variants.
Example sample(std::vector<Variant> variants, std::string baseline = "") {
  return {
      .id = "99.1",
      .name = "sample",
      .title = "Sample",
      .lecture = 10,
      .summary = "A test example.",
      .params = {Param::integer("threads", "threads", 4, 1, 64),
                 Param::seconds("hold", "seconds to hold", 1.5, 0.0, 10.0)},
      .variants = std::move(variants),
      .baseline = std::move(baseline),
  };
}

// Records its parameters and run index, and claims one thing that always holds.
void recording_body(concur::Run& run) {
  run.result("threads", run.integer("threads"));
  run.result("index", run.index());
  run.result("variant", run.variant());
  run.check("always holds", true, "fine");
}

const concur::VariantOutcome* find_variant(const Outcome& o, const std::string& name) {
  for (const auto& v : o.variants)
    if (v.name == name) return &v;
  return nullptr;
}

const concur::CheckOutcome* find_check(const Outcome& o, const std::string& name) {
  for (const auto& c : o.checks)
    if (c.name == name) return &c;
  return nullptr;
}

TEST(Runner, RepeatRunsEveryVariantThatManyTimes) {
  const Example e = sample({{"plain", recording_body}, {"locked", recording_body}});
  const Outcome o = concur::run_example(e, {.repeat = 3});
  EXPECT_EQ(o.example, &e);
  ASSERT_EQ(o.variants.size(), 2u);
  EXPECT_EQ(o.variants[0].name, "plain");
  EXPECT_EQ(o.variants[1].name, "locked");
  for (const auto& v : o.variants) {
    ASSERT_EQ(v.runs.size(), 3u) << v.name;
    ASSERT_EQ(v.wall.times.size(), 3u) << v.name;
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(v.wall.times[i], v.runs[i].wall_s);  // in run order
      EXPECT_EQ(v.runs[i].result["index"], i);
      EXPECT_EQ(v.runs[i].result["variant"], v.name);
      EXPECT_GE(v.runs[i].cpu_s, 0.0);
    }
    EXPECT_TRUE(v.wall.stddev.has_value());
    EXPECT_TRUE(v.error.empty());
  }
  EXPECT_TRUE(o.ok);
}

TEST(Runner, OneRunByDefault) {
  const Example e = sample({{"plain", recording_body}});
  const Outcome o = concur::run_example(e, {});
  ASSERT_EQ(o.variants.size(), 1u);
  EXPECT_EQ(o.variants[0].runs.size(), 1u);
  EXPECT_FALSE(o.variants[0].wall.stddev.has_value());
}

TEST(Runner, ParamsIncludeDefaultsRepeatAndTimeScale) {
  const Example e = sample({{"plain", recording_body}});
  const Outcome o = concur::run_example(e, {.repeat = 2, .time_scale = 0.5});
  EXPECT_EQ(o.params, (json{{"threads", 4}, {"hold", 1.5}, {"repeat", 2}, {"time_scale", 0.5}}));
}

TEST(Runner, GivenParamsOverrideDefaults) {
  const Example e = sample({{"plain", recording_body}});
  const Outcome o = concur::run_example(e, {.params = {{"threads", 8}}});
  EXPECT_EQ(o.params["threads"], 8);
  EXPECT_EQ(o.params["hold"], 1.5);
  EXPECT_EQ(o.variants[0].runs[0].result["threads"], 8);  // the body saw it
}

TEST(Runner, ChecksOfSeveralVariantsAreNamedAfterTheirVariant) {
  const Example e = sample({{"plain", recording_body}, {"locked", recording_body}});
  const Outcome o = concur::run_example(e, {.repeat = 2});
  ASSERT_EQ(o.checks.size(), 2u);
  EXPECT_EQ(o.checks[0].name, "plain: always holds");  // in the order first seen
  EXPECT_EQ(o.checks[1].name, "locked: always holds");
  for (const auto& c : o.checks) {
    EXPECT_TRUE(c.ok);
    EXPECT_TRUE(c.required);
    EXPECT_EQ(c.held, 2);
    EXPECT_EQ(c.evaluated, 2);
    EXPECT_EQ(c.detail, "fine");
  }
}

TEST(Runner, ChecksOfASingleVariantKeepTheirName) {
  const Example e = sample({{"plain", recording_body}});
  const Outcome o = concur::run_example(e, {});
  ASSERT_EQ(o.checks.size(), 1u);
  EXPECT_EQ(o.checks[0].name, "always holds");
}

TEST(Runner, AFailingRequiredCheckMakesTheOutcomeNotOk) {
  const Example e = sample({{"plain", [](concur::Run& run) { run.check("must hold", false, "it did not"); }}});
  const Outcome o = concur::run_example(e, {});
  EXPECT_FALSE(o.ok);
  const auto* c = find_check(o, "must hold");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->ok);
  EXPECT_TRUE(c->required);
  EXPECT_EQ(c->detail, "it did not");
}

TEST(Runner, AFailingLikelyCheckDoesNotMakeTheOutcomeNotOk) {
  const Example e = sample({{"plain", [](concur::Run& run) {
                               run.check("holds", true);
                               run.likely("usually holds", false, "not this time");
                             }}});
  const Outcome o = concur::run_example(e, {});
  EXPECT_TRUE(o.ok);
  const auto* c = find_check(o, "usually holds");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->ok);
  EXPECT_FALSE(c->required);
}

TEST(Runner, ACheckFailingInOneRunFailsAndKeepsThatRunsDetail) {
  const Example e = sample({{"plain", [](concur::Run& run) {
                               const bool ok = run.index() != 1;
                               run.check("holds every time", ok, "run " + std::to_string(run.index()));
                             }}});
  const Outcome o = concur::run_example(e, {.repeat = 3});
  EXPECT_FALSE(o.ok);
  ASSERT_EQ(o.checks.size(), 1u);
  EXPECT_FALSE(o.checks[0].ok);
  EXPECT_EQ(o.checks[0].held, 2);
  EXPECT_EQ(o.checks[0].evaluated, 3);
  EXPECT_EQ(o.checks[0].detail, "run 1");
}

TEST(Runner, AThrowingBodyFailsTheCompletedCheckAndIsNotRepeated) {
  int thrower_calls = 0;
  const Example e = sample({{"thrower",
                             [&](concur::Run&) {
                               ++thrower_calls;
                               throw std::runtime_error("boom");
                             }},
                            {"plain", recording_body}});
  const Outcome o = concur::run_example(e, {.repeat = 3});
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(thrower_calls, 1);
  const auto* thrower = find_variant(o, "thrower");
  ASSERT_NE(thrower, nullptr);
  EXPECT_EQ(thrower->error, "boom");
  EXPECT_EQ(thrower->runs.size(), 1u);
  EXPECT_EQ(thrower->wall.times.size(), 1u);
  const auto* c = find_check(o, "thrower completed");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->ok);
  EXPECT_TRUE(c->required);
  EXPECT_EQ(c->detail, "it threw: boom");
  // The other variant still ran, every time.
  const auto* plain = find_variant(o, "plain");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->runs.size(), 3u);
}

TEST(Runner, ABodyThrowingANonStandardExceptionFailsTheCompletedCheck) {
  const Example e = sample({{"thrower", [](concur::Run&) { throw 42; }}, {"plain", recording_body}});
  Outcome o;
  EXPECT_NO_THROW(o = concur::run_example(e, {}));  // "the runner itself never throws"
  EXPECT_FALSE(concur::Recorder::active());
  EXPECT_FALSE(o.ok);
  const auto* c = find_check(o, "thrower completed");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->ok);
  EXPECT_NE(find_variant(o, "plain"), nullptr);  // the other variant still ran
}

TEST(Runner, SpeedupIsBaselineMedianOverVariantMedian) {
  const Example e = sample({{"plain", recording_body}, {"locked", recording_body}}, "plain");
  const Outcome o = concur::run_example(e, {.repeat = 3});
  const auto* plain = find_variant(o, "plain");
  const auto* locked = find_variant(o, "locked");
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(locked, nullptr);
  ASSERT_TRUE(plain->speedup.has_value());
  ASSERT_TRUE(locked->speedup.has_value());
  EXPECT_DOUBLE_EQ(*plain->speedup, 1.0);
  EXPECT_DOUBLE_EQ(*locked->speedup, plain->wall.median / locked->wall.median);
  EXPECT_EQ(plain->baseline, "plain");
  EXPECT_EQ(locked->baseline, "plain");
}

TEST(Runner, NoSpeedupWithoutABaseline) {
  const Example e = sample({{"plain", recording_body}, {"locked", recording_body}});
  const Outcome o = concur::run_example(e, {});
  for (const auto& v : o.variants) {
    EXPECT_FALSE(v.speedup.has_value());
    EXPECT_EQ(v.baseline, "");
  }
}

// A variant's share of the ideal, with its baseline run and without (--variant): a
// figure, or words saying there is nothing to compare with, never an empty phrase.
TEST(Runner, ShareOfIdealSaysWhenThereIsNoBaselineToCompareWith) {
  const auto timed = [](concur::Run& run) {
    run.work_time(std::chrono::milliseconds(run.variant() == "plain" ? 20 : 10));
    run.explain("{}", run.share_of_ideal(2));
  };
  const Example e = sample({{"plain", timed}, {"parallel", timed}}, "plain");
  const Outcome both = concur::run_example(e, {});
  const auto* parallel = find_variant(both, "parallel");
  ASSERT_NE(parallel, nullptr);
  EXPECT_NE(parallel->explanation.find("over plain"), std::string::npos) << parallel->explanation;
  const Outcome alone = concur::run_example(e, {.variants = {"parallel"}});
  ASSERT_EQ(alone.variants.size(), 1u);
  EXPECT_EQ(alone.variants[0].explanation, "no speedup to give without a run of the baseline to compare with");
}

TEST(Runner, KeepsTheExplanationAndTheFirstRunsTimeline) {
  const std::uint32_t label = concur::Recorder::intern("runner test instant");
  const Example e = sample({{"plain", [&](concur::Run& run) {
                               concur::Recorder::instant(label);
                               run.explain("explained in run " + std::to_string(run.index()));
                             }}});
  const Outcome o = concur::run_example(e, {.repeat = 2});
  const auto& v = o.variants.at(0);
  EXPECT_EQ(v.explanation, "explained in run 1");  // from the last run
  const concur::Track* main = v.timeline.find_track("MainThread");
  ASSERT_NE(main, nullptr);
  const auto mine = std::count_if(main->events.begin(), main->events.end(), [&](const auto& ev) {
    return v.timeline.label(ev) == "runner test instant";
  });
  EXPECT_EQ(mine, 1);  // the first run's instant only
  EXPECT_FALSE(concur::Recorder::active());  // recording ended with the run
}

TEST(Runner, ThreadNamesStartAgainInEveryRun) {
  const Example e = sample({{"plain", [](concur::Run& run) {
                               concur::Thread t([] {});
                               run.result("name", t.name());
                             }}});
  const Outcome o = concur::run_example(e, {.repeat = 2});
  for (const auto& r : o.variants.at(0).runs) EXPECT_EQ(r.result["name"], "Thread-1");
}

TEST(Run, ReadsParametersAndScalesDurations) {
  const Example e = sample({{"plain", recording_body}});
  const json params{{"threads", 6}, {"hold", 1.5}};
  const concur::Run run(e, params, 0.5, "plain", 2);
  EXPECT_EQ(run.integer("threads"), 6);
  EXPECT_DOUBLE_EQ(run.number("hold"), 1.5);
  EXPECT_EQ(run.duration("hold"), 750ms);
  EXPECT_EQ(run.scaled(2.0), 1s);
  EXPECT_DOUBLE_EQ(run.time_scale(), 0.5);
  EXPECT_EQ(run.variant(), "plain");
  EXPECT_EQ(run.index(), 2);
}

TEST(Run, IntegerAsTheDemosTypeAndRefusedWhenItDoesNotFit) {
  const Example e = sample({{"plain", recording_body}});
  const json params{{"threads", 6}, {"big", 5'000'000'000LL}};
  const concur::Run run(e, params, 1.0, "plain", 0);
  const int threads = run.integer<int>("threads");
  EXPECT_EQ(threads, 6);
  EXPECT_EQ(run.integer<std::size_t>("threads"), 6u);
  EXPECT_THROW((void)run.integer<int>("big"), std::out_of_range);
}

TEST(Run, FormattedChecksAndSeveralResultsAtOnce) {
  const Example e = sample({{"plain", recording_body}});
  const json params = e.default_params();
  concur::Run run(e, params, 1.0, "plain", 0);
  run.result({{"workers", 6}, {"permits", 3}});
  run.result("lost", 0);
  run.check("all in", true, "{} of {} workers", 6, 6);
  run.likely("fast", false, "{:.1f}x", 1.25);
  run.explain("{} waves of {}", 2, 3);
  EXPECT_EQ(run.results(), (json{{"workers", 6}, {"permits", 3}, {"lost", 0}}));
  ASSERT_EQ(run.checks().size(), 2u);
  EXPECT_EQ(run.checks()[0].detail, "6 of 6 workers");
  EXPECT_EQ(run.checks()[1].detail, "1.2x");
  EXPECT_FALSE(run.checks()[1].required);
  EXPECT_EQ(run.explanation(), "2 waves of 3");
  EXPECT_THROW(run.result(json::array({1, 2})), std::invalid_argument);
}

TEST(Run, DurationInARunnerRunIsScaledByTimeScale) {
  std::chrono::nanoseconds seen{};
  const Example e = sample({{"plain", [&](concur::Run& run) { seen = run.duration("hold"); }}});
  concur::run_example(e, {.time_scale = 0.5});
  EXPECT_EQ(seen, 750ms);
}

TEST(Run, AnUnknownParameterThrowsLogicError) {
  const Example e = sample({{"plain", recording_body}});
  const json params = e.default_params();
  const concur::Run run(e, params, 1.0, "plain", 0);
  EXPECT_THROW(run.integer("nope"), std::logic_error);
}

TEST(Run, RecordsResultsChecksAndExplanation) {
  const Example e = sample({{"plain", recording_body}});
  const json params = e.default_params();
  concur::Run run(e, params, 1.0, "plain", 0);
  run.result("lost", 3);
  run.check("must", true, "d1");
  run.likely("maybe", false);
  run.explain("because");
  EXPECT_EQ(run.results(), (json{{"lost", 3}}));
  ASSERT_EQ(run.checks().size(), 2u);
  EXPECT_EQ(run.checks()[0].name, "must");
  EXPECT_TRUE(run.checks()[0].ok);
  EXPECT_TRUE(run.checks()[0].required);
  EXPECT_EQ(run.checks()[0].detail, "d1");
  EXPECT_EQ(run.checks()[1].name, "maybe");
  EXPECT_FALSE(run.checks()[1].ok);
  EXPECT_FALSE(run.checks()[1].required);
  EXPECT_EQ(run.explanation(), "because");
}

}  // namespace

namespace {

// A body that reports a fixed work time: speedups by work time are then exact.
Variant working(std::string name, int ms, int workers, std::string compare_with = "") {
  return {name, [=](concur::Run& run) {
            run.work_time(std::chrono::milliseconds(ms));
            run.workers(workers);
            if (!compare_with.empty()) run.compare_with(compare_with);
            if (workers > 1) run.likely_speedup(concur::SpeedupClaim::scales, "scales");
            if (run.baseline() != nullptr) run.result("baseline_said", run.baseline()->result["said"]);
            run.result("said", name);
          }};
}

// work_begins() and work_ends() split a run into start-up, work and teardown: the work is
// the work time, the rest is reported as start_s and teardown_s.
TEST(Runner, WorkMarkedBetweenStartUpAndTeardownIsTheWorkTime) {
  const Outcome o = concur::run_example(sample({{"marked",
                                                 [](concur::Run& run) {
                                                   std::this_thread::sleep_for(2ms);  // starting up
                                                   run.work_begins();
                                                   std::this_thread::sleep_for(2ms);  // the work
                                                   run.work_ends();
                                                   std::this_thread::sleep_for(2ms);  // tearing down
                                                 }}}),
                                        {});
  const auto* marked = find_variant(o, "marked");
  ASSERT_NE(marked, nullptr);
  ASSERT_EQ(marked->runs.size(), 1u);
  const concur::RunRecord& r = marked->runs.front();
  ASSERT_TRUE(r.work_s.has_value());
  ASSERT_TRUE(r.result.contains("start_s"));
  ASSERT_TRUE(r.result.contains("teardown_s"));
  // Each part holds at least the sleep it contains (a sleep never ends early).
  EXPECT_GE(r.result["start_s"].get<double>(), 0.002);
  EXPECT_GE(*r.work_s, 0.002);
  EXPECT_GE(r.result["teardown_s"].get<double>(), 0.002);
}

// The same work must give the same answer as the baseline's, and says both when it does not.
TEST(Runner, CheckSameAsBaselineComparesWithTheBaselinesResult) {
  const auto answering = [](std::string name, int answer) {
    return Variant{name, [answer](concur::Run& run) {
                     run.result("answer", answer);
                     run.check_same_as_baseline("same answer", "answer");
                   }};
  };
  const Outcome o = concur::run_example(sample({answering("one", 42), answering("agrees", 42), answering("differs", 41)}, "one"), {});
  EXPECT_EQ(find_check(o, "one: same answer"), nullptr);  // the baseline has nothing to compare with
  const auto* agrees = find_check(o, "agrees: same answer");
  ASSERT_NE(agrees, nullptr);
  EXPECT_TRUE(agrees->ok);
  const auto* differs = find_check(o, "differs: same answer");
  ASSERT_NE(differs, nullptr);
  EXPECT_FALSE(differs->ok);
  EXPECT_TRUE(differs->required);
  EXPECT_EQ(differs->detail, "answer 41 here, 42 in one");
  EXPECT_FALSE(o.ok);
}

TEST(Runner, WorkEndsWithoutWorkBeginsIsAnError) {
  const Outcome o = concur::run_example(sample({{"unmarked", [](concur::Run& run) { run.work_ends(); }}}), {});
  const auto* unmarked = find_variant(o, "unmarked");
  ASSERT_NE(unmarked, nullptr);
  EXPECT_NE(unmarked->error.find("work_ends() without work_begins()"), std::string::npos) << unmarked->error;
}

TEST(Runner, VariantsThatAllReportWorkTimeAreComparedByIt) {
  const Outcome o = concur::run_example(
      sample({working("one", 100, 1), working("two", 50, 2)}, "one"), {.repeat = 2});
  EXPECT_EQ(o.compared_by, "work");
  const auto* two = find_variant(o, "two");
  ASSERT_NE(two, nullptr);
  ASSERT_TRUE(two->work.has_value());
  EXPECT_DOUBLE_EQ(two->work->median, 0.05);
  ASSERT_TRUE(two->speedup.has_value());
  EXPECT_DOUBLE_EQ(*two->speedup, 2.0);
  for (const auto& r : two->runs) EXPECT_EQ(r.work_s, 0.05);
  EXPECT_EQ(two->workers, 2);
  // The ceiling is the cores two workers could use over what one could: at most 2 on any machine
  // with 2 cores or more, never 0.
  ASSERT_TRUE(two->speedup_ceiling.has_value());
  EXPECT_GT(*two->speedup_ceiling, 0.0);
}

TEST(Runner, OneVariantWithoutWorkTimeMakesTheComparisonByWallTime) {
  const Outcome o = concur::run_example(
      sample({working("one", 100, 1), {"plain", recording_body}}, "one"), {});
  EXPECT_EQ(o.compared_by, "wall");
  EXPECT_DOUBLE_EQ(*find_variant(o, "plain")->speedup,
                   find_variant(o, "one")->wall.median / find_variant(o, "plain")->wall.median);
}

TEST(Runner, SpeedupClaimsAreJudgedOnceAfterAllVariantsAndNeverRequired) {
  const Outcome o = concur::run_example(
      sample({working("one", 100, 1), working("two", 50, 2)}, "one"), {.repeat = 3});
  const auto* c = find_check(o, "two: scales");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->required);
  EXPECT_EQ(c->evaluated + c->untested, 1);  // judged once, on the medians; or untested on a busy machine
  if (c->untested == 1) {
    EXPECT_TRUE(c->ok);
  }
  EXPECT_TRUE(o.ok);
}

TEST(Runner, AVariantCanBeComparedWithAnotherThanTheBaseline) {
  const Outcome o = concur::run_example(
      sample({working("gil", 100, 1), working("free", 80, 1), working("free-two", 40, 2, "free")}, "gil"), {});
  EXPECT_EQ(find_variant(o, "free")->baseline, "gil");
  EXPECT_NEAR(*find_variant(o, "free")->speedup, 1.25, 1e-9);
  EXPECT_EQ(find_variant(o, "free-two")->baseline, "free");
  EXPECT_DOUBLE_EQ(*find_variant(o, "free-two")->speedup, 2.0);
}

TEST(Runner, LaterVariantsSeeTheBaselinesResult) {
  const Outcome o = concur::run_example(sample({working("one", 10, 1), working("two", 5, 2)}, "one"), {});
  EXPECT_FALSE(find_variant(o, "one")->runs[0].result.contains("baseline_said"));
  EXPECT_EQ(find_variant(o, "two")->runs[0].result["baseline_said"], "one");
}

// The repeats take turns, so a drift in the machine's speed falls on every variant alike:
// run 1 of each, then run 2 of each. The variants after the baseline see the median of
// its runs so far.
TEST(Runner, RepeatsTakeTurnsAndLaterVariantsSeeTheBaselineSoFar) {
  std::vector<std::string> order;
  int baseline_runs = 0;
  const auto logged = [&](std::string name) {
    return Variant{name, [&order, &baseline_runs, name](concur::Run& run) {
                     order.push_back(fmt::format("{}{}", name, run.index() + 1));
                     if (name == "base") {
                       ++baseline_runs;
                       run.work_time(std::chrono::milliseconds(10 * baseline_runs));  // 10, 20, 30 ms
                     } else {
                       run.work_time(std::chrono::milliseconds(5));
                       run.result("baseline_median_ms", 1000 * run.baseline()->median_s);
                     }
                   }};
  };
  const Outcome o = concur::run_example(sample({logged("base"), logged("other")}, "base"), {.repeat = 3});
  EXPECT_EQ(order, (std::vector<std::string>{"base1", "other1", "base2", "other2", "base3", "other3"}));
  const auto* other = find_variant(o, "other");
  ASSERT_NE(other, nullptr);
  ASSERT_EQ(other->runs.size(), 3u);
  EXPECT_DOUBLE_EQ(other->runs[0].result["baseline_median_ms"].get<double>(), 10.0);  // 10
  EXPECT_DOUBLE_EQ(other->runs[1].result["baseline_median_ms"].get<double>(), 15.0);  // 10, 20
  EXPECT_DOUBLE_EQ(other->runs[2].result["baseline_median_ms"].get<double>(), 20.0);  // 10, 20, 30
  EXPECT_DOUBLE_EQ(*other->speedup, 4.0);  // 20 ms over 5 ms, on the medians
}

// A variant that throws is not run again; the others keep their turns.
TEST(Runner, AVariantThatThrowsLosesItsLaterTurns) {
  std::vector<std::string> order;
  const Outcome o = concur::run_example(
      sample({{"fine", [&](concur::Run& run) { order.push_back(fmt::format("fine{}", run.index() + 1)); }},
              {"broken", [&](concur::Run& run) {
                 order.push_back(fmt::format("broken{}", run.index() + 1));
                 throw std::runtime_error("boom");
               }}}),
      {.repeat = 2});
  EXPECT_EQ(order, (std::vector<std::string>{"fine1", "broken1", "fine2"}));
  EXPECT_EQ(find_variant(o, "broken")->runs.size(), 1u);
  EXPECT_EQ(find_variant(o, "fine")->runs.size(), 2u);
}

TEST(Runner, UntestedClaimsSayWhyAndDoNotFail) {
  const Outcome o = concur::run_example(
      sample({{"busy", [](concur::Run& run) { run.untested("scales", "the machine was busy"); }}}), {.repeat = 2});
  const auto* c = find_check(o, "scales");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->ok);
  EXPECT_FALSE(c->required);
  EXPECT_EQ(c->evaluated, 0);
  EXPECT_EQ(c->untested, 2);
  EXPECT_EQ(c->detail, "the machine was busy");
  EXPECT_TRUE(o.ok);
}

TEST(Runner, EveryRunRecordsHowBusyTheMachineWas) {
  const Outcome o = concur::run_example(sample({{"plain", recording_body}}), {.repeat = 2});
  for (const auto& r : o.variants[0].runs) {
    EXPECT_GE(r.host_busy_cores, 0.0);
    EXPECT_LE(r.host_busy_cores, concur::host_cpus());
  }
  EXPECT_GE(o.variants[0].free_cores, 0.0);
}

TEST(RunBusyNote, SaysNothingWhenTheWorkersHadTheirCores) {
  EXPECT_EQ(concur::busy_note(2, 2.0, 2), "");
  EXPECT_EQ(concur::busy_note(2, 1.8, 4), "");
  EXPECT_EQ(concur::busy_note(2, 1.1, 2),
            "the machine was busy: about 1.1 cores were free, so 2 workers could reach at most ~1.1x");
}

}  // namespace
