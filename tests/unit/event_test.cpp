// concur::Event: set/clear/is_set, a timed wait that runs out, and one set() that
// releases every waiter.
#include <gtest/gtest.h>

#include <concur/threads/event.hpp>
#include <concur/threads/thread.hpp>

#include <atomic>
#include <deque>
#include <latch>

namespace {

TEST(Event, StartsLoweredAndFollowsSetAndClear) {
  concur::Event e("go");
  EXPECT_EQ(e.name(), "go");
  EXPECT_FALSE(e.is_set());
  e.set();
  EXPECT_TRUE(e.is_set());
  e.set();  // setting a raised flag keeps it raised
  EXPECT_TRUE(e.is_set());
  e.clear();
  EXPECT_FALSE(e.is_set());
}

TEST(Event, WaitWithTimeoutReturnsFalseWhenNotSet) {
  concur::Event e;
  EXPECT_FALSE(e.wait(0.05));
  EXPECT_FALSE(e.wait(0.0));
  EXPECT_FALSE(e.wait(-1.0));  // a negative timeout is no wait at all, not an error
}

TEST(Event, WaitReturnsTrueAtOnceWhenAlreadySet) {
  concur::Event e;
  e.set();
  EXPECT_TRUE(e.wait());
  EXPECT_TRUE(e.wait(0.0));
}

TEST(Event, WaitAfterClearBlocksAgain) {
  concur::Event e;
  e.set();
  e.clear();
  EXPECT_FALSE(e.wait(0.05));
}

TEST(Event, WaitReturnsTrueAfterSetFromAnotherThread) {
  concur::Event e;
  int payload = 0;  // written before set(), read after wait(): the memory-ordering promise
  concur::Thread setter([&] {
    payload = 42;
    e.set();
  });
  setter.start();
  EXPECT_TRUE(e.wait());
  EXPECT_EQ(payload, 42);
  setter.join();
}

TEST(Event, TimedWaitReturnsTrueAfterSetFromAnotherThread) {
  concur::Event e;
  concur::Thread setter([&] { e.set(); });
  setter.start();
  EXPECT_TRUE(e.wait(30.0));
  setter.join();
}

TEST(Event, OneSetReleasesEveryWaiter) {
  constexpr int kWaiters = 8;
  concur::Event go("go");
  std::latch ready(kWaiters);
  std::atomic<int> released{0};
  std::deque<concur::Thread> waiters;
  for (int i = 0; i < kWaiters; ++i)
    waiters.emplace_back([&] {
      ready.count_down();
      if (go.wait()) released.fetch_add(1);
    });
  for (auto& t : waiters) t.start();
  ready.wait();
  EXPECT_EQ(released.load(), 0);  // nobody passes before set()
  go.set();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(released.load(), kWaiters);
}

}  // namespace
