// host_load: parsing /proc/stat's aggregate line, and a HostLoad that stays in range.

#include <concur/core/host_load.hpp>

#include <gtest/gtest.h>

namespace concur {
namespace {

TEST(HostLoad, ParsesTheAggregateCpuLine) {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const auto t = parse_proc_stat(
      "cpu  100 5 30 800 7 2 3 1 50 0\n"
      "cpu0 50 0 15 400 3 1 1 0 25 0\n"
      "intr 12345 0 0\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->busy, 100u + 5 + 30 + 2 + 3 + 1);  // guest is inside user already
  EXPECT_EQ(t->idle, 800u + 7);
  EXPECT_EQ(t->total, t->busy + 800 + 7);
}

TEST(HostLoad, ReadsOldKernelsWithFourFields) {
  const auto t = parse_proc_stat("cpu 10 0 5 85\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->busy, 15u);
  EXPECT_EQ(t->idle, 85u);
  EXPECT_EQ(t->total, 100u);
}

TEST(HostLoad, FindsTheCpuLineAfterOthersAndIgnoresPerCpuLines) {
  const auto t = parse_proc_stat("cpu0 1 2 3 4\nbtime 1\ncpu  4 0 4 2\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->busy, 8u);
}

TEST(HostLoad, RejectsTextWithoutAWellFormedCpuLine) {
  EXPECT_FALSE(parse_proc_stat("").has_value());
  EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4\n").has_value());
  EXPECT_FALSE(parse_proc_stat("cpu  1 2\n").has_value());
  EXPECT_FALSE(parse_proc_stat("cpu  1 x 3 4\n").has_value());
}

TEST(HostLoad, BusyCoresStayWithinTheMachine) {
  HostLoad load;
  volatile unsigned spin = 0;
  for (int i = 0; i < 1'000'000; ++i) spin = spin + 1;  // let some time pass, with work of our own
  EXPECT_GE(load.busy_cores(), 0.0);
  EXPECT_LE(load.busy_cores(), host_cpus());
  EXPECT_GE(load.free_cores(), 0.0);
  EXPECT_LE(load.free_cores(), host_cpus());
}

}  // namespace
}  // namespace concur
