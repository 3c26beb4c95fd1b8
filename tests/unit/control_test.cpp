// Controlled execution (concur/threads/control.hpp): a schedule decides the run, replaying
// it gives the same run, and exploring tries every schedule exactly once.
#include <gtest/gtest.h>

#include <concur/threads/control.hpp>
#include <concur/threads/condition.hpp>
#include <concur/threads/event.hpp>
#include <concur/threads/queue.hpp>
#include <concur/threads/mutex.hpp>
#include <concur/threads/semaphore.hpp>
#include <concur/threads/shared.hpp>
#include <concur/threads/thread.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace {

using concur::Shared;
using concur::Thread;
namespace control = concur::control;

// The race of 10.4 at its smallest: `threads` threads add 1 `increments` times each, as a
// read then a write, optionally under a lock. Returns "counter = N".
std::string race_once(const control::Chooser& chooser, int threads, int increments, bool locked,
                      control::Outcome* outcome = nullptr) {
  control::Controlled run(chooser);  // first: it must outlive the threads
  Shared<long> counter("counter");
  concur::Mutex lock("counter lock");
  std::deque<Thread> workers;
  for (int t = 1; t <= threads; ++t)
    workers.emplace_back(
        [&] {
          for (int i = 0; i < increments; ++i) {
            std::unique_lock guard(lock, std::defer_lock);
            if (locked) guard.lock();
            const long seen = counter.load();
            counter.store(seen + 1);
          }
        },
        fmt::format("Thread-{}", t));
  for (Thread& w : workers) w.start();
  for (Thread& w : workers) w.join();
  control::Outcome what = run.finish();
  if (outcome != nullptr) *outcome = std::move(what);
  return fmt::format("counter = {}", counter.peek());
}

// Two clerks each lock two accounts, in opposite orders unless `one_order`.
std::string transfer_once(const control::Chooser& chooser, bool one_order) {
  control::Controlled run(chooser);
  concur::Mutex a("account A"), b("account B");
  std::deque<Thread> clerks;
  clerks.emplace_back([&] { std::scoped_lock<concur::Mutex> first(a); std::scoped_lock<concur::Mutex> second(b); }, "Clerk-1");
  clerks.emplace_back(
      [&] {
        concur::Mutex& x = one_order ? a : b;
        concur::Mutex& y = one_order ? b : a;
        std::scoped_lock<concur::Mutex> first(x);
        std::scoped_lock<concur::Mutex> second(y);
      },
      "Clerk-2");
  for (Thread& c : clerks) c.start();
  for (Thread& c : clerks) c.join();
  run.finish();
  return "done";
}

std::map<std::string, long> counts(const control::Explored& e) {
  std::map<std::string, long> out;
  for (const auto& [outcome, seen] : e.outcomes) out[outcome] = seen.count;
  return out;
}

const control::ExploreOptions kEverySchedule{.reduce = false};

TEST(Control, ARaceOfTwoByTwoHasSeventySchedulesEndingAtTwoThreeOrFour) {
  const control::Explored e =
      control::explore([](const control::Chooser& c) { return race_once(c, 2, 2, false); }, kEverySchedule);
  EXPECT_EQ(e.schedules, 70);  // C(8,4): where the 4 steps of Thread-1 fall among 8
  EXPECT_TRUE(e.complete);
  EXPECT_EQ(e.deadlocks, 0);
  const std::map<std::string, long> by = counts(e);
  ASSERT_EQ(by.size(), 3u);
  EXPECT_GT(by.at("counter = 2"), 0);
  EXPECT_GT(by.at("counter = 3"), 0);
  EXPECT_GT(by.at("counter = 4"), 0);
  long total = 0;
  for (const auto& [outcome, n] : by) total += n;
  EXPECT_EQ(total, 70);
  for (const auto& [outcome, seen] : e.outcomes) EXPECT_EQ(seen.length, 8u) << outcome;  // every schedule has 8 steps
}

TEST(Control, ReplayingAScheduleGivesTheSameRunAndTheSameSchedule) {
  control::Outcome what;
  // Both read 0, both write 1; both read 1, both write 2.
  EXPECT_EQ(race_once(control::replay({1, 2, 1, 2, 1, 2, 1, 2}), 2, 2, false, &what), "counter = 2");
  EXPECT_EQ(what.schedule(), "1,2,1,2,1,2,1,2");
  ASSERT_EQ(what.steps.size(), 8u);
  EXPECT_EQ(what.steps[0].text, "read counter → 0");
  EXPECT_EQ(what.steps[1].text, "read counter → 0");
  EXPECT_EQ(what.steps[2].text, "write counter = 1");
  EXPECT_EQ(what.steps[3].text, "write counter = 1");
  EXPECT_EQ(what.threads.at(1), "Thread-1");
  // One thread after the other: nothing lost.
  EXPECT_EQ(race_once(control::replay({2, 2, 2, 2, 1, 1, 1, 1}), 2, 2, false, &what), "counter = 4");
  EXPECT_EQ(what.schedule(), "2,2,2,2,1,1,1,1");
}

TEST(Control, AScheduleNamingAThreadThatCannotGoOnIsRefused) {
  try {
    race_once(control::replay({1, 1, 1, 1, 1}), 2, 2, false);  // Thread-1 has only 4 steps
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("step 5: thread 1 cannot go on here (it can: 2)"), std::string::npos) << e.what();
  }
}

TEST(Control, WithTheLockEveryScheduleEndsAtFour) {
  const control::Explored e = control::explore([](const control::Chooser& c) { return race_once(c, 2, 2, true); });
  EXPECT_GT(e.schedules, 1);
  EXPECT_EQ(e.deadlocks, 0);
  const std::map<std::string, long> by = counts(e);
  ASSERT_EQ(by.size(), 1u);
  EXPECT_EQ(by.begin()->first, "counter = 4");
}

TEST(Control, OppositeLockOrdersDeadlockAndTheCycleIsNamed) {
  const control::Explored e = control::explore([](const control::Chooser& c) { return transfer_once(c, false); });
  EXPECT_GT(e.deadlocks, 0);
  EXPECT_LT(e.deadlocks, e.schedules);  // some orders get through
  ASSERT_TRUE(e.first_deadlock.has_value());
  const std::string& d = *e.first_deadlock;
  EXPECT_NE(d.find("Clerk-1 waits at \"lock account B\" (held by Clerk-2), holding account A"), std::string::npos) << d;
  EXPECT_NE(d.find("Clerk-2 waits at \"lock account A\" (held by Clerk-1), holding account B"), std::string::npos) << d;
  EXPECT_EQ(d.find("MainThread"), std::string::npos) << d;  // its join is not part of the cycle
}

TEST(Control, OneLockOrderNeverDeadlocks) {
  const control::Explored e = control::explore([](const control::Chooser& c) { return transfer_once(c, true); });
  EXPECT_GT(e.schedules, 1);
  EXPECT_EQ(e.deadlocks, 0);
}

TEST(Control, NoPreemptionLeavesOnlyTheSerialSchedules) {
  control::ExploreOptions none = kEverySchedule;
  none.preemptions = 0;
  const control::Explored e = control::explore([](const control::Chooser& c) { return race_once(c, 2, 2, false); }, none);
  EXPECT_EQ(e.schedules, 2);  // Thread-1 first or Thread-2 first, each to its end
  const std::map<std::string, long> by = counts(e);
  ASSERT_EQ(by.size(), 1u);
  EXPECT_EQ(by.begin()->first, "counter = 4");
  // One preemption, between a thread's read and its write, and the other thread's whole
  // work is overwritten: 2. Ending at 3 takes a second switch back.
  control::ExploreOptions one = kEverySchedule;
  one.preemptions = 1;
  const control::Explored e1 = control::explore([](const control::Chooser& c) { return race_once(c, 2, 2, false); }, one);
  EXPECT_GT(e1.schedules, 2);
  EXPECT_LT(e1.schedules, 70);
  EXPECT_EQ(counts(e1), (std::map<std::string, long>{{"counter = 2", counts(e1)["counter = 2"]},
                                                     {"counter = 4", counts(e1)["counter = 4"]}}));
  EXPECT_GT(counts(e1)["counter = 2"], 0);
  control::ExploreOptions two = kEverySchedule;
  two.preemptions = 2;
  const control::Explored e2 = control::explore([](const control::Chooser& c) { return race_once(c, 2, 2, false); }, two);
  EXPECT_GT(e2.schedules, e1.schedules);
  EXPECT_LT(e2.schedules, 70);
  EXPECT_EQ(counts(e2).size(), 3u);
}

// A schedule's class: schedules that differ only in the order of independent steps
// (control::independent) are equivalent. Its canonical member: at each point, the lowest
// thread whose next step depends on nothing still to come before it.
std::vector<int> canonical(const std::vector<control::Step>& steps) {
  std::vector<bool> placed(steps.size(), false);
  std::vector<int> out;
  while (out.size() < steps.size()) {
    std::size_t best = steps.size();
    for (std::size_t j = 0; j < steps.size(); ++j) {
      if (placed[j]) continue;
      bool free = true;  // every earlier step it depends on is placed
      for (std::size_t i = 0; i < j && free; ++i)
        if (!placed[i] && (steps[i].thread == steps[j].thread || !control::independent(steps[i], steps[j]))) free = false;
      if (free && (best == steps.size() || steps[j].thread < steps[best].thread)) best = j;
    }
    placed[best] = true;
    out.push_back(steps[best].thread);
  }
  return out;
}

// The classes of the schedules an exploration ran, and how many schedules fell in each.
std::map<std::vector<int>, int> classes(int threads, int increments, const control::ExploreOptions& options) {
  std::map<std::vector<int>, int> out;
  control::explore(
      [&](const control::Chooser& c) {
        control::Outcome what;
        std::string outcome = race_once(c, threads, increments, false, &what);
        ++out[canonical(what.steps)];
        return outcome;
      },
      options);
  return out;
}

TEST(Control, SleepSetsRunOneScheduleOfEachClassAndReachEveryOutcome) {
  const std::map<std::vector<int>, int> all = classes(2, 2, kEverySchedule);
  const std::map<std::vector<int>, int> reduced = classes(2, 2, {});
  EXPECT_LT(all.size(), 70u);  // two reads of the counter commute: some schedules are equivalent
  ASSERT_EQ(reduced.size(), all.size());  // every class reached ...
  for (const auto& [key, n] : reduced) EXPECT_EQ(n, 1) << "a class was run " << n << " times";  // ... once
  const control::Explored e = control::explore([](const control::Chooser& c) { return race_once(c, 2, 2, false); });
  EXPECT_EQ(e.schedules, static_cast<long>(all.size()));
  EXPECT_EQ(counts(e).size(), 3u);  // 2, 3 and 4 all still found
  EXPECT_GE(e.pruned, 0);
}

TEST(Control, SleepSetsOnThreeThreadsReachEveryClassOnce) {
  const std::map<std::vector<int>, int> reduced = classes(3, 1, {});
  const std::map<std::vector<int>, int> all = classes(3, 1, kEverySchedule);  // 6! / (2! 2! 2!) = 90 schedules
  ASSERT_EQ(reduced.size(), all.size());
  for (const auto& [key, n] : reduced) EXPECT_EQ(n, 1);
}

// Three clerks in a ring, each taking its two accounts' locks in one order, with a pause
// between. `spread` puts each run's locks somewhere else on the heap, as runs really do.
std::string ring_once(const control::Chooser& chooser, bool spread) {
  static long runs = 0;
  control::Controlled run(chooser);
  std::vector<char> elsewhere(spread ? static_cast<std::size_t>(64 * (++runs % 7)) : 0);
  std::deque<concur::Mutex> accounts;
  for (const char* name : {"A", "B", "C"}) accounts.emplace_back(name);
  std::deque<Thread> clerks;
  for (std::size_t i = 0; i < 3; ++i)
    clerks.emplace_back(
        [&, i] {
          const std::size_t a = std::min(i, (i + 1) % 3), b = std::max(i, (i + 1) % 3);
          std::scoped_lock<concur::Mutex> first(accounts[a]);
          concur::sleep_for(std::chrono::microseconds(100));
          std::scoped_lock<concur::Mutex> second(accounts[b]);
        },
        fmt::format("Clerk-{}", i + 1));
  for (Thread& c : clerks) c.start();
  for (Thread& c : clerks) c.join();
  run.finish();
  return "done";
}

TEST(Control, TheReductionDoesNotDependOnWhereEachRunsObjectsLive) {
  const control::Explored here = control::explore([](const control::Chooser& c) { return ring_once(c, false); });
  const control::Explored there = control::explore([](const control::Chooser& c) { return ring_once(c, true); });
  EXPECT_EQ(here.schedules, there.schedules);
  EXPECT_EQ(here.pruned, there.pruned);
  EXPECT_EQ(here.deadlocks, 0);
  const control::Explored all = control::explore([](const control::Chooser& c) { return ring_once(c, true); }, kEverySchedule);
  EXPECT_LE(there.schedules, all.schedules);
}

TEST(Control, PctFindsTheLostUpdateAndRepeatsWithItsSeed) {
  const auto once = [](const control::Chooser& c) { return control::Verdict{race_once(c, 2, 2, false), {}}; };
  const control::Explored a = control::explore_pct(once, {.depth = 2, .runs = 200, .seed = 7});
  EXPECT_EQ(a.schedules, 200);
  EXPECT_FALSE(a.complete);
  EXPECT_GT(a.distinct, 1);
  EXPECT_GT(counts(a)["counter = 4"], 0);
  EXPECT_GT(counts(a)["counter = 3"] + counts(a)["counter = 2"], 0);
  const control::Explored b = control::explore_pct(once, {.depth = 2, .runs = 200, .seed = 7});
  EXPECT_EQ(counts(a), counts(b));
}

TEST(Control, AnAbandonedRunUnwindsEveryThreadAndSaysSo) {
  const control::Chooser give_up = [](const control::Choice& choice) -> int {
    if (choice.depth == 3) throw control::Abandoned();
    return choice.enabled.front().thread;
  };
  EXPECT_THROW(race_once(give_up, 2, 2, false), control::Abandoned);
  EXPECT_FALSE(control::active());
  EXPECT_EQ(race_once(control::replay({}), 2, 2, false), "counter = 4");  // the next run is unaffected
}

TEST(Control, TheObserverSeesEveryStepAsItIsTaken) {
  std::vector<std::string> seen;
  {
    control::Controlled run(control::replay({1, 2, 1, 2}), [&](const control::Step& s, const std::string& name) {
      seen.push_back(fmt::format("{}: {}", name, s.text));
    });
    Shared<long> counter("counter");
    std::deque<Thread> workers;
    for (int t = 1; t <= 2; ++t)
      workers.emplace_back([&] { counter.store(counter.load() + 1); }, fmt::format("Thread-{}", t));
    for (Thread& w : workers) w.start();
    for (Thread& w : workers) w.join();
    run.finish();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"Thread-1: read counter → 0", "Thread-2: read counter → 0",
                                            "Thread-1: write counter = 1", "Thread-2: write counter = 1"}));
}

// The race again, each increment between acquire() and release() of a semaphore: with one
// permit it is a lock; with two, both threads are inside at once and updates are lost.
std::string room_once(const control::Chooser& chooser, int permits) {
  control::Controlled run(chooser);
  Shared<long> counter("counter");
  concur::Semaphore room(permits, "room");
  std::deque<Thread> workers;
  for (int t = 1; t <= 2; ++t)
    workers.emplace_back(
        [&] {
          room.acquire();
          counter.store(counter.load() + 1);
          room.release();
        },
        fmt::format("Thread-{}", t));
  for (Thread& w : workers) w.start();
  for (Thread& w : workers) w.join();
  run.finish();
  return fmt::format("counter = {}", counter.peek());
}

TEST(Control, ASemaphoreOfOnePermitIsALockAndOfTwoIsNot) {
  const control::Explored one = control::explore([](const control::Chooser& c) { return room_once(c, 1); });
  EXPECT_EQ(counts(one), (std::map<std::string, long>{{"counter = 2", one.schedules}}));
  const control::Explored two = control::explore([](const control::Chooser& c) { return room_once(c, 2); });
  EXPECT_GT(counts(two)["counter = 1"], 0);
  EXPECT_GT(counts(two)["counter = 2"], 0);
}

// A waiter reads what the main thread wrote before set(): the wait is offered only once the
// event is set, so every schedule sees the value. Without the set(), nothing can go on.
std::string event_once(const control::Chooser& chooser, bool set_it) {
  control::Controlled run(chooser);
  Shared<int> data("data");
  concur::Event go("go");
  int seen = -1;
  std::deque<Thread> waiter;
  waiter.emplace_back(
      [&] {
        go.wait();
        seen = data.load();
      },
      "Waiter");
  waiter.front().start();
  data.store(42);
  if (set_it) go.set();
  waiter.front().join();
  run.finish();
  return fmt::format("saw {}", seen);
}

TEST(Control, AWaitIsOfferedOnlyOnceTheEventIsSet) {
  const control::Explored e = control::explore([](const control::Chooser& c) { return event_once(c, true); });
  EXPECT_EQ(counts(e), (std::map<std::string, long>{{"saw 42", e.schedules}}));
  const control::Explored never = control::explore([](const control::Chooser& c) { return event_once(c, false); });
  EXPECT_EQ(never.deadlocks, never.schedules);
  ASSERT_TRUE(never.first_deadlock.has_value());
  EXPECT_NE(never.first_deadlock->find("Waiter waits at \"wait for go\""), std::string::npos) << *never.first_deadlock;
}

// Time is virtual: a sleeper lets everyone else go first, and only then does the clock
// jump. Equal sleeps wake in either order.
std::string sleepers_once(const control::Chooser& chooser, double first_s, double second_s) {
  control::Controlled run(chooser);
  Shared<int> last("last");
  std::deque<Thread> t;
  t.emplace_back([&] { concur::sleep_for(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(first_s))); last.store(1); }, "A");
  t.emplace_back([&] { concur::sleep_for(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(second_s))); last.store(2); }, "B");
  for (Thread& x : t) x.start();
  for (Thread& x : t) x.join();
  run.finish();
  return fmt::format("last = {}", last.peek());
}

TEST(Control, ASleeperWakesOnlyWhenNobodyElseCanGoOn) {
  EXPECT_EQ(counts(control::explore([](const control::Chooser& c) { return sleepers_once(c, 1.0, 2.0); })),
            (std::map<std::string, long>{{"last = 2", 1}}));  // B sleeps longer: it always writes last
  EXPECT_EQ(counts(control::explore([](const control::Chooser& c) { return sleepers_once(c, 2.0, 1.0); })),
            (std::map<std::string, long>{{"last = 1", 1}}));
  const auto same = counts(control::explore([](const control::Chooser& c) { return sleepers_once(c, 1.0, 1.0); }));
  EXPECT_EQ(same.size(), 2u);  // woken at the same moment: either may write last
}

// A wait with a timeout times out in virtual time, never in real time.
std::string timed_once(const control::Chooser& chooser, double wait_s, double set_after_s) {
  control::Controlled run(chooser);
  concur::Event go("go");
  bool got = false;
  std::deque<Thread> t;
  t.emplace_back([&] { got = go.wait(wait_s); }, "Waiter");
  t.emplace_back([&] { concur::sleep_for(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(set_after_s))); go.set(); }, "Setter");
  for (Thread& x : t) x.start();
  for (Thread& x : t) x.join();
  run.finish();
  return got ? "set in time" : "timed out";
}

TEST(Control, AWaitWithATimeoutEndsWhenItsVirtualTimeIsUp) {
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(counts(control::explore([](const control::Chooser& c) { return timed_once(c, 100.0, 1.0); })),
            (std::map<std::string, long>{{"set in time", 1}}));
  EXPECT_EQ(counts(control::explore([](const control::Chooser& c) { return timed_once(c, 1.0, 100.0); })),
            (std::map<std::string, long>{{"timed out", 1}}));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(50));  // 100 s were never waited
}

// The lost wake-up: a consumer that waits without first looking at the state sleeps
// forever when the notify came before its wait. Looking first (as wait_for does) fixes it.
std::string handoff_once(const control::Chooser& chooser, bool look_first) {
  control::Controlled run(chooser);
  concur::Mutex lock("lock");
  concur::Condition ready_cond(lock, "ready");
  bool ready = false;  // guarded by lock
  std::deque<Thread> t;
  t.emplace_back([&] {
    std::unique_lock guard(lock);
    if (look_first) ready_cond.wait_for([&] { return ready; });
    else ready_cond.wait();
  }, "Consumer");
  t.emplace_back([&] {
    std::unique_lock guard(lock);
    ready = true;
    ready_cond.notify();
  }, "Producer");
  for (Thread& x : t) x.start();
  for (Thread& x : t) x.join();
  run.finish();
  return "handed over";
}

TEST(Control, AWaitWithoutLookingFirstCanMissItsNotifyAndDeadlock) {
  const control::Explored bad = control::explore([](const control::Chooser& c) { return handoff_once(c, false); });
  EXPECT_GT(bad.deadlocks, 0);
  EXPECT_LT(bad.deadlocks, bad.schedules);  // when the consumer waits first, it works
  ASSERT_TRUE(bad.first_deadlock.has_value());
  EXPECT_NE(bad.first_deadlock->find("Consumer waits at \"wait on ready\""), std::string::npos) << *bad.first_deadlock;
  const control::Explored good = control::explore([](const control::Chooser& c) { return handoff_once(c, true); });
  EXPECT_EQ(good.deadlocks, 0);
  EXPECT_GT(good.schedules, 1);
}

// A queue's get is offered only once there is an item; the items come out in order.
std::string queue_once(const control::Chooser& chooser) {
  control::Controlled run(chooser);
  concur::Queue<int> q(0, "q");
  std::string got;
  std::deque<Thread> t;
  t.emplace_back([&] { got += std::to_string(q.get()); got += std::to_string(q.get()); }, "Getter");
  t.emplace_back([&] { q.put(1); q.put(2); }, "Putter");
  for (Thread& x : t) x.start();
  for (Thread& x : t) x.join();
  run.finish();
  return got;
}

TEST(Control, AQueuesGetWaitsForAnItemAndKeepsTheOrder) {
  const control::Explored e = control::explore([](const control::Chooser& c) { return queue_once(c); });
  EXPECT_EQ(counts(e), (std::map<std::string, long>{{"12", e.schedules}}));
  EXPECT_GT(e.schedules, 1);
  EXPECT_EQ(e.deadlocks, 0);
}

TEST(Control, OutsideAControlledRunNothingWaits) {
  EXPECT_FALSE(control::active());
  Shared<int> x("x");
  x.store(3);
  EXPECT_EQ(x.load(), 3);
  concur::Mutex m("m");
  m.lock();
  m.unlock();
}

TEST(Control, SchedulesParseAndBadEntriesAreNamed) {
  EXPECT_EQ(control::parse_schedule("1,1, 2 ,0"), (std::vector<int>{1, 1, 2, 0}));
  EXPECT_THROW(control::parse_schedule(""), std::invalid_argument);
  try {
    control::parse_schedule("1,x,2");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "schedule entry 2 is 'x', not a thread number (0 for MainThread, 1, 2, ...)");
  }
  EXPECT_THROW(control::parse_schedule("1,,2"), std::invalid_argument);
  EXPECT_THROW(control::parse_schedule("-1"), std::invalid_argument);
}

}  // namespace
