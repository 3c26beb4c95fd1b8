// The simulated GIL: one holder at a time, waiters get it after asking, blocking I/O lets
// others run, the figures add up. Behaviour only: counts and orders, never durations.
#include "concur/threads/gil.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "concur/core/actor.hpp"
#include "concur/threads/thread.hpp"
#include "concur/core/timeline.hpp"

namespace {

using namespace std::chrono_literals;
using concur::Gil;

// A short interval, so the tests switch often.
constexpr auto kInterval = std::chrono::microseconds(200);

long long acquisitions_of(const concur::GilStats& s, const std::string& name) {
  for (const auto& t : s.threads)
    if (t.name == name) return t.acquisitions;
  return 0;
}

TEST(Gil, NeverTwoHoldersAtOnce) {
  Gil gil(kInterval);
  std::atomic<int> inside{0}, most_inside{0};
  std::atomic<long long> units{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      Gil::Held running(gil);
      for (int i = 0; i < 20'000; ++i) {
        const int now = ++inside;  // our own count, independent of the GIL's
        int seen = most_inside.load();
        while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {}
        ++units;
        --inside;
        gil.check();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(most_inside.load(), 1);
  EXPECT_EQ(units.load(), 80'000);
  EXPECT_EQ(gil.stats().acquisitions, 4 + gil.stats().forced_drops);
}

TEST(Gil, TheCheckThatLetsGoReturnsOnlyAfterTheWaiterHasIt) {
  Gil gil(kInterval);
  gil.acquire();
  concur::Thread waiter([&] { Gil::Held running(gil); }, "Waiter");
  waiter.start();
  long long checks = 1;
  while (!gil.check()) ++checks;  // busy "bytecode" until asked
  // FORCE_SWITCHING: by the time check() returned, the waiter had taken the GIL.
  const concur::GilStats s = gil.stats();
  EXPECT_EQ(acquisitions_of(s, "Waiter"), 1);
  EXPECT_EQ(s.forced_drops, 1);
  EXPECT_GE(s.drop_requests, 1);
  EXPECT_EQ(s.switches, 2);  // to the waiter, and back to us
  EXPECT_TRUE(gil.held_by_me());
  gil.release();
  waiter.join();
  EXPECT_GT(checks, 0);
}

TEST(Gil, TwoBusyThreadsTakeTurns) {
  Gil gil(kInterval);
  std::atomic<long long> progress[2] = {0, 0};
  auto busy = [&](int me) {
    Gil::Held running(gil);
    // Keep computing until the other thread has also made progress: only a switch
    // while we are busy can give it that.
    while (progress[1 - me].load() < 3 || progress[me].load() < 3) {
      ++progress[me];
      gil.check();
    }
  };
  concur::Thread a([&] { busy(0); }, "A"), b([&] { busy(1); }, "B");
  a.start();
  b.start();
  a.join();
  b.join();
  const concur::GilStats s = gil.stats();
  EXPECT_GE(s.switches, 1);
  EXPECT_GE(s.forced_drops, 1);
  EXPECT_GE(s.drop_requests, s.forced_drops);
  EXPECT_GE(acquisitions_of(s, "A"), 1);
  EXPECT_GE(acquisitions_of(s, "B"), 1);
}

TEST(Gil, BlockingIoLetsAnotherThreadRun) {
  Gil gil;  // the default 5 ms: no forced drop needed, the I/O lets go by itself
  gil.acquire();
  std::promise<void> done;
  concur::Thread other(
      [&] {
        Gil::Held running(gil);
        done.set_value();  // needs the GIL to get here
      },
      "Other");
  other.start();
  // Without releasing the GIL this would wait forever: Other cannot run.
  gil.blocking_io([&] { done.get_future().wait(); });
  EXPECT_TRUE(gil.held_by_me());
  gil.release();
  other.join();
  const concur::GilStats s = gil.stats();
  EXPECT_EQ(s.io_releases, 1);
  EXPECT_EQ(acquisitions_of(s, "Other"), 1);
  EXPECT_EQ(s.forced_drops, 0);
}

TEST(Gil, BlockingIoReturnsItsValue) {
  Gil gil;
  Gil::Held running(gil);
  EXPECT_EQ(gil.blocking_io([] { return 42; }), 42);
  EXPECT_TRUE(gil.held_by_me());
}

TEST(Gil, StatsAddUpOverThreads) {
  Gil gil(kInterval);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      concur::set_current_actor(concur::next_thread_name("T"));
      Gil::Held running(gil);
      for (int i = 0; i < 50'000; ++i) gil.check();
      gil.blocking_io([] {});
    });
  for (auto& t : threads) t.join();
  const concur::GilStats s = gil.stats();
  ASSERT_EQ(s.threads.size(), 3u);
  long long acquisitions = 0, forced = 0, io = 0;
  std::chrono::nanoseconds waited{0}, held{0};
  for (const auto& t : s.threads) {
    acquisitions += t.acquisitions;
    forced += t.forced_drops;
    io += t.io_releases;
    waited += t.waited;
    held += t.held;
    // Each thread took it once to start, again after every forced drop and after its I/O.
    EXPECT_EQ(t.acquisitions, 1 + t.forced_drops + t.io_releases) << t.name;
  }
  EXPECT_EQ(acquisitions, s.acquisitions);
  EXPECT_EQ(forced, s.forced_drops);
  EXPECT_EQ(io, s.io_releases);
  EXPECT_EQ(io, 3);
  EXPECT_EQ(waited, s.waited);
  EXPECT_EQ(held, s.held);
  EXPECT_LE(s.switches, s.acquisitions - 1);
  EXPECT_LE(s.forced_drops, s.drop_requests);
}

TEST(Gil, ASingleThreadNeverSwitches) {
  Gil gil(kInterval);
  concur::Thread alone(
      [&] {
        Gil::Held running(gil);
        long long switched = 0;
        for (int i = 0; i < 100'000; ++i) switched += gil.check();
        EXPECT_EQ(switched, 0);
      },
      "Alone");
  alone.start();
  alone.join();
  const concur::GilStats s = gil.stats();
  EXPECT_EQ(s.acquisitions, 1);
  EXPECT_EQ(s.switches, 0);
  EXPECT_EQ(s.drop_requests, 0);
  EXPECT_EQ(s.forced_drops, 0);
}

TEST(Gil, MisuseIsALogicError) {
  Gil gil;
  EXPECT_THROW(gil.release(), std::logic_error);
  gil.acquire();
  EXPECT_THROW(gil.acquire(), std::logic_error);
  std::thread([&] { EXPECT_THROW(gil.release(), std::logic_error); }).join();
  gil.release();
  EXPECT_THROW(Gil(0ns), std::invalid_argument);
}

TEST(Gil, HoldsAndWaitsAreSpansOnTheTimeline) {
  concur::Recorder::begin_run();
  {
    Gil gil(kInterval, "test GIL");
    gil.acquire();
    concur::Thread waiter([&] { Gil::Held running(gil); }, "Waiter");
    waiter.start();
    while (!gil.check()) {}
    gil.release();
    waiter.join();
  }
  const concur::Timeline tl = concur::Recorder::end_run();
  auto spans = [&](const char* track, concur::SpanKind kind, const char* label) {
    int n = 0;
    const concur::Track* t = tl.find_track(track);
    if (t == nullptr) return -1;
    for (const auto& e : t->events)
      n += e.type == concur::TimelineEvent::Type::span && e.kind == kind && tl.label(e) == label;
    return n;
  };
  EXPECT_EQ(spans("MainThread", concur::SpanKind::holding, "holding test GIL"), 2);
  // Waiting for the switch, then to take it back: each only if the waiter was not quicker.
  EXPECT_LE(spans("MainThread", concur::SpanKind::waiting, "waiting for test GIL"), 2);
  EXPECT_EQ(spans("Waiter", concur::SpanKind::holding, "holding test GIL"), 1);
  EXPECT_EQ(spans("Waiter", concur::SpanKind::waiting, "waiting for test GIL"), 1);
}

}  // namespace
