// concur::Condition: wait/notify with the lock held, timeouts, wait_for's predicate,
// notify(n) and notify_all(), the RuntimeError-like misuse errors, a given lock, and
// a bounded buffer that loses no item.
#include <gtest/gtest.h>

#include <concur/threads/condition.hpp>
#include <concur/threads/event.hpp>
#include <concur/threads/mutex.hpp>
#include <concur/threads/rlock.hpp>
#include <concur/threads/thread.hpp>
#include <concur/core/timeline.hpp>

#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

TEST(Condition, WaitingOrNotifyingWithoutTheLockThrows) {
  concur::Condition cond;
  try {
    cond.wait(0.01);
    FAIL() << "wait() without the lock returned";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot wait on un-acquired lock");
  }
  EXPECT_THROW(cond.wait_for([] { return true; }), std::runtime_error);
  EXPECT_THROW(cond.notify(), std::runtime_error);
  EXPECT_THROW(cond.notify_all(), std::runtime_error);
  EXPECT_THROW(cond.release(), std::runtime_error);
}

TEST(Condition, AnotherThreadsLockDoesNotCount) {
  concur::Condition cond;
  concur::Event held, done;
  concur::Thread holder([&] {
    std::lock_guard guard(cond);
    held.set();
    done.wait();
  });
  holder.start();
  held.wait();
  EXPECT_THROW(cond.notify(), std::runtime_error);
  EXPECT_FALSE(cond.try_lock());
  done.set();
  holder.join();
  EXPECT_TRUE(cond.try_lock());
  cond.notify();  // held now: fine, nobody waits
  cond.unlock();
}

TEST(Condition, TimedWaitReturnsFalseAndHoldsTheLockAgain) {
  concur::Condition cond;
  std::unique_lock guard(cond);
  EXPECT_FALSE(cond.wait(0.01));
  cond.notify_all();  // would throw if the wait had not taken the lock back
  EXPECT_FALSE(cond.wait_for([] { return false; }, 0.01));
  EXPECT_TRUE(cond.wait_for([] { return true; }, 0.0));  // checked first, no wait at all
}

TEST(Condition, AcquireAndReleaseLikePython) {
  concur::Condition cond;
  EXPECT_TRUE(cond.acquire());
  EXPECT_FALSE(cond.wait(0.0));
  cond.release();
  EXPECT_TRUE(cond.acquire(false));
  cond.release();
}

TEST(Condition, WaitForSeesTheStateANotifierChanged) {
  concur::Condition cond;
  bool ready = false;  // guarded by cond
  int seen = 0;
  concur::Thread waiter([&] {
    std::unique_lock guard(cond);
    cond.wait_for([&] { return ready; });
    seen = 42;
  });
  waiter.start();
  {
    std::lock_guard guard(cond);
    ready = true;
    cond.notify();
  }
  waiter.join();
  EXPECT_EQ(seen, 42);
}

TEST(Condition, NotifyNWakesNWaitersAndNotifyAllTheRest) {
  constexpr int kWaiters = 4;
  concur::Mutex lock;
  // Waiters sleep in `go`; they tell the test what they did through `report`, so the
  // test's own waits never take a wake-up meant for them.
  concur::Condition go(lock, "go"), report(lock, "report");
  int waiting = 0, woken = 0;  // guarded by lock
  std::deque<concur::Thread> threads;
  for (int i = 0; i < kWaiters; ++i)
    threads.emplace_back([&] {
      std::unique_lock guard(go);
      ++waiting;
      report.notify();
      go.wait();  // a bare wait on purpose: it counts wake-ups, not a state
      ++woken;
      report.notify();
    });
  for (auto& t : threads) t.start();
  std::unique_lock guard(report);
  // Each waiter released the lock only by entering wait(), so all are asleep by now.
  ASSERT_TRUE(report.wait_for([&] { return waiting == kWaiters; }, 60.0));
  go.notify(2);
  ASSERT_TRUE(report.wait_for([&] { return woken >= 2; }, 60.0));
  EXPECT_EQ(woken, 2);
  go.notify_all();
  ASSERT_TRUE(report.wait_for([&] { return woken == kWaiters; }, 60.0));
  guard.unlock();
  for (auto& t : threads) t.join();
}

TEST(Condition, WorksOverAGivenLockSharedByTwoConditions) {
  concur::Mutex lock("buffer lock");
  concur::Condition not_empty(lock, "not empty"), not_full(lock, "not full");
  constexpr std::size_t kCapacity = 2;
  constexpr int kItems = 200;
  std::deque<int> buffer;  // guarded by lock
  std::vector<int> got;
  concur::Thread consumer([&] {
    for (int i = 0; i < kItems; ++i) {
      std::unique_lock guard(not_empty);
      not_empty.wait_for([&] { return !buffer.empty(); });
      got.push_back(buffer.front());
      buffer.pop_front();
      not_full.notify();  // the lock was taken through not_empty: it is the same lock
    }
  });
  consumer.start();
  for (int i = 0; i < kItems; ++i) {
    std::unique_lock guard(not_full);
    not_full.wait_for([&] { return buffer.size() < kCapacity; });
    EXPECT_TRUE(lock.locked());
    buffer.push_back(i);
    not_empty.notify();
  }
  consumer.join();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kItems));
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i);
}

TEST(Condition, ALockTakenThroughOneConditionCountsForAnotherOverIt) {
  concur::Mutex lock;
  concur::Condition a(lock, "a"), b(lock, "b");
  {
    std::lock_guard guard(a);
    b.notify_all();
    EXPECT_FALSE(b.wait(0.0));
    EXPECT_TRUE(lock.locked());
  }
  EXPECT_FALSE(lock.locked());
  EXPECT_THROW(b.notify(), std::runtime_error);
}

TEST(Condition, OverAnRLockWaitsOnlyWhenHeldOnce) {
  concur::RLock rlock("rlock");
  concur::Condition cond(rlock, "recursive");
  std::unique_lock outer(cond);
  EXPECT_FALSE(cond.wait(0.0));  // held once: fine
  {
    std::unique_lock inner(cond);  // re-entered
    EXPECT_THROW(cond.wait(0.0), std::runtime_error);
    EXPECT_THROW(cond.wait_for([] { return false; }, 0.0), std::runtime_error);
    cond.notify();  // notifying needs the lock held, at any depth
  }
  EXPECT_FALSE(cond.wait_for([] { return false; }, 0.0));
  EXPECT_TRUE(rlock.is_owned());
}

// Python: cond = Condition(lock); with lock: cond.wait(...). The condition asks the lock.
TEST(Condition, ALockTakenDirectlyCountsWhenTheLockCanSaySo) {
  concur::Mutex lock("direct");
  concur::Condition cond(lock, "over direct");
  bool ready = false;  // guarded by lock
  concur::Thread setter([&] {
    std::lock_guard guard(lock);  // not through the condition either
    ready = true;
    cond.notify_all();
  });
  {
    std::unique_lock guard(lock);
    setter.start();
    EXPECT_TRUE(cond.wait_for([&] { return ready; }, 10.0));
    EXPECT_TRUE(lock.held_by_me());  // the wait took it back
  }
  setter.join();
  EXPECT_THROW(cond.notify(), std::runtime_error);  // released: nobody holds it now
  EXPECT_THROW(cond.wait(0.0), std::runtime_error);

  concur::RLock rlock("direct rlock");
  concur::Condition rcond(rlock, "over direct rlock");
  std::unique_lock outer(rlock);
  EXPECT_FALSE(rcond.wait(0.0));
  std::unique_lock inner(rlock);
  EXPECT_THROW(rcond.wait(0.0), std::runtime_error);  // held twice: wait releases one level only
}

TEST(Condition, WorksOverAStdMutex) {
  std::mutex mu;
  concur::Condition cond(mu, "std");
  std::unique_lock guard(cond);
  EXPECT_FALSE(cond.wait(0.001));
  EXPECT_FALSE(mu.try_lock());  // still held after the wait
}

TEST(Condition, AWaitIsAWaitingSpanOnTheTimeline) {
  concur::Recorder::begin_run();
  {
    concur::Condition cond("ready");
    std::unique_lock guard(cond);
    cond.wait(0.001);
    cond.notify();
  }
  const concur::Timeline timeline = concur::Recorder::end_run();
  bool waiting = false, notified = false;
  for (const auto& track : timeline.tracks)
    for (const auto& e : track.events) {
      if (e.type == concur::TimelineEvent::Type::span && e.kind == concur::SpanKind::waiting &&
          timeline.label(e) == "waiting for ready")
        waiting = true;
      if (e.type == concur::TimelineEvent::Type::instant && timeline.label(e) == "ready notify()")
        notified = true;
    }
  EXPECT_TRUE(waiting);
  EXPECT_TRUE(notified);
}

}  // namespace
