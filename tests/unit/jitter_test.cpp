// concur::jitter: off by default; on, the same seed and thread name make the same choices.
#include <gtest/gtest.h>

#include <concur/core/jitter.hpp>
#include <concur/threads/mutex.hpp>
#include <concur/threads/thread.hpp>

#include <cstdlib>
#include <set>
#include <string>

namespace {

using concur::jitter::Stats;

// The choices a thread named `name` makes at `points` synchronization points.
Stats choices_of(const std::string& name, int points) {
  Stats stats;
  concur::Thread t(
      [&] {
        for (int i = 0; i < points; ++i) concur::jitter::point();
        stats = concur::jitter::stats();
      },
      name);
  t.start();
  t.join();
  return stats;
}

// Declared first: gtest runs a binary's tests in this order, and enable() is for good.
TEST(Jitter, IsOffUntilEnabled) {
  ASSERT_EQ(std::getenv("CONCUR_JITTER"), nullptr) << "run the test without CONCUR_JITTER set";
  EXPECT_FALSE(concur::jitter::seed().has_value());
  const Stats s = choices_of("quiet", 100);
  EXPECT_EQ(s.points, 0u);
  EXPECT_EQ(s.yields, 0u);
}

TEST(Jitter, TheSameSeedAndNameMakeTheSameChoices) {
  concur::jitter::enable(42);
  ASSERT_EQ(concur::jitter::seed(), 42u);
  const Stats a = choices_of("Thread-1", 4000), b = choices_of("Thread-1", 4000);
  EXPECT_EQ(a.points, 4001u);  // the thread's start is a point too
  EXPECT_EQ(a.yields, b.yields);
  EXPECT_EQ(a.sleeps, b.sleeps);
  // About one point in four yields and one in sixty-four sleeps (fixed by the seed, so
  // these bounds are not a matter of luck).
  EXPECT_GT(a.yields, 800u);
  EXPECT_LT(a.yields, 1200u);
  EXPECT_GT(a.sleeps, 20u);
  EXPECT_LT(a.sleeps, 110u);
}

TEST(Jitter, YieldsAndSleepsTakeAtMostAQuarterOfAThreadsTimePlusTwoMilliseconds) {
  using std::chrono::milliseconds;
  EXPECT_TRUE(concur::jitter::within_budget(milliseconds(0), milliseconds(0)));
  EXPECT_TRUE(concur::jitter::within_budget(milliseconds(2), milliseconds(0)));
  EXPECT_FALSE(concur::jitter::within_budget(milliseconds(3), milliseconds(0)));
  EXPECT_TRUE(concur::jitter::within_budget(milliseconds(27), milliseconds(100)));
  EXPECT_FALSE(concur::jitter::within_budget(milliseconds(28), milliseconds(100)));
  // A thread's choices are counted whether or not they were carried out.
  const Stats s = concur::jitter::stats();
  EXPECT_LE(s.waived, s.yields + s.sleeps);
}

TEST(Jitter, AnotherSeedOrNameMakesOtherChoices) {
  concur::jitter::enable(42);
  const Stats base = choices_of("Thread-1", 4000);
  const Stats other_name = choices_of("Thread-2", 4000);
  concur::jitter::enable(43);
  const Stats other_seed = choices_of("Thread-1", 4000);
  EXPECT_NE(std::make_pair(base.yields, base.sleeps), std::make_pair(other_name.yields, other_name.sleeps));
  EXPECT_NE(std::make_pair(base.yields, base.sleeps), std::make_pair(other_seed.yields, other_seed.sleeps));
}

TEST(Jitter, TheSeedTravelsToChildProcessesInTheEnvironment) {
  concur::jitter::enable(1234);
  ASSERT_NE(std::getenv("CONCUR_JITTER"), nullptr);
  EXPECT_STREQ(std::getenv("CONCUR_JITTER"), "1234");
}

TEST(Jitter, EveryLockAndUnlockIsAPoint) {
  concur::jitter::enable(7);
  concur::Mutex lock("m");
  Stats stats;
  concur::Thread t([&] {
    for (int i = 0; i < 100; ++i) {
      lock.lock();
      lock.unlock();
    }
    stats = concur::jitter::stats();
  });
  t.start();
  t.join();
  EXPECT_EQ(stats.points, 201u);  // 100 locks, 100 unlocks, and the thread's start
}

TEST(Jitter, TheFirstRunOfACheckUsesTheSeedItself) {
  EXPECT_EQ(concur::jitter::ith_seed(987, 0), 987u);
  std::set<std::uint64_t> seeds;
  for (int i = 0; i < 100; ++i) seeds.insert(concur::jitter::ith_seed(987, i));
  EXPECT_EQ(seeds.size(), 100u);
  EXPECT_EQ(concur::jitter::ith_seed(987, 5), concur::jitter::ith_seed(987, 5));
}

}  // namespace
