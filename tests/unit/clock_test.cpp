// The run clock and the timeline's clock: which source a process records with, and how a
// run's ticks become run-clock nanoseconds. Every bound on a converted duration is
// measured around it with the steady clock and given a wide margin: the test checks the
// conversion, never how long a sleep took.
#include <gtest/gtest.h>

#include <concur/core/clock.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using concur::RunClock;
using concur::TimelineClock;
using Source = TimelineClock::Source;

// Records with `source` for as long as it lives (through CONCUR_TIMELINE_CLOCK, as a user
// would), then chooses again with the environment as it found it.
class ClockSource {
 public:
  explicit ClockSource(Source source) {
    if (const char* was = std::getenv(kVariable)) was_ = was;
    if (source == Source::steady)
      ::setenv(kVariable, "steady", 1);
    else
      ::unsetenv(kVariable);
    concur::detail::choose_timeline_clock();
  }
  ~ClockSource() {
    if (was_)
      ::setenv(kVariable, was_->c_str(), 1);
    else
      ::unsetenv(kVariable);
    concur::detail::choose_timeline_clock();
  }
  ClockSource(const ClockSource&) = delete;
  ClockSource& operator=(const ClockSource&) = delete;

 private:
  static constexpr const char* kVariable = "CONCUR_TIMELINE_CLOCK";
  std::optional<std::string> was_;
};

std::string name_of(Source source) { return source == Source::tsc ? "tsc" : "steady"; }

TEST(RunClock, ElapsedNeverGoesBack) {
  std::int64_t last = RunClock::elapsed_ns();
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t now = RunClock::elapsed_ns();
    EXPECT_GE(now, last);
    last = now;
  }
}

TEST(TimelineClock, UsesTheTscWhereverItIsUsable) {
  ClockSource by_default(Source::tsc);
  EXPECT_EQ(TimelineClock::source(), TimelineClock::tsc_usable() ? Source::tsc : Source::steady);
#if !defined(__x86_64__)
  EXPECT_FALSE(TimelineClock::tsc_usable());
#endif
}

TEST(TimelineClock, TheEnvironmentCanForceTheSteadyClock) {
  ClockSource steady(Source::steady);
  EXPECT_EQ(TimelineClock::source(), Source::steady);
  // Its ticks are steady-clock nanoseconds: converted, they are the run clock's, exactly.
  auto calibration = TimelineClock::Calibration::start();
  calibration.finish();
  const std::int64_t zero = RunClock::start_ns();
  EXPECT_EQ(calibration.run_ns(TimelineClock::Ticks{zero + 1234}), 1234);
  EXPECT_EQ(calibration.run_ns(TimelineClock::Ticks{zero}), 0);
}

TEST(TimelineClock, AnyOtherValueLeavesTheChoiceToTheMachine) {
  ClockSource by_default(Source::tsc);
  ::setenv("CONCUR_TIMELINE_CLOCK", "fastest", 1);
  concur::detail::choose_timeline_clock();
  EXPECT_EQ(TimelineClock::source(), TimelineClock::tsc_usable() ? Source::tsc : Source::steady);
}

class EachSource : public ::testing::TestWithParam<Source> {
 protected:
  void SetUp() override {
    if (GetParam() == Source::tsc && !TimelineClock::tsc_usable()) GTEST_SKIP() << "no usable TSC here";
    source_.emplace(GetParam());
    ASSERT_EQ(TimelineClock::source(), GetParam());
  }
  std::optional<ClockSource> source_;
};

TEST_P(EachSource, ReadingsNeverGoBackOnOneThread) {
  std::vector<TimelineClock::Ticks> ticks;
  for (int i = 0; i < 10000; ++i)
    ticks.push_back(i % 3 == 0 ? TimelineClock::now_before_release() : TimelineClock::now());
  for (std::size_t i = 1; i < ticks.size(); ++i) ASSERT_GE(ticks[i], ticks[i - 1]) << "at " << i;
  for (const TimelineClock::Ticks t : ticks) EXPECT_GT(static_cast<std::int64_t>(t), 0);

  auto calibration = TimelineClock::Calibration::start();
  calibration.finish();
  for (std::size_t i = 1; i < ticks.size(); ++i)
    ASSERT_GE(calibration.run_ns(ticks[i]), calibration.run_ns(ticks[i - 1])) << "at " << i;
}

// A sleep of a few milliseconds, measured three ways: by the steady clock just inside the
// two readings and just outside them, and by the converted readings, which must lie in
// between (with a margin far wider than any conversion error). The converted times are on
// the run clock: they must also fall between its readings outside.
void expect_converted_between(std::chrono::milliseconds sleep, std::chrono::milliseconds before_start) {
  auto calibration = TimelineClock::Calibration::start();
  std::this_thread::sleep_for(before_start);
  const std::int64_t outer_start = RunClock::elapsed_ns();
  const TimelineClock::Ticks start = TimelineClock::now();
  const std::int64_t inner_start = RunClock::elapsed_ns();
  std::this_thread::sleep_for(sleep);
  const std::int64_t inner_end = RunClock::elapsed_ns();
  const TimelineClock::Ticks end = TimelineClock::now_before_release();
  const std::int64_t outer_end = RunClock::elapsed_ns();
  calibration.finish();

  const std::int64_t from = calibration.run_ns(start);
  const std::int64_t to = calibration.run_ns(end);
  const std::int64_t slack = (outer_end - outer_start) / 10 + 50'000;  // 10% and 50 µs
  EXPECT_LT(from, to);
  EXPECT_GE(to - from, inner_end - inner_start - slack);
  EXPECT_LE(to - from, outer_end - outer_start + slack);
  EXPECT_GE(from, outer_start - slack);
  EXPECT_LE(from, inner_start + slack);
  EXPECT_GE(to, inner_end - slack);
  EXPECT_LE(to, outer_end + slack);
}

TEST_P(EachSource, AShortRunConvertsToTheRunClocksNanoseconds) {
  expect_converted_between(std::chrono::milliseconds(3), std::chrono::milliseconds(0));
}

// Long enough for the run's own two readings to fix the TSC's rate
// (Calibration::kOwnRateMin), with the readings well inside it.
TEST_P(EachSource, ALongRunConvertsToTheRunClocksNanoseconds) {
  expect_converted_between(std::chrono::milliseconds(5), TimelineClock::Calibration::kOwnRateMin);
}

// Another thread's reading, taken after this one's and handed over through a join, is
// never earlier once converted.
TEST_P(EachSource, ReadingsHandedBetweenThreadsStayInOrder) {
  auto calibration = TimelineClock::Calibration::start();
  std::vector<TimelineClock::Ticks> chain{TimelineClock::now_before_release()};
  for (int i = 0; i < 20; ++i) {
    std::thread next([&] {
      const TimelineClock::Ticks got = TimelineClock::now();
      chain.push_back(got);
      chain.push_back(TimelineClock::now_before_release());
    });
    next.join();
  }
  calibration.finish();
  for (std::size_t i = 1; i < chain.size(); ++i)
    EXPECT_LE(calibration.run_ns(chain[i - 1]), calibration.run_ns(chain[i])) << "at " << i;
}

INSTANTIATE_TEST_SUITE_P(Sources, EachSource, ::testing::Values(Source::tsc, Source::steady),
                         [](const auto& info) { return name_of(info.param); });

}  // namespace
