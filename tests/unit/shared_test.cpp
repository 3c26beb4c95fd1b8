// Shared memory between processes: SharedMemory, Value, Array, and the process-shared
// Lock, RLock, Semaphore and Event, each across the three start methods.
#include <gtest/gtest.h>

#include <concur/mp/process.hpp>
#include <concur/mp/shared_value.hpp>
#include <concur/mp/synchronize.hpp>
#include <concur/core/timeline.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <mutex>
#include <stdexcept>
#include <thread>

namespace {

namespace mp = concur::mp;
using mp::Handed;
using mp::Process;
using mp::StartMethod;
using mp::Target;

// ---- entries the children run ----------------------------------------------------

// Adds 1, `times` times, holding the value's lock around the read and the write.
void add_under_lock(const nlohmann::json& args, Handed handed) {
  auto counter = mp::Value<long long>::adopt(std::move(handed.at(0)));
  for (int i = 0; i < args["times"].get<int>(); ++i) {
    std::lock_guard hold(counter.get_lock());
    counter.set(counter.get() + 1);
  }
}
CONCUR_ENTRY(add_under_lock);

// Adds 1, `times` times, with one atomic instruction each (a Value without a lock).
void add_atomically(const nlohmann::json& args, Handed handed) {
  auto counter = mp::Value<long long>::adopt(std::move(handed.at(0)));
  for (int i = 0; i < args["times"].get<int>(); ++i) counter.fetch_add(1);
}
CONCUR_ENTRY(add_atomically);

// Adds 1 to every element, `rounds` times, each round under the array's lock.
void add_to_each(const nlohmann::json& args, Handed handed) {
  auto numbers = mp::Array<int>::adopt(std::move(handed.at(0)));
  for (int r = 0; r < args["rounds"].get<int>(); ++r) {
    std::lock_guard hold(numbers.get_lock());
    for (std::size_t i = 0; i < numbers.size(); ++i) numbers.set(i, numbers.get(i) + 1);
  }
}
CONCUR_ENTRY(add_to_each);

// Takes the lock and exits without releasing it.
void die_holding(const nlohmann::json&, Handed handed) {
  auto lock = mp::Lock::adopt(std::move(handed.at(0)));
  lock.lock();
  ::_exit(3);
}
CONCUR_ENTRY(die_holding);

// Takes the lock, tells the parent (event 1), holds it until told to let go (event 2).
void hold_until_told(const nlohmann::json&, Handed handed) {
  auto lock = mp::Lock::adopt(std::move(handed.at(0)));
  auto holding = mp::Event::adopt(std::move(handed.at(1)));
  auto let_go = mp::Event::adopt(std::move(handed.at(2)));
  std::lock_guard hold(lock);
  holding.set();
  let_go.wait(30.0);
}
CONCUR_ENTRY(hold_until_told);

// Waits for the go event, then releases the semaphore `n` times.
void release_on_go(const nlohmann::json& args, Handed handed) {
  auto go = mp::Event::adopt(std::move(handed.at(0)));
  auto permits = mp::Semaphore::adopt(std::move(handed.at(1)));
  if (!go.wait(30.0)) ::_exit(4);
  permits.release(args["n"].get<int>());
}
CONCUR_ENTRY(release_on_go);

class Shared : public ::testing::TestWithParam<StartMethod> {
 protected:
  // Starts `n` children running `entry`, joins them all, and expects each to exit with 0.
  void run_children(int n, const std::string& entry, const nlohmann::json& args, std::vector<int> fds) {
    std::vector<std::unique_ptr<Process>> children;
    for (int i = 0; i < n; ++i) {
      children.push_back(std::make_unique<Process>(Target{entry, args, fds}, "", GetParam()));
      children.back()->start();
    }
    for (auto& c : children) {
      ASSERT_TRUE(c->join(60.0));
      EXPECT_EQ(c->exitcode(), 0) << c->describe_exit();
    }
  }
};

TEST_P(Shared, AValueUpdatedUnderItsLockLosesNothing) {
  mp::Value<long long> counter(0);
  run_children(2, "add_under_lock", {{"times", 2000}}, {counter.fileno()});
  EXPECT_EQ(counter.get(), 4000);
}

TEST_P(Shared, AValueWithoutALockAddsAtomicallyWithFetchAdd) {
  mp::Value<long long> counter(5, mp::Locking::none);
  EXPECT_FALSE(counter.has_lock());
  run_children(2, "add_atomically", {{"times", 20000}}, {counter.fileno()});
  EXPECT_EQ(counter.get(), 40005);
}

TEST_P(Shared, AnArrayIsUpdatedByEveryProcess) {
  mp::Array<int> numbers{1, 2, 3};
  run_children(2, "add_to_each", {{"rounds", 5}}, {numbers.fileno()});
  EXPECT_EQ(numbers.to_vector(), (std::vector<int>{11, 12, 13}));
}

TEST_P(Shared, ALockWhoseHolderDiedIsReportedThenFree) {
  mp::Lock lock("the lock");
  Process child(Target{"die_holding", {}, {lock.fileno()}}, "Holder", GetParam());
  child.start();
  ASSERT_TRUE(child.join(30.0));
  ASSERT_EQ(child.exitcode(), 3);
  try {
    lock.lock();
    FAIL() << "expected OwnerDiedError";
  } catch (const mp::OwnerDiedError& e) {
    EXPECT_EQ(e.pid(), *child.pid());
    EXPECT_NE(std::string(e.what()).find("'the lock' was held by process"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(lock.acquire(true, 1.0));  // free again
  lock.release();
}

TEST_P(Shared, ALockHeldByAnotherProcessTimesOutThenIsTaken) {
  mp::Lock lock;
  mp::Event holding("holding"), let_go("let go");
  Process child(Target{"hold_until_told", {}, {lock.fileno(), holding.fileno(), let_go.fileno()}}, "Holder",
                GetParam());
  child.start();
  ASSERT_TRUE(holding.wait(30.0));
  EXPECT_FALSE(lock.acquire(false));
  EXPECT_FALSE(lock.acquire(true, 0.05));
  let_go.set();
  EXPECT_TRUE(lock.acquire(true, 30.0));
  lock.release();
  ASSERT_TRUE(child.join(30.0));
  EXPECT_EQ(child.exitcode(), 0);
}

TEST_P(Shared, ASemaphoreReleasedByAnotherProcessWakesTheWaiter) {
  mp::Event go("go");
  mp::Semaphore permits(0, "permits");
  Process child(Target{"release_on_go", {{"n", 2}}, {go.fileno(), permits.fileno()}}, "Releaser", GetParam());
  child.start();
  EXPECT_FALSE(permits.acquire(true, 0.05));
  go.set();
  EXPECT_TRUE(permits.acquire(true, 30.0));
  EXPECT_TRUE(permits.acquire(true, 30.0));
  EXPECT_EQ(permits.get_value(), 0);
  ASSERT_TRUE(child.join(30.0));
  EXPECT_EQ(child.exitcode(), 0);
}

TEST_P(Shared, AChildsTimelineJoinsTheParentsRun) {
  mp::Value<long long> counter(0, mp::Locking::rlock, "tally");
  concur::Recorder::begin_run();
  Process child(Target{"add_under_lock", {{"times", 20}}, {counter.fileno()}}, "Adder", GetParam());
  child.start();
  ASSERT_TRUE(child.join(30.0));
  const concur::Timeline tl = concur::Recorder::end_run();
  const concur::Track* track = nullptr;
  for (const concur::Track& t : tl.tracks)
    if (t.pid == *child.pid()) track = &t;
  ASSERT_NE(track, nullptr) << "no track from the child";
  EXPECT_EQ(track->name, fmt::format("Adder[{}]", *child.pid()));
  int running = 0, holding = 0;
  for (const concur::TimelineEvent& e : track->events) {
    running += tl.label(e) == "running add_under_lock";
    holding += tl.label(e) == "holding tally";
  }
  EXPECT_EQ(running, 1);
  EXPECT_EQ(holding, 20);  // one span per outer hold; the get()/set() inside nest in it
}

INSTANTIATE_TEST_SUITE_P(StartMethods, Shared,
                         ::testing::Values(StartMethod::fork, StartMethod::spawn, StartMethod::forkserver),
                         [](const auto& info) { return std::string(mp::to_string(info.param)); });

// ---- within one process, and fork-only sharing --------------------------------------

TEST(SharedMemory, IsZeroFilledAndSharedWithAForkedChild) {
  mp::SharedMemory block(100, "test block");
  EXPECT_GE(block.size(), 100u);
  auto* bytes = static_cast<unsigned char*>(block.data());
  for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(bytes[i], 0);
  Process child([&] { bytes[7] = 42; });  // no descriptor passed: the mapping is inherited
  child.start();
  child.join();
  EXPECT_EQ(bytes[7], 42);
}

TEST(SharedMemory, RefusesADescriptorThatIsNoBlock) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::close(fds[1]);
  EXPECT_THROW(mp::SharedMemory::adopt(concur::detail::Fd(fds[0])), std::system_error);
}

TEST(SharedMemory, AdoptRefusesAnotherKindOfObject) {
  mp::Lock lock;
  try {
    (void)mp::Value<long long>::adopt(concur::detail::Fd(::dup(lock.fileno())));
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "adopt: the descriptor holds a Lock, not a Value of 8 bytes");
  }
  mp::Value<int> small(1);
  EXPECT_THROW((void)mp::Value<long long>::adopt(concur::detail::Fd(::dup(small.fileno()))), std::invalid_argument);
}

TEST(SharedLock, ReleasingALockNotHeldThrows) {
  mp::Lock lock("mine");
  EXPECT_THROW(lock.release(), std::runtime_error);
  lock.lock();
  std::thread other([&] { EXPECT_THROW(lock.release(), std::runtime_error); });
  other.join();
  lock.unlock();
}

TEST(SharedLock, TakingALockTwiceInOneThreadThrowsInsteadOfHanging) {
  mp::Lock lock("once");
  lock.lock();
  EXPECT_THROW(lock.lock(), std::runtime_error);
  EXPECT_FALSE(lock.try_lock());
  lock.unlock();
}

TEST(SharedLock, AnRLockIsTakenAgainByItsHolderAndFreedByTheLastRelease) {
  mp::RLock lock("again");
  lock.lock();
  lock.lock();
  lock.unlock();
  std::thread other([&] { EXPECT_FALSE(lock.acquire(true, 0.02)); });
  other.join();
  lock.unlock();
  std::thread later([&] {
    EXPECT_TRUE(lock.acquire(false));
    lock.release();
  });
  later.join();
  EXPECT_THROW(lock.release(), std::runtime_error);
}

TEST(SharedLock, ThreadsInOneProcessExcludeEachOther) {
  mp::Value<long long> counter(0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        std::lock_guard hold(counter.get_lock());
        counter.set(counter.get() + 1);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.get(), 20000);
}

TEST(SharedSemaphore, BoundedRefusesAnExtraReleaseAndCountsPermits) {
  mp::Semaphore sem(2, "pair", true);
  EXPECT_EQ(sem.get_value(), 2);
  EXPECT_TRUE(sem.try_acquire());
  EXPECT_TRUE(sem.try_acquire());
  EXPECT_FALSE(sem.try_acquire());
  sem.release(2);
  EXPECT_THROW(sem.release(), std::logic_error);
  EXPECT_THROW(mp::Semaphore(-1), std::invalid_argument);
}

TEST(SharedEvent, WaitTimesOutUntilSetAndClearResets) {
  mp::Event event;
  EXPECT_FALSE(event.wait(0.02));
  event.set();
  EXPECT_TRUE(event.is_set());
  EXPECT_TRUE(event.wait());
  event.clear();
  EXPECT_FALSE(event.is_set());
}

TEST(SharedValue, HoldsAStructAndArraysCheckTheirBounds) {
  struct Point {
    double x, y;
  };
  mp::Value<Point> p(Point{1.5, -2.0});
  Process child([&] {
    std::lock_guard hold(p.get_lock());
    Point q = p.get();
    p.set({q.x * 2, q.y * 2});
  });
  child.start();
  child.join();
  EXPECT_EQ(p.get().x, 3.0);
  EXPECT_EQ(p.get().y, -4.0);
  mp::Array<Point> points(3);
  EXPECT_EQ(points.size(), 3u);
  EXPECT_THROW((void)points.get(3), std::out_of_range);
  EXPECT_THROW(mp::Value<Point>(Point{}, mp::Locking::none), std::invalid_argument);
  mp::Value<int> bare(0, mp::Locking::none);
  EXPECT_THROW((void)bare.get_lock(), std::logic_error);
}

}  // namespace
