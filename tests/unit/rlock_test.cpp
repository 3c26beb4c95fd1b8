// concur::RLock: re-entry by the owner to any depth, release only by the owner, the
// Lockable interface, and mutual exclusion between threads.
#include <gtest/gtest.h>

#include <concur/threads/event.hpp>
#include <concur/threads/rlock.hpp>
#include <concur/threads/thread.hpp>

#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>

namespace {

TEST(RLock, TheOwnerTakesItAgainAndMustReleaseAsOften) {
  concur::RLock lock("tree lock");
  EXPECT_EQ(lock.name(), "tree lock");
  EXPECT_EQ(lock.depth(), 0u);
  std::size_t deepest = 0;
  std::function<void(int)> descend = [&](int n) {
    std::lock_guard guard(lock);
    deepest = std::max(deepest, lock.depth());
    if (n > 0) descend(n - 1);
  };
  descend(9);
  EXPECT_EQ(deepest, 10u);
  EXPECT_FALSE(lock.locked());

  lock.acquire();
  EXPECT_TRUE(lock.acquire(false));
  EXPECT_TRUE(lock.try_lock());
  EXPECT_TRUE(lock.acquire(true, 0.01));
  EXPECT_EQ(lock.depth(), 4u);
  for (int i = 0; i < 3; ++i) lock.release();
  EXPECT_TRUE(lock.locked());  // one level left
  EXPECT_TRUE(lock.is_owned());
  lock.release();
  EXPECT_FALSE(lock.locked());
  EXPECT_FALSE(lock.is_owned());
}

TEST(RLock, ReleaseByAThreadThatDoesNotHoldItThrowsRuntimeError) {
  concur::RLock lock("tree lock");
  EXPECT_THROW(lock.release(), std::runtime_error);  // free
  lock.acquire();
  lock.acquire();
  std::string error;
  bool owned_elsewhere = true;
  concur::Thread other([&] {
    owned_elsewhere = lock.is_owned();
    try {
      lock.release();
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
  });
  other.start();
  other.join();
  EXPECT_FALSE(owned_elsewhere);
  EXPECT_EQ(error, "release of 'tree lock', which this thread does not hold");
  EXPECT_EQ(lock.depth(), 2u);  // unchanged
  lock.release();
  lock.release();
  EXPECT_THROW(lock.release(), std::runtime_error);
}

TEST(RLock, OtherThreadsWaitUntilTheLastRelease) {
  concur::RLock lock;
  concur::Event held, release;
  bool got_while_held = true;
  concur::Thread holder([&] {
    std::lock_guard outer(lock);
    std::lock_guard inner(lock);
    held.set();
    release.wait();
  });
  holder.start();
  held.wait();
  got_while_held = lock.try_lock();
  EXPECT_FALSE(lock.acquire(true, 0.02));
  release.set();
  holder.join();
  EXPECT_FALSE(got_while_held);
  EXPECT_TRUE(lock.acquire(false));
  lock.release();
}

TEST(RLock, NoIncrementIsLostUnderTheLock) {
  concur::RLock lock;
  long counter = 0;  // guarded by lock
  std::deque<concur::Thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 2000; ++j) {
        std::unique_lock outer(lock);
        std::lock_guard inner(lock);
        ++counter;
      }
    });
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 8000);
}

}  // namespace
