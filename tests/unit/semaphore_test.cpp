// concur::Semaphore: at most K holders at once, the non-blocking and timed acquires,
// the permit count, and invalid arguments.
#include <gtest/gtest.h>

#include <concur/threads/semaphore.hpp>
#include <concur/threads/thread.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <stdexcept>

namespace {

using namespace std::chrono_literals;

TEST(Semaphore, NeverMoreThanKHoldersAtOnce) {
  constexpr int kPermits = 3;
  constexpr int kThreads = 8;
  constexpr int kRounds = 200;
  concur::Semaphore room(kPermits, "room");
  std::atomic<int> inside{0}, most_inside{0}, entries{0};
  std::deque<concur::Thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        room.acquire();
        const int now = inside.fetch_add(1) + 1;
        int seen = most_inside.load();
        while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {}
        entries.fetch_add(1);
        inside.fetch_sub(1);
        room.release();
      }
    });
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
  EXPECT_LE(most_inside.load(), kPermits);
  EXPECT_GE(most_inside.load(), 1);
  EXPECT_EQ(entries.load(), kThreads * kRounds);
  EXPECT_EQ(room.in_use(), 0);
  // The semaphore's own record agrees with the threads' count, and is bounded the same.
  EXPECT_LE(room.most_in_use(), kPermits);
  EXPECT_GE(room.most_in_use(), most_inside.load());
}

TEST(Semaphore, MostInUseRemembersTheFullestMoment) {
  concur::Semaphore room(3, "room");
  EXPECT_EQ(room.most_in_use(), 0);
  room.acquire();
  room.acquire();
  EXPECT_EQ(room.most_in_use(), 2);
  room.release();
  room.acquire();  // back to 2 out: not a new high
  EXPECT_EQ(room.most_in_use(), 2);
  room.acquire();
  EXPECT_EQ(room.most_in_use(), 3);
  room.release(3);
  EXPECT_EQ(room.in_use(), 0);
  EXPECT_EQ(room.most_in_use(), 3);
}

TEST(Semaphore, TryAcquireFailsWhenExhausted) {
  concur::Semaphore s(2);
  EXPECT_TRUE(s.try_acquire());
  EXPECT_TRUE(s.try_acquire());
  EXPECT_FALSE(s.try_acquire());
  EXPECT_FALSE(s.acquire(false));
  s.release();
  EXPECT_TRUE(s.try_acquire());
  s.release(2);
}

TEST(Semaphore, TryAcquireForTimesOutWhenExhausted) {
  concur::Semaphore s(1);
  s.acquire();
  EXPECT_FALSE(s.try_acquire_for(50ms));
  EXPECT_FALSE(s.acquire(true, 0.05));
  EXPECT_FALSE(s.acquire(true, 0.0));
  EXPECT_EQ(s.in_use(), 1);  // the failed attempts took nothing
  s.release();
  EXPECT_TRUE(s.try_acquire_for(50ms));
  s.release();
  EXPECT_TRUE(s.acquire(true, 0.05));
  s.release();
}

TEST(Semaphore, ZeroPermitsBlocksUntilAnotherThreadReleases) {
  concur::Semaphore signal(0, "signal");
  EXPECT_FALSE(signal.try_acquire());
  concur::Thread releaser([&] { signal.release(); });
  releaser.start();
  signal.acquire();  // returns only once the other thread gave a permit
  releaser.join();
  EXPECT_EQ(signal.in_use(), 0);  // one permit given, one taken
}

TEST(Semaphore, InUseCountsPermitsTakenAndNotGivenBack) {
  concur::Semaphore s(3, "pool");
  EXPECT_EQ(s.initial(), 3);
  EXPECT_EQ(s.name(), "pool");
  EXPECT_EQ(s.in_use(), 0);
  s.acquire();
  EXPECT_EQ(s.in_use(), 1);
  EXPECT_TRUE(s.try_acquire());
  EXPECT_TRUE(s.acquire(true));
  EXPECT_EQ(s.in_use(), 3);
  s.release(2);
  EXPECT_EQ(s.in_use(), 1);
  s.release();
  EXPECT_EQ(s.in_use(), 0);
}

TEST(Semaphore, NegativePermitsThrowInvalidArgument) {
  EXPECT_THROW(concur::Semaphore s(-1), std::invalid_argument);
  EXPECT_NO_THROW(concur::Semaphore s(0));
}

TEST(Semaphore, ReleasingFewerThanOnePermitThrowsInvalidArgument) {
  concur::Semaphore s(1);
  EXPECT_THROW(s.release(0), std::invalid_argument);
  EXPECT_THROW(s.release(-2), std::invalid_argument);
  EXPECT_EQ(s.in_use(), 0);
  EXPECT_TRUE(s.try_acquire());  // the refused releases added no permit
  EXPECT_FALSE(s.try_acquire());
  s.release();
}

}  // namespace

namespace {

TEST(BoundedSemaphore, OverReleaseThrowsAndChangesNothing) {
  concur::BoundedSemaphore pool(2, "pool");
  EXPECT_TRUE(pool.bounded());
  EXPECT_EQ(pool.value(), 2);
  try {
    pool.release();
    FAIL() << "no std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Semaphore released too many times");
  }
  EXPECT_EQ(pool.value(), 2);
  EXPECT_EQ(pool.in_use(), 0);

  pool.acquire();
  pool.acquire();
  EXPECT_FALSE(pool.try_acquire());
  EXPECT_THROW(pool.release(3), std::invalid_argument);  // more than were taken
  EXPECT_EQ(pool.value(), 0);
  EXPECT_EQ(pool.in_use(), 2);
  pool.release(2);
  EXPECT_EQ(pool.value(), 2);
  EXPECT_THROW(pool.release(), std::invalid_argument);
  EXPECT_EQ(pool.value(), 2);
}

TEST(BoundedSemaphore, RacingOverReleasesLetExactlyTheRightNumberThrough) {
  concur::BoundedSemaphore pool(3);
  for (int i = 0; i < 3; ++i) pool.acquire();
  std::atomic<int> accepted{0}, refused{0};
  std::deque<concur::Thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      try {
        pool.release();
        ++accepted;
      } catch (const std::invalid_argument&) {
        ++refused;
      }
    });
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 3);
  EXPECT_EQ(refused.load(), 3);
  EXPECT_EQ(pool.value(), 3);
}

TEST(Semaphore, APlainSemaphoreGrowsPastItsInitialCount) {
  concur::Semaphore plain(1);
  EXPECT_FALSE(plain.bounded());
  plain.release();
  EXPECT_EQ(plain.value(), 2);
  EXPECT_TRUE(plain.try_acquire());
  EXPECT_TRUE(plain.try_acquire());
  EXPECT_FALSE(plain.try_acquire());
}

}  // namespace
