// Python's timeout argument, read one way everywhere (concur/core/timeout.hpp).
#include <gtest/gtest.h>

#include <concur/core/timeout.hpp>

#include <chrono>
#include <cmath>
#include <limits>

using namespace std::chrono_literals;

TEST(Timeout, NegativeAndNaNAreAnImmediateTry) {
  EXPECT_EQ(concur::timeout_seconds(-3.0), 0.0);
  EXPECT_EQ(concur::timeout_seconds(std::nan("")), 0.0);
  EXPECT_EQ(concur::timeout_duration(-1.0), 0ns);
  EXPECT_EQ(concur::timeout_ms(-0.5), 0);
}

TEST(Timeout, OrdinaryValuesPassThroughAndMillisecondsRoundUp) {
  EXPECT_EQ(concur::timeout_seconds(1.5), 1.5);
  EXPECT_EQ(concur::timeout_duration(0.25), 250ms);
  EXPECT_EQ(concur::timeout_ms(0.0001), 1);
  EXPECT_EQ(concur::timeout_ms(2.0), 2000);
  EXPECT_EQ(concur::timeout_ms(std::nullopt), -1);
}

TEST(Timeout, AHugeTimeoutIsBoundedInsteadOfOverflowing) {
  const double huge = std::numeric_limits<double>::max();
  EXPECT_EQ(concur::timeout_seconds(huge), concur::kLongestTimeout_s);
  EXPECT_GT(concur::timeout_duration(huge), std::chrono::hours(24 * 365 * 30));
  EXPECT_EQ(concur::timeout_ms(huge), std::numeric_limits<int>::max());
  EXPECT_GT(concur::deadline_in(huge), std::chrono::steady_clock::now() + std::chrono::hours(24 * 365 * 30));
  const auto deadline = concur::deadline_after(huge);
  ASSERT_TRUE(deadline.has_value());
  EXPECT_GT(*deadline, std::chrono::steady_clock::now());
}

TEST(Timeout, NoTimeoutIsNoDeadline) {
  EXPECT_FALSE(concur::deadline_after(std::nullopt).has_value());
  const auto before = std::chrono::steady_clock::now();
  const auto deadline = concur::deadline_after(0.5);
  ASSERT_TRUE(deadline.has_value());
  EXPECT_GE(*deadline - before, 500ms);
}
