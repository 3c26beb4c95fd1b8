// concur::Mutex: the standard Lockable interface, mutual exclusion, Python's acquire(),
// and releasing a lock the thread does not hold.
#include <gtest/gtest.h>

#include <concur/threads/event.hpp>
#include <concur/threads/mutex.hpp>
#include <concur/threads/thread.hpp>

#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>

namespace {

// Runs `body` on another concur::Thread while the calling thread holds `m`.
template <typename F>
void while_held_elsewhere(concur::Mutex& m, F body) {
  concur::Event held, release;
  concur::Thread holder([&] {
    std::lock_guard guard(m);
    held.set();
    release.wait();
  });
  holder.start();
  held.wait();
  body();
  release.set();
  holder.join();
}

TEST(Mutex, WorksWithLockGuardAndScopedLock) {
  concur::Mutex a("a"), b("b");
  {
    std::lock_guard guard(a);
    EXPECT_TRUE(a.locked());
  }
  EXPECT_FALSE(a.locked());
  {
    std::scoped_lock both(a, b);
    EXPECT_TRUE(a.locked());
    EXPECT_TRUE(b.locked());
  }
  EXPECT_FALSE(a.locked());
  EXPECT_FALSE(b.locked());
  {
    std::unique_lock lock(a);
    lock.unlock();
    EXPECT_FALSE(a.locked());
  }
}

TEST(Mutex, LockedFollowsLockAndUnlock) {
  concur::Mutex m("counter lock");
  EXPECT_EQ(m.name(), "counter lock");
  EXPECT_FALSE(m.locked());
  m.lock();
  EXPECT_TRUE(m.locked());
  m.unlock();
  EXPECT_FALSE(m.locked());
  EXPECT_TRUE(m.acquire());
  EXPECT_TRUE(m.locked());
  m.release();
  EXPECT_FALSE(m.locked());
}

TEST(Mutex, NoIncrementIsLostUnderTheLock) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 2000;
  concur::Mutex m("counter lock");
  long counter = 0;  // guarded by m
  std::deque<concur::Thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < kIncrements; ++j) {
        std::lock_guard guard(m);
        ++counter;
      }
    });
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, long{kThreads} * kIncrements);
}

TEST(Mutex, TryLockFailsWhileAnotherThreadHoldsIt) {
  concur::Mutex m;
  while_held_elsewhere(m, [&] {
    EXPECT_TRUE(m.locked());
    EXPECT_FALSE(m.try_lock());
  });
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

TEST(Mutex, NonBlockingAcquireReturnsFalseWhenHeld) {
  concur::Mutex m;
  while_held_elsewhere(m, [&] { EXPECT_FALSE(m.acquire(false)); });
  EXPECT_TRUE(m.acquire(false));
  m.release();
}

TEST(Mutex, TimedAcquireReturnsFalseWhenHeld) {
  concur::Mutex m;
  while_held_elsewhere(m, [&] {
    EXPECT_FALSE(m.acquire(true, 0.05));
    EXPECT_FALSE(m.acquire(true, 0.0));
  });
  EXPECT_TRUE(m.acquire(true, 0.05));
  m.release();
}

TEST(Mutex, BlockedLockProceedsAfterTheHolderUnlocks) {
  concur::Mutex m;
  int shared = 0;  // guarded by m
  concur::Event held, release;
  concur::Thread holder([&] {
    std::lock_guard guard(m);
    held.set();
    release.wait();
    shared = 1;
  });
  holder.start();
  held.wait();
  release.set();
  {
    // The holder keeps the lock until after its write, so getting it means seeing it.
    std::lock_guard guard(m);
    EXPECT_EQ(shared, 1);
  }
  holder.join();
}

TEST(Mutex, UnlockFromAThreadThatDoesNotHoldItThrowsRuntimeError) {
  concur::Mutex m("counter lock");
  m.lock();
  std::string unlock_error, release_error;
  concur::Thread other([&] {
    try {
      m.unlock();
    } catch (const std::runtime_error& e) {
      unlock_error = e.what();
    }
    try {
      m.release();
    } catch (const std::runtime_error& e) {
      release_error = e.what();
    }
  });
  other.start();
  other.join();
  EXPECT_EQ(unlock_error, "release of 'counter lock', which this thread does not hold");
  EXPECT_EQ(release_error, unlock_error);
  EXPECT_TRUE(m.locked());  // still ours
  m.unlock();
}

TEST(Mutex, UnlockingAFreeLockThrowsRuntimeError) {
  concur::Mutex m;
  EXPECT_THROW(m.unlock(), std::runtime_error);
  EXPECT_THROW(m.release(), std::runtime_error);
  m.lock();
  m.unlock();
  EXPECT_THROW(m.unlock(), std::runtime_error);
  EXPECT_FALSE(m.locked());
}

}  // namespace

namespace {

TEST(Mutex, LockingItAgainFromTheOwnerThrowsDeadlockErrorAndKeepsItHeld) {
  concur::Mutex m("counter lock");
  m.lock();
  EXPECT_THROW(m.lock(), concur::DeadlockError);
  EXPECT_FALSE(m.try_lock());  // never reaches the std::timed_mutex
  EXPECT_TRUE(m.locked());
  m.unlock();
  EXPECT_FALSE(m.locked());
}

}  // namespace
