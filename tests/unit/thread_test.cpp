// concur::Thread: names, the start/join/is_alive life cycle, ids, misuse errors,
// current_thread(), subclassing run(), exceptions escaping run(), the stop-aware
// sleep_for() and end_of_main()'s daemon cut-off.
#include <gtest/gtest.h>

#include <concur/core/actor.hpp>
#include <concur/threads/event.hpp>
#include <concur/threads/thread.hpp>

#include <pthread.h>

#include <atomic>
#include <latch>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

TEST(Thread, NameDefaultsToThreadN) {
  concur::reset_thread_names();
  concur::Thread a;
  concur::Thread b([] {});
  EXPECT_EQ(a.name(), "Thread-1");
  EXPECT_EQ(b.name(), "Thread-2");
}

TEST(Thread, CustomNameIsKeptAndSeenByTheThread) {
  std::string seen_inside;
  concur::Thread t([&] { seen_inside = concur::current_thread().name(); }, "Worker-1");
  EXPECT_EQ(t.name(), "Worker-1");
  t.start();
  t.join();
  EXPECT_EQ(seen_inside, "Worker-1");
}

TEST(Thread, NameCanChangeBeforeStartButNotAfter) {
  concur::Event release;
  concur::Thread t([&] { release.wait(); }, "before");
  t.set_name("after");
  EXPECT_EQ(t.name(), "after");
  t.start();
  EXPECT_THROW(t.set_name("too late"), std::logic_error);
  EXPECT_THROW(t.set_daemon(true), std::logic_error);
  release.set();
  t.join();
  EXPECT_EQ(t.name(), "after");
}

TEST(Thread, IsAliveBeforeStartDuringRunAndAfterJoin) {
  concur::Event running, release;
  concur::Thread t([&] {
    running.set();
    release.wait();
  });
  EXPECT_FALSE(t.is_alive());
  t.start();
  EXPECT_TRUE(t.is_alive());
  running.wait();
  EXPECT_TRUE(t.is_alive());
  release.set();
  t.join();
  EXPECT_FALSE(t.is_alive());
}

TEST(Thread, TimedJoinReturnsFalseWhileRunningAndTrueAfter) {
  concur::Event release;
  concur::Thread t([&] { release.wait(); });
  t.start();
  EXPECT_FALSE(t.join(0.05));
  EXPECT_TRUE(t.is_alive());  // a timed-out join leaves the thread running
  release.set();
  EXPECT_TRUE(t.join(30.0));
  EXPECT_FALSE(t.is_alive());
  EXPECT_TRUE(t.join(0.0));  // joining a finished thread again is fine
  EXPECT_TRUE(t.join());
}

TEST(Thread, IdsAreEmptyBeforeStartAndSetOnceRunning) {
  std::optional<std::uint64_t> ident_inside;
  std::optional<long> native_inside;
  std::uint64_t pthread_inside = 0;
  long tid_inside = 0;
  concur::Thread t([&] {
    ident_inside = concur::current_thread().ident();
    native_inside = concur::current_thread().native_id();
    pthread_inside = static_cast<std::uint64_t>(::pthread_self());
    tid_inside = concur::current_native_id();
  });
  EXPECT_FALSE(t.ident().has_value());
  EXPECT_FALSE(t.native_id().has_value());
  t.start();
  t.join();
  ASSERT_TRUE(t.ident().has_value());
  ASSERT_TRUE(t.native_id().has_value());
  EXPECT_EQ(ident_inside, t.ident());
  EXPECT_EQ(native_inside, t.native_id());
  EXPECT_EQ(*t.ident(), pthread_inside);
  EXPECT_EQ(*t.native_id(), tid_inside);
  EXPECT_NE(*t.native_id(), concur::current_native_id());  // not the main thread's id
}

TEST(Thread, IdsAreSetWhenStartReturns) {
  // "Empty before start()" (thread.hpp), as in Python, whose start() returns only once the
  // thread runs: from start() on, ident and native_id are set.
  concur::Event release;
  concur::Thread t([&] { release.wait(); });
  t.start();
  const bool ident_set = t.ident().has_value();
  const bool native_set = t.native_id().has_value();
  release.set();
  t.join();
  EXPECT_TRUE(ident_set);
  EXPECT_TRUE(native_set);
}

TEST(Thread, AnotherThreadMayJoinOnceTheTargetHasBegun) {
  // Python lets any thread join a started thread. Here the joiner learns that the worker
  // runs from the worker itself, and joins while the starter may still be inside start().
  concur::Event begun;
  concur::Thread worker([&] { begun.set(); }, "Worker");
  bool joined = false;
  concur::Thread joiner(
      [&] {
        begun.wait();
        joined = worker.join();
      },
      "Joiner");
  joiner.start();
  worker.start();
  joiner.join();
  EXPECT_TRUE(joined);
  EXPECT_FALSE(worker.is_alive());
}

TEST(Thread, StartTwiceThrowsLogicError) {
  concur::Thread t([] {});
  t.start();
  EXPECT_THROW(t.start(), std::logic_error);
  t.join();
  EXPECT_THROW(t.start(), std::logic_error);
}

TEST(Thread, JoinBeforeStartThrowsLogicError) {
  concur::Thread t([] {});
  EXPECT_THROW(t.join(), std::logic_error);
  EXPECT_THROW(t.join(0.01), std::logic_error);
}

TEST(Thread, JoiningItselfThrowsLogicError) {
  bool threw = false;
  concur::Thread t([&] {
    try {
      concur::current_thread().join();
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  t.start();
  t.join();
  EXPECT_TRUE(threw);
}

TEST(Thread, CurrentThreadInsideAThreadIsThatThread) {
  concur::Thread* seen = nullptr;
  concur::Thread t([&] { seen = &concur::current_thread(); }, "Worker-7");
  t.start();
  t.join();
  EXPECT_EQ(seen, &t);
}

TEST(Thread, CurrentThreadInTheMainThreadIsMainThread) {
  concur::Thread& main = concur::current_thread();
  EXPECT_EQ(main.name(), "MainThread");
  EXPECT_EQ(&main, &concur::current_thread());  // the same stand-in every time
  EXPECT_TRUE(main.is_alive());
  EXPECT_EQ(main.native_id(), concur::current_native_id());
  EXPECT_EQ(main.ident(), static_cast<std::uint64_t>(::pthread_self()));
  // A stand-in cannot be started or joined.
  EXPECT_THROW(main.start(), std::logic_error);
  EXPECT_THROW(main.join(), std::logic_error);
}

TEST(Thread, CurrentThreadInAPlainStdThreadIsADummy) {
  std::string name;
  std::thread plain([&] { name = concur::current_thread().name(); });
  plain.join();
  EXPECT_EQ(name.rfind("Dummy-", 0), 0u) << name;
}

// A subclass that overrides run() and keeps its result in its own members.
class Summer : public concur::Thread {
 public:
  Summer(int upto, std::string name) : Thread({}, std::move(name)), upto_(upto) {}
  // run() uses members of this class: join before they are destroyed (see thread.hpp).
  ~Summer() override {
    if (is_alive()) join();
  }

  long sum() const { return sum_; }
  const Thread* self_seen() const { return self_seen_; }

 protected:
  void run() override {
    self_seen_ = &concur::current_thread();
    for (int i = 1; i <= upto_; ++i) sum_ += i;
  }

 private:
  int upto_;
  long sum_ = 0;
  const Thread* self_seen_ = nullptr;
};

TEST(Thread, SubclassOverridingRunKeepsPerThreadState) {
  std::deque<Summer> summers;
  for (int i = 1; i <= 4; ++i) summers.emplace_back(i * 100, "Summer-" + std::to_string(i));
  for (Summer& s : summers) s.start();
  for (Summer& s : summers) s.join();
  for (int i = 1; i <= 4; ++i) {
    const Summer& s = summers[i - 1];
    const long n = i * 100;
    EXPECT_EQ(s.sum(), n * (n + 1) / 2) << s.name();
    EXPECT_EQ(s.self_seen(), &s);
  }
}

TEST(Thread, ExceptionInRunIsCapturedAndDoesNotCrash) {
  concur::Thread t([] { throw std::runtime_error("boom"); }, "Crasher");
  t.start();
  EXPECT_TRUE(t.join());
  EXPECT_FALSE(t.is_alive());
  std::exception_ptr error = t.exception();
  ASSERT_TRUE(error);
  try {
    std::rethrow_exception(error);
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
}

TEST(Thread, NonStandardExceptionInRunIsCapturedToo) {
  concur::Thread t([] { throw 42; });
  t.start();
  t.join();
  std::exception_ptr error = t.exception();
  ASSERT_TRUE(error);
  EXPECT_THROW(std::rethrow_exception(error), int);
}

TEST(Thread, NoExceptionMeansNullExceptionPtr) {
  concur::Thread t([] {});
  EXPECT_FALSE(t.exception());
  t.start();
  t.join();
  EXPECT_FALSE(t.exception());
}

TEST(Thread, DestroyingADaemonThreadAsksItToStop) {
  std::atomic<bool> saw_stop{false};
  concur::Event running;
  {
    concur::Thread daemon(
        [&] {
          running.set();
          while (!concur::current_thread().stop_requested()) std::this_thread::yield();
          saw_stop.store(true);
        },
        "Daemon", true);
    EXPECT_TRUE(daemon.daemon());
    daemon.start();
    running.wait();
    EXPECT_FALSE(daemon.stop_requested());
  }  // the destructor requests the stop, then joins
  EXPECT_TRUE(saw_stop.load());
}

TEST(Thread, DestructorJoinsARunningThread) {
  std::atomic<bool> finished{false};
  concur::Event release;
  {
    concur::Thread t([&] {
      release.wait();
      finished.store(true);
    });
    t.start();
    release.set();
  }
  EXPECT_TRUE(finished.load());
}

}  // namespace

// sleep_for(): a plain sleep unless the calling Thread is asked to stop.

TEST(SleepFor, SleepsTheWholeTimeWhenNobodyAsksToStop) {
  bool slept = false;
  concur::Thread t([&] { slept = concur::sleep_for(std::chrono::milliseconds(1)); });
  t.start();
  t.join();
  EXPECT_TRUE(slept);
  EXPECT_TRUE(concur::sleep_for(std::chrono::milliseconds(1)));  // the main thread: plain sleep
  EXPECT_TRUE(concur::sleep_for(std::chrono::nanoseconds(0)));
}

TEST(SleepFor, AStopRequestCutsALongSleepShort) {
  concur::Event sleeping;
  std::optional<bool> slept;
  concur::Thread t([&] {
    sleeping.set();
    slept = concur::sleep_for(std::chrono::hours(1));  // would hang the test if not cut short
  });
  t.start();
  sleeping.wait();
  t.request_stop();
  EXPECT_TRUE(t.join(60.0));
  ASSERT_TRUE(slept.has_value());
  EXPECT_FALSE(*slept);
  EXPECT_TRUE(t.stop_requested());
}

TEST(SleepFor, ReturnsAtOnceOnceAStopWasRequested) {
  // A std::latch, not a concur::Event: an Event's wait() itself ends with ThreadStopped
  // once the stop is requested, and the body would never get to its sleeps.
  std::latch go(1);
  int completed_sleeps = -1;
  concur::Thread t([&] {
    go.wait();
    completed_sleeps = 0;
    for (int i = 0; i < 3; ++i)
      if (concur::sleep_for(std::chrono::hours(1))) ++completed_sleeps;
  });
  t.start();
  t.request_stop();  // before it sleeps at all
  go.count_down();
  EXPECT_TRUE(t.join(60.0));
  EXPECT_EQ(completed_sleeps, 0);
}

// end_of_main(): non-daemons finish, daemons are cut off at their next check.

TEST(EndOfMain, JoinsNonDaemonsToCompletionThenCutsDaemonsOff) {
  constexpr int kSteps = 5;
  std::atomic<int> worker_steps{0}, daemon_steps{0};
  std::atomic<bool> worker_done_first{false};
  concur::Event daemon_running;
  concur::Thread daemon([&] {
    daemon_running.set();
    for (int i = 0; i < kSteps; ++i) {
      if (!concur::sleep_for(std::chrono::hours(1))) return;  // only a stop ends this
      ++daemon_steps;
    }
  }, "Daemon", true);
  concur::Thread worker([&] {
    for (int i = 0; i < kSteps; ++i) {
      concur::sleep_for(std::chrono::milliseconds(1));
      ++worker_steps;
    }
    worker_done_first.store(!daemon.stop_requested());
  }, "Worker");
  daemon.start();
  worker.start();
  daemon_running.wait();
  EXPECT_EQ(concur::end_of_main({daemon, worker}), 1u);
  EXPECT_EQ(worker_steps.load(), kSteps);
  EXPECT_EQ(daemon_steps.load(), 0);
  EXPECT_TRUE(worker_done_first.load());  // the stop came only after the worker finished
  EXPECT_FALSE(daemon.is_alive());
  EXPECT_FALSE(worker.is_alive());
  EXPECT_FALSE(worker.stop_requested());  // a non-daemon is never asked to stop
}

TEST(EndOfMain, SkipsThreadsNeverStartedAndCountsOnlyRunningDaemons) {
  concur::Thread never_started([] {}, "Idle");
  concur::Thread quick_daemon([] {}, "Quick", true);
  quick_daemon.start();
  quick_daemon.join();  // already finished: nothing to cut off
  EXPECT_EQ(concur::end_of_main({never_started, quick_daemon}), 0u);
  EXPECT_FALSE(never_started.is_alive());
}

namespace {

void named_task() {}

TEST(ThreadIntrospection, EnumerateListsMainAndTheRunningThreadsInStartOrder) {
  EXPECT_EQ(concur::main_thread().name(), "MainThread");
  EXPECT_EQ(concur::main_thread().ident(), concur::current_thread().ident());
  EXPECT_EQ(concur::get_ident(), *concur::current_thread().ident());
  EXPECT_EQ(concur::get_native_id(), *concur::current_thread().native_id());
  const std::size_t before = concur::active_count();
  concur::Event release;
  concur::Thread a([&] { release.wait(); }, "A"), b([&] { release.wait(); }, "B");
  concur::Thread never_started([] {}, "C");
  a.start();
  b.start();
  const std::vector<concur::ThreadInfo> during = concur::enumerate();
  EXPECT_EQ(concur::active_count(), before + 2);
  ASSERT_GE(during.size(), 3u);
  EXPECT_EQ(during.front().name, "MainThread");
  EXPECT_EQ(during[during.size() - 2].name, "A");
  EXPECT_EQ(during.back().name, "B");
  EXPECT_EQ(during.back().ident, *b.ident());
  EXPECT_EQ(during.back().native_id, *b.native_id());
  std::string main_seen_from_a;
  concur::Thread asker([&] { main_seen_from_a = concur::main_thread().name(); }, "Asker");
  asker.start();
  asker.join();
  EXPECT_EQ(main_seen_from_a, "MainThread");
  release.set();
  a.join();
  b.join();
  EXPECT_EQ(concur::active_count(), before);  // finished threads are gone, C never counted
}

TEST(ThreadIntrospection, ANamedTargetNamesAnUnnamedThreadAfterItsFunction) {
  concur::Thread t(CONCUR_TARGET(named_task));
  EXPECT_TRUE(t.name().starts_with("Thread-")) << t.name();
  EXPECT_TRUE(t.name().ends_with(" (named_task)")) << t.name();
  concur::Thread given(CONCUR_TARGET(named_task), "Given");
  EXPECT_EQ(given.name(), "Given");
  t.start();
  t.join();
}

}  // namespace
