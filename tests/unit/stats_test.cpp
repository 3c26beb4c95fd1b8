// concur::summarize: min, median, max, mean, the sample standard deviation, run order.
#include <gtest/gtest.h>

#include <concur/harness/stats.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace {

TEST(Stats, OddCountMedianIsTheMiddleValue) {
  const concur::Summary s = concur::summarize({5.0, 1.0, 3.0});
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.median, 3.0);
  EXPECT_DOUBLE_EQ(s.max, 5.0);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
}

TEST(Stats, EvenCountMedianIsTheMeanOfTheTwoMiddleValues) {
  const concur::Summary s = concur::summarize({4.0, 1.0, 2.0, 10.0});
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.median, 3.0);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  EXPECT_DOUBLE_EQ(s.mean, 4.25);
}

TEST(Stats, StddevIsTheSampleStandardDeviation) {
  // Mean 5, squared deviations sum to 32, n - 1 = 7.
  const concur::Summary s = concur::summarize({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  ASSERT_TRUE(s.stddev.has_value());
  EXPECT_DOUBLE_EQ(*s.stddev, std::sqrt(32.0 / 7.0));
}

TEST(Stats, StddevOfTwoValues) {
  const concur::Summary s = concur::summarize({1.0, 3.0});
  ASSERT_TRUE(s.stddev.has_value());
  EXPECT_DOUBLE_EQ(*s.stddev, std::sqrt(2.0));
}

TEST(Stats, StddevOfEqualValuesIsZero) {
  const concur::Summary s = concur::summarize({0.5, 0.5, 0.5});
  ASSERT_TRUE(s.stddev.has_value());
  EXPECT_DOUBLE_EQ(*s.stddev, 0.0);
}

TEST(Stats, OneValueHasNoStddev) {
  const concur::Summary s = concur::summarize({0.25});
  EXPECT_DOUBLE_EQ(s.min, 0.25);
  EXPECT_DOUBLE_EQ(s.median, 0.25);
  EXPECT_DOUBLE_EQ(s.max, 0.25);
  EXPECT_DOUBLE_EQ(s.mean, 0.25);
  EXPECT_FALSE(s.stddev.has_value());
}

TEST(Stats, EmptyInputThrowsInvalidArgument) {
  EXPECT_THROW(concur::summarize({}), std::invalid_argument);
}

TEST(Stats, TimesArePreservedInRunOrder) {
  const std::vector<double> runs{0.3, 0.1, 0.2, 0.1};
  EXPECT_EQ(concur::summarize(runs).times, runs);
}

}  // namespace
