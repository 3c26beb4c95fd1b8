// Deadlock detection in concur::Mutex and concur::RLock: cycles of two and three threads
// are reported (never a hang, one victim per cycle, every thread joined), a Mutex locked
// again by its owner is reported at once, and heavy contention without a cycle is not.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <concur/core/actor.hpp>
#include <concur/threads/deadlock.hpp>
#include <concur/threads/mutex.hpp>
#include <concur/threads/rlock.hpp>
#include <concur/threads/start_line.hpp>
#include <concur/threads/thread.hpp>

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace {

// What one thread of a would-be deadlock ended with.
struct Outcome {
  bool completed = false;
  std::string error;                                // DeadlockError::what(), if thrown
  std::vector<concur::DeadlockError::Edge> cycle;   // and its cycle
};

// Thread i takes first[i], waits until every thread holds its first lock, then takes
// second[i]. Returns each thread's outcome once all are joined.
template <typename First, typename Second>
std::vector<Outcome> take_in_turn(std::vector<First*> first, std::vector<Second*> second) {
  const std::size_t n = first.size();
  std::vector<Outcome> outcomes(n);
  concur::StartLine all_hold_one(static_cast<std::ptrdiff_t>(n));
  std::deque<concur::Thread> threads;
  for (std::size_t i = 0; i < n; ++i)
    threads.emplace_back(
        [&, i] {
          try {
            std::lock_guard one(*first[i]);
            all_hold_one.arrive_and_wait();
            std::lock_guard two(*second[i]);
            outcomes[i].completed = true;
          } catch (const concur::DeadlockError& e) {
            outcomes[i].error = e.what();
            outcomes[i].cycle = e.cycle();
          }
        },
        fmt::format("T{}", i + 1));
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
  return outcomes;
}

int victims(const std::vector<Outcome>& outcomes) {
  int n = 0;
  for (const Outcome& o : outcomes) n += o.error.empty() ? 0 : 1;
  return n;
}

TEST(Deadlock, TwoThreadsInOppositeOrderOneIsToldAndBothFinish) {
  concur::Mutex a("lock A"), b("lock B");
  const auto outcomes = take_in_turn<concur::Mutex, concur::Mutex>({&a, &b}, {&b, &a});
  ASSERT_EQ(victims(outcomes), 1);
  for (const Outcome& o : outcomes) {
    if (o.error.empty()) {
      EXPECT_TRUE(o.completed);  // the other one got its second lock once the victim let go
      continue;
    }
    for (const char* word : {"T1", "T2", "'lock A'", "'lock B'"}) EXPECT_NE(o.error.find(word), std::string::npos) << o.error;
    ASSERT_EQ(o.cycle.size(), 2u);
    for (const auto& edge : o.cycle) {
      // T1 holds A and wants B; T2 holds B and wants A.
      if (edge.thread == "T1") {
        EXPECT_EQ(edge.holds, "lock A");
        EXPECT_EQ(edge.waits_for, "lock B");
      } else {
        EXPECT_EQ(edge.thread, "T2");
        EXPECT_EQ(edge.holds, "lock B");
        EXPECT_EQ(edge.waits_for, "lock A");
      }
    }
  }
  EXPECT_FALSE(a.locked());
  EXPECT_FALSE(b.locked());
}

TEST(Deadlock, ThreeThreadCycleIsFound) {
  concur::Mutex a("A"), b("B"), c("C");
  const auto outcomes = take_in_turn<concur::Mutex, concur::Mutex>({&a, &b, &c}, {&b, &c, &a});
  ASSERT_EQ(victims(outcomes), 1);
  for (const Outcome& o : outcomes) {
    if (o.error.empty()) continue;
    EXPECT_EQ(o.cycle.size(), 3u);
    for (const char* word : {"T1", "T2", "T3", "'A'", "'B'", "'C'"})
      EXPECT_NE(o.error.find(word), std::string::npos) << o.error;
  }
  int completed = 0;
  for (const Outcome& o : outcomes) completed += o.completed ? 1 : 0;
  EXPECT_EQ(completed, 2);
}

TEST(Deadlock, AnRLockAndAMutexCanDeadlockToo) {
  concur::RLock r("rlock R");
  concur::Mutex m("mutex M");
  std::vector<Outcome> outcomes(2);
  concur::StartLine both_hold_one(2);
  concur::Thread t1([&] {
    try {
      std::lock_guard one(r);
      std::lock_guard again(r);  // re-entry is not a deadlock
      both_hold_one.arrive_and_wait();
      std::lock_guard two(m);
      outcomes[0].completed = true;
    } catch (const concur::DeadlockError& e) {
      outcomes[0].error = e.what();
    }
  }, "T1");
  concur::Thread t2([&] {
    try {
      std::lock_guard one(m);
      both_hold_one.arrive_and_wait();
      std::lock_guard two(r);
      outcomes[1].completed = true;
    } catch (const concur::DeadlockError& e) {
      outcomes[1].error = e.what();
    }
  }, "T2");
  t1.start();
  t2.start();
  t1.join();
  t2.join();
  ASSERT_EQ(victims(outcomes), 1);
  EXPECT_TRUE(outcomes[0].completed || outcomes[1].completed);
  EXPECT_FALSE(r.locked());
  EXPECT_FALSE(m.locked());
}

TEST(Deadlock, AMutexLockedAgainByItsOwnerIsReportedAtOnce) {
  concur::Mutex m("lock X");
  std::lock_guard guard(m);
  try {
    m.lock();
    FAIL() << "no DeadlockError";
  } catch (const concur::DeadlockError& e) {
    EXPECT_EQ(std::string(e.what()), "would deadlock: " + concur::current_actor() + " already holds 'lock X'");
    ASSERT_EQ(e.cycle().size(), 1u);
    EXPECT_EQ(e.cycle()[0].holds, "lock X");
    EXPECT_EQ(e.cycle()[0].waits_for, "lock X");
  }
  EXPECT_TRUE(m.locked());  // still held once, by us; the guard releases it
  EXPECT_FALSE(m.try_lock());
  EXPECT_FALSE(m.acquire(false));
  EXPECT_FALSE(m.acquire(true, 0.01));
}

TEST(Deadlock, WaitingOnAThreadCaughtInSomeoneElsesCycleIsNotAVictim) {
  concur::Mutex a("A"), b("B");
  concur::StartLine both_hold_one(2);
  std::atomic<int> errors{0};
  std::atomic<bool> bystander_error{false};
  concur::Thread t1([&] {
    try {
      std::lock_guard one(a);
      both_hold_one.arrive_and_wait();
      std::lock_guard two(b);
    } catch (const concur::DeadlockError&) {
      ++errors;
    }
  }, "T1");
  concur::Thread t2([&] {
    try {
      std::lock_guard one(b);
      both_hold_one.arrive_and_wait();
      std::lock_guard two(a);
    } catch (const concur::DeadlockError&) {
      ++errors;
    }
  }, "T2");
  // T3 only ever wants A: it waits behind the cycle but is not part of it.
  concur::Thread t3([&] {
    try {
      std::lock_guard only(a);
    } catch (const concur::DeadlockError&) {
      bystander_error = true;
    }
  }, "T3");
  t1.start();
  t2.start();
  t3.start();
  t1.join();
  t2.join();
  t3.join();
  EXPECT_EQ(errors.load(), 1);
  EXPECT_FALSE(bystander_error.load());
}

TEST(Deadlock, NoFalseAlarmUnderHeavyContentionInOneOrder) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 10'000;
  concur::Mutex first("first"), second("second");
  long counter = 0;  // guarded by first and second
  std::atomic<int> errors{0};
  std::deque<concur::Thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        try {
          std::lock_guard one(first);
          std::lock_guard two(second);
          ++counter;
        } catch (const concur::DeadlockError&) {
          ++errors;
        }
      }
    });
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(counter, long{kThreads} * kRounds);
}

TEST(Deadlock, ScopedLockTakesBothWhateverTheOrder) {
  concur::Mutex a("A"), b("B");
  std::atomic<int> done{0};
  concur::Thread t1([&] {
    for (int i = 0; i < 2000; ++i) {
      std::scoped_lock both(a, b);
      ++done;
    }
  });
  concur::Thread t2([&] {
    for (int i = 0; i < 2000; ++i) {
      std::scoped_lock both(b, a);
      ++done;
    }
  });
  t1.start();
  t2.start();
  t1.join();
  t2.join();
  EXPECT_EQ(done.load(), 4000);
}

}  // namespace
