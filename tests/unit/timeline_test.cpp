// concur::Recorder and Timeline: what lands on which track, open/close spans, the
// per-track cap, and the spans the primitives record (a mutex is held by one thread at a
// time, a semaphore by at most K).
#include <gtest/gtest.h>

#include <concur/core/clock.hpp>
#include <concur/mp/process.hpp>
#include <concur/threads/event.hpp>
#include <concur/threads/mutex.hpp>
#include <concur/threads/semaphore.hpp>
#include <concur/threads/thread.hpp>
#include <concur/core/timeline.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using concur::Recorder;
using concur::SpanKind;
using concur::Timeline;
using concur::TimelineClock;
using concur::TimelineEvent;

// Every recorded run is ended, even when an assertion returns early.
class TimelineTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (Recorder::active()) Recorder::end_run();
  }
};

// Starts `count` threads named PREFIX-1, PREFIX-2, ..., each running `round` `rounds`
// times, and joins them all.
void run_threads(int count, const std::string& prefix, int rounds, const std::function<void()>& round) {
  std::deque<concur::Thread> threads;
  for (int i = 1; i <= count; ++i)
    threads.emplace_back(
        [&] {
          for (int r = 0; r < rounds; ++r) round();
        },
        prefix + "-" + std::to_string(i));
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
}

struct Interval {
  std::int64_t start_ns;
  std::int64_t end_ns;
};

// The spans of one kind and label over every track.
std::vector<Interval> spans(const Timeline& tl, SpanKind kind, std::string_view label) {
  std::vector<Interval> out;
  for (const concur::Track& t : tl.tracks)
    for (const TimelineEvent& e : t.events)
      if (e.type == TimelineEvent::Type::span && e.kind == kind && tl.label(e) == label)
        out.push_back({e.start_ns, e.end_ns});
  return out;
}

std::size_t count_spans(const concur::Track& track, const Timeline& tl, SpanKind kind,
                        std::string_view label) {
  return static_cast<std::size_t>(
      std::count_if(track.events.begin(), track.events.end(), [&](const TimelineEvent& e) {
        return e.type == TimelineEvent::Type::span && e.kind == kind && tl.label(e) == label;
      }));
}

// The most intervals covering one instant: a sweep over start (+1) and end (-1) points.
// At equal times an end counts first: one holder's release and the next one's acquire
// may read the same clock value.
int max_overlap(const std::vector<Interval>& intervals) {
  std::vector<std::pair<std::int64_t, int>> points;
  for (const Interval& i : intervals) {
    points.emplace_back(i.start_ns, +1);
    points.emplace_back(i.end_ns, -1);
  }
  std::sort(points.begin(), points.end());
  int now = 0, most = 0;
  for (const auto& [time, delta] : points) most = std::max(most, now += delta);
  return most;
}

TEST(Timeline, ToStringNamesEachSpanKind) {
  EXPECT_EQ(concur::to_string(SpanKind::running), "running");
  EXPECT_EQ(concur::to_string(SpanKind::waiting), "waiting");
  EXPECT_EQ(concur::to_string(SpanKind::holding), "holding");
}

TEST(Timeline, InternReturnsOneIdPerLabel) {
  const std::uint32_t a = Recorder::intern("timeline test label a");
  const std::uint32_t b = Recorder::intern("timeline test label b");
  EXPECT_NE(a, b);
  EXPECT_EQ(Recorder::intern("timeline test label a"), a);
}

TEST_F(TimelineTest, EventsLandOnTheRecordingThreadsTrack) {
  const std::uint32_t span_label = Recorder::intern("test span");
  const std::uint32_t instant_label = Recorder::intern("test instant");
  const std::uint32_t counter_label = Recorder::intern("test counter");
  Recorder::begin_run();
  EXPECT_TRUE(Recorder::active());
  const TimelineClock::Ticks start = TimelineClock::now();
  Recorder::span(SpanKind::waiting, span_label, start, TimelineClock::now_before_release());
  Recorder::instant(instant_label);
  Recorder::counter(counter_label, 7);
  const Timeline tl = Recorder::end_run();
  EXPECT_FALSE(Recorder::active());

  ASSERT_EQ(tl.tracks.size(), 1u);
  const concur::Track& track = tl.tracks[0];
  EXPECT_EQ(track.name, "MainThread");
  EXPECT_EQ(track.id, 1u);
  EXPECT_EQ(track.dropped, 0u);
  EXPECT_EQ(tl.find_track("MainThread"), &track);
  ASSERT_EQ(track.events.size(), 3u);

  const TimelineEvent& span = track.events[0];
  EXPECT_EQ(span.type, TimelineEvent::Type::span);
  EXPECT_EQ(span.kind, SpanKind::waiting);
  EXPECT_EQ(tl.label(span), "test span");
  EXPECT_LE(span.start_ns, span.end_ns);

  const TimelineEvent& instant = track.events[1];
  EXPECT_EQ(instant.type, TimelineEvent::Type::instant);
  EXPECT_EQ(tl.label(instant), "test instant");
  EXPECT_EQ(instant.start_ns, instant.end_ns);
  EXPECT_GE(instant.start_ns, span.end_ns);  // in the order they were recorded

  const TimelineEvent& counter = track.events[2];
  EXPECT_EQ(counter.type, TimelineEvent::Type::counter);
  EXPECT_EQ(tl.label(counter), "test counter");
  EXPECT_EQ(counter.value, 7);
  EXPECT_EQ(counter.start_ns, counter.end_ns);
  EXPECT_GE(counter.start_ns, instant.start_ns);
}

TEST_F(TimelineTest, AConcurThreadGetsATrackNamedAfterIt) {
  const std::uint32_t label = Recorder::intern("worker instant");
  Recorder::begin_run();
  concur::Thread worker([&] { Recorder::instant(label); }, "Worker-1");
  worker.start();
  worker.join();
  const Timeline tl = Recorder::end_run();

  const concur::Track* track = tl.find_track("Worker-1");
  ASSERT_NE(track, nullptr);
  EXPECT_EQ(count_spans(*track, tl, SpanKind::running, "running"), 1u);
  EXPECT_TRUE(std::any_of(track->events.begin(), track->events.end(), [&](const TimelineEvent& e) {
    return e.type == TimelineEvent::Type::instant && tl.label(e) == "worker instant";
  }));
}

TEST_F(TimelineTest, EachThreadRecordsOnItsOwnTrack) {
  const std::uint32_t label = Recorder::intern("tick");
  Recorder::begin_run();
  std::deque<concur::Thread> threads;
  for (int i = 1; i <= 3; ++i)
    threads.emplace_back(
        [&, i] {
          for (int n = 0; n < i; ++n) Recorder::instant(label);
        },
        "Ticker-" + std::to_string(i));
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
  std::thread plain([&] { Recorder::instant(label); });
  plain.join();
  const Timeline tl = Recorder::end_run();

  ASSERT_EQ(tl.tracks.size(), 4u);
  std::vector<std::uint32_t> ids;
  for (const concur::Track& t : tl.tracks) ids.push_back(t.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{1, 2, 3, 4}));
  for (int i = 1; i <= 3; ++i) {
    const concur::Track* t = tl.find_track("Ticker-" + std::to_string(i));
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(std::count_if(t->events.begin(), t->events.end(),
                            [&](const TimelineEvent& e) { return tl.label(e) == "tick"; }),
              i);
  }
  // A thread concur did not start is recorded under its stand-in name.
  EXPECT_TRUE(std::any_of(tl.tracks.begin(), tl.tracks.end(), [](const concur::Track& t) {
    return t.name.rfind("Dummy-", 0) == 0;
  }));
}

// A run's event memory is kept for the next run: the timeline handed over must not share
// it. Three runs with different threads and counts; each timeline keeps exactly its own
// events after the later runs have recorded over the kept memory.
TEST_F(TimelineTest, ATimelineKeepsItsEventsWhenLaterRunsReuseTheMemory) {
  const std::uint32_t labels[3] = {Recorder::intern("reuse run 0"), Recorder::intern("reuse run 1"),
                                   Recorder::intern("reuse run 2")};
  const int counts[3] = {3000, 40, 700};
  std::vector<Timeline> timelines;
  for (int run = 0; run < 3; ++run) {
    Recorder::begin_run();
    for (int n = 0; n < counts[run]; ++n) Recorder::counter(labels[run], n);
    concur::Thread other([&] { for (int n = 0; n < counts[run] / 2; ++n) Recorder::counter(labels[run], -n); },
                         "Other");
    other.start();
    other.join();
    timelines.push_back(Recorder::end_run());
  }
  for (int run = 0; run < 3; ++run) {
    const Timeline& tl = timelines[static_cast<std::size_t>(run)];
    ASSERT_EQ(tl.tracks.size(), 2u) << "run " << run;
    for (const concur::Track& t : tl.tracks) {
      // The counters, in order; a concur::Thread also records its own running span.
      std::vector<std::int64_t> values;
      for (const TimelineEvent& e : t.events) {
        if (e.type != TimelineEvent::Type::counter) continue;
        EXPECT_EQ(e.label, labels[run]) << "run " << run << ", " << t.name;
        values.push_back(e.value);
      }
      const int expected = t.name == "Other" ? counts[run] / 2 : counts[run];
      ASSERT_EQ(values.size(), static_cast<std::size_t>(expected)) << "run " << run << ", " << t.name;
      for (std::size_t n = 0; n < values.size(); ++n)
        EXPECT_EQ(values[n], t.name == "Other" ? -static_cast<std::int64_t>(n) : static_cast<std::int64_t>(n));
    }
  }
}

TEST_F(TimelineTest, NothingIsRecordedWhenNotActive) {
  const std::uint32_t label = Recorder::intern("inactive");
  Recorder::begin_run();
  Recorder::end_run();
  ASSERT_FALSE(Recorder::active());
  Recorder::span(SpanKind::running, label, TimelineClock::now(), TimelineClock::now());
  Recorder::instant(label);
  Recorder::counter(label, 1);
  { concur::ScopedSpan s(SpanKind::waiting, label); }
  int key = 0;
  Recorder::open(&key, SpanKind::holding, label);
  EXPECT_FALSE(Recorder::close(&key));
  EXPECT_TRUE(Recorder::end_run().tracks.empty());
}

TEST_F(TimelineTest, ScopedSpanRecordsItsScope) {
  const std::uint32_t label = Recorder::intern("scoped");
  Recorder::begin_run();
  { concur::ScopedSpan s(SpanKind::waiting, label); }
  const Timeline tl = Recorder::end_run();
  ASSERT_EQ(tl.tracks.size(), 1u);
  ASSERT_EQ(tl.tracks[0].events.size(), 1u);
  const TimelineEvent& e = tl.tracks[0].events[0];
  EXPECT_EQ(e.type, TimelineEvent::Type::span);
  EXPECT_EQ(e.kind, SpanKind::waiting);
  EXPECT_EQ(tl.label(e), "scoped");
  EXPECT_LE(e.start_ns, e.end_ns);
}

TEST_F(TimelineTest, ScopedSpanBegunBeforeTheRunIsNotRecorded) {
  const std::uint32_t label = Recorder::intern("too early");
  {
    concur::ScopedSpan s(SpanKind::waiting, label);
    Recorder::begin_run();
  }
  EXPECT_TRUE(Recorder::end_run().tracks.empty());
}

TEST_F(TimelineTest, OpenAndCloseMatchSpansByKey) {
  const std::uint32_t la = Recorder::intern("holding a");
  const std::uint32_t lb = Recorder::intern("holding b");
  int a = 0, b = 0;
  Recorder::begin_run();
  Recorder::open(&a, SpanKind::holding, la);
  Recorder::open(&b, SpanKind::holding, lb);
  EXPECT_TRUE(Recorder::close(&a));  // not the innermost: closes by key, not by order
  EXPECT_FALSE(Recorder::close(&a));
  EXPECT_TRUE(Recorder::close(&b));
  const Timeline tl = Recorder::end_run();
  ASSERT_EQ(tl.tracks.size(), 1u);
  const auto& events = tl.tracks[0].events;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(tl.label(events[0]), "holding a");
  EXPECT_EQ(tl.label(events[1]), "holding b");
  for (const TimelineEvent& e : events) {
    EXPECT_EQ(e.type, TimelineEvent::Type::span);
    EXPECT_EQ(e.kind, SpanKind::holding);
    EXPECT_LE(e.start_ns, e.end_ns);
  }
  EXPECT_LE(events[1].start_ns, events[0].end_ns);  // b opened while a was open
}

TEST_F(TimelineTest, CloseWithoutOpenReturnsFalse) {
  int key = 0, other = 0;
  Recorder::begin_run();
  EXPECT_FALSE(Recorder::close(&key));
  Recorder::open(&other, SpanKind::holding, Recorder::intern("other"));
  EXPECT_FALSE(Recorder::close(&key));
  EXPECT_TRUE(Recorder::close(&other));
  Recorder::end_run();
}

TEST_F(TimelineTest, CloseOnAnotherThreadThanTheOpenerReturnsFalse) {
  int key = 0;
  Recorder::begin_run();
  Recorder::open(&key, SpanKind::holding, Recorder::intern("held by main"));
  bool closed_elsewhere = true;
  concur::Thread other([&] { closed_elsewhere = Recorder::close(&key); }, "Other");
  other.start();
  other.join();
  EXPECT_FALSE(closed_elsewhere);
  EXPECT_TRUE(Recorder::close(&key));
  Recorder::end_run();
}

TEST_F(TimelineTest, OpenSpansDoNotCarryIntoTheNextRun) {
  int key = 0;
  Recorder::begin_run();
  Recorder::open(&key, SpanKind::holding, Recorder::intern("left open"));
  Recorder::end_run();
  Recorder::begin_run();
  EXPECT_FALSE(Recorder::close(&key));
  EXPECT_TRUE(Recorder::end_run().tracks.empty());
}

TEST_F(TimelineTest, ContendedMutexRecordsWaitingAndNonOverlappingHoldingSpans) {
  constexpr int kRounds = 50;
  concur::Mutex m("shared lock");
  concur::Event holder_has_it, waiter_waited;
  int counter = 0;  // guarded by m
  bool waiter_timed_out = false;
  Recorder::begin_run();
  concur::Thread holder(
      [&] {
        m.lock();
        holder_has_it.set();
        waiter_waited.wait();  // keep it until the other thread has waited for it
        m.unlock();
        for (int i = 0; i < kRounds; ++i) {
          std::lock_guard guard(m);
          ++counter;
        }
      },
      "Holder");
  concur::Thread waiter(
      [&] {
        holder_has_it.wait();
        waiter_timed_out = !m.acquire(true, 0.01);  // taken: a wait that is sure to happen
        waiter_waited.set();
        for (int i = 0; i < kRounds; ++i) {
          std::lock_guard guard(m);
          ++counter;
        }
      },
      "Waiter");
  holder.start();
  waiter.start();
  holder.join();
  waiter.join();
  const Timeline tl = Recorder::end_run();

  EXPECT_TRUE(waiter_timed_out);
  EXPECT_EQ(counter, 2 * kRounds);
  const concur::Track* h = tl.find_track("Holder");
  const concur::Track* w = tl.find_track("Waiter");
  ASSERT_NE(h, nullptr);
  ASSERT_NE(w, nullptr);
  EXPECT_GE(count_spans(*w, tl, SpanKind::waiting, "waiting for shared lock"), 1u);
  EXPECT_EQ(count_spans(*h, tl, SpanKind::holding, "holding shared lock"), kRounds + 1u);
  EXPECT_EQ(count_spans(*w, tl, SpanKind::holding, "holding shared lock"), std::size_t{kRounds});

  std::vector<Interval> held = spans(tl, SpanKind::holding, "holding shared lock");
  std::sort(held.begin(), held.end(),
            [](const Interval& a, const Interval& b) { return a.start_ns < b.start_ns; });
  for (std::size_t i = 0; i < held.size(); ++i) {
    EXPECT_LE(held[i].start_ns, held[i].end_ns);
    if (i > 0) {
      EXPECT_GE(held[i].start_ns, held[i - 1].end_ns) << "holding spans overlap at " << i;
    }
  }
  EXPECT_EQ(max_overlap(held), 1);
}

TEST_F(TimelineTest, SemaphoreHoldingSpansNeverExceedItsPermits) {
  constexpr int kPermits = 2;
  constexpr int kThreads = 5;
  constexpr int kRounds = 40;
  concur::Semaphore room(kPermits, "room");
  Recorder::begin_run();
  run_threads(kThreads, "Visitor", kRounds, [&] {
    room.acquire();
    std::this_thread::yield();
    room.release();
  });
  const Timeline tl = Recorder::end_run();

  const std::vector<Interval> held = spans(tl, SpanKind::holding, "holding room");
  EXPECT_EQ(held.size(), std::size_t{kThreads * kRounds});
  for (const Interval& i : held) EXPECT_LE(i.start_ns, i.end_ns);
  const int most = max_overlap(held);
  EXPECT_GE(most, 1);
  EXPECT_LE(most, kPermits);
  // The "in use" counter agrees.
  for (const concur::Track& t : tl.tracks)
    for (const TimelineEvent& e : t.events)
      if (e.type == TimelineEvent::Type::counter && tl.label(e) == "room in use") {
        EXPECT_GE(e.value, 0);
        EXPECT_LE(e.value, kPermits);
      }
}

TEST_F(TimelineTest, EventSetIsAnInstant) {
  concur::Event go("go");
  Recorder::begin_run();
  go.set();
  go.clear();
  const Timeline tl = Recorder::end_run();
  ASSERT_EQ(tl.tracks.size(), 1u);
  const auto& events = tl.tracks[0].events;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, TimelineEvent::Type::instant);
  EXPECT_EQ(tl.label(events[0]), "go set()");
  EXPECT_EQ(tl.label(events[1]), "go clear()");
}

TEST_F(TimelineTest, ATrackKeepsAtMostTheCapAndCountsTheRestAsDropped) {
  constexpr std::size_t kExtra = 5;
  const std::uint32_t label = Recorder::intern("flood");
  Recorder::begin_run();
  for (std::size_t i = 0; i < Recorder::kMaxEventsPerTrack + kExtra; ++i) Recorder::instant(label);
  const Timeline tl = Recorder::end_run();
  ASSERT_EQ(tl.tracks.size(), 1u);
  EXPECT_EQ(tl.tracks[0].events.size(), Recorder::kMaxEventsPerTrack);
  EXPECT_EQ(tl.tracks[0].dropped, kExtra);
}

TEST_F(TimelineTest, ANewRunStartsWithEmptyTracks) {
  const std::uint32_t label = Recorder::intern("first run");
  Recorder::begin_run();
  Recorder::instant(label);
  Recorder::begin_run();  // the unclaimed first run is dropped
  Recorder::instant(label);
  const Timeline tl = Recorder::end_run();
  ASSERT_EQ(tl.tracks.size(), 1u);
  EXPECT_EQ(tl.tracks[0].events.size(), 1u);
}

}  // namespace

namespace {

Timeline sample_foreign_timeline() {
  Timeline foreign;
  foreign.labels = {"only theirs", "shared label"};
  concur::Track t;
  t.name = "Child[4242]";
  t.pid = 4242;
  t.tid = 4243;
  t.dropped = 3;
  t.events.push_back({TimelineEvent::Type::span, SpanKind::holding, 1, 10, 20, 0});
  t.events.push_back({TimelineEvent::Type::counter, SpanKind::running, 0, 30, 30, 7});
  foreign.tracks.push_back(t);
  return foreign;
}

// In the same anonymous namespace as their fixture (TimelineTest, above): in the unity
// build, a test class outside it, deriving from it, is a warning (-Wsubobject-linkage).
TEST(Timeline, EncodeThenDecodeGivesTheSameTimeline) {
  const Timeline before = sample_foreign_timeline();
  const Timeline after = concur::decode_timeline(concur::encode_timeline(before));
  EXPECT_EQ(after.labels, before.labels);
  ASSERT_EQ(after.tracks.size(), 1u);
  const concur::Track& t = after.tracks[0];
  EXPECT_EQ(t.name, "Child[4242]");
  EXPECT_EQ(t.pid, 4242);
  EXPECT_EQ(t.tid, 4243);
  EXPECT_EQ(t.dropped, 3u);
  ASSERT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[0].kind, SpanKind::holding);
  EXPECT_EQ(t.events[0].end_ns, 20);
  EXPECT_EQ(t.events[1].type, TimelineEvent::Type::counter);
  EXPECT_EQ(t.events[1].value, 7);
}

TEST(Timeline, DecodeRefusesBytesThatAreNoTimeline) {
  EXPECT_THROW(concur::decode_timeline("not cbor at all"), std::invalid_argument);
  Timeline bad = sample_foreign_timeline();
  bad.labels.pop_back();  // an event now names a label that is not there
  EXPECT_THROW(concur::decode_timeline(concur::encode_timeline(bad)), std::invalid_argument);
}

TEST_F(TimelineTest, AdoptedTracksJoinTheRunWithTheirLabelsMatchedByText) {
  Recorder::begin_run();
  Recorder::instant(Recorder::intern("shared label"));
  Recorder::adopt(sample_foreign_timeline());
  const Timeline tl = Recorder::end_run();
  ASSERT_EQ(tl.tracks.size(), 2u);
  const concur::Track& theirs = tl.tracks[1];
  EXPECT_EQ(theirs.pid, 4242);
  EXPECT_EQ(theirs.id, 2u);
  ASSERT_EQ(theirs.events.size(), 2u);
  // Already run-clock nanoseconds, converted by the process that recorded them: kept.
  EXPECT_EQ(theirs.events[0].start_ns, 10);
  EXPECT_EQ(theirs.events[0].end_ns, 20);
  EXPECT_EQ(theirs.events[1].start_ns, 30);
  EXPECT_EQ(tl.label(theirs.events[0]), "shared label");
  EXPECT_EQ(tl.label(theirs.events[1]), "only theirs");
  EXPECT_EQ(tl.label(tl.tracks[0].events[0]), "shared label");
}

TEST_F(TimelineTest, AdoptOutsideARunIsIgnored) {
  Recorder::adopt(sample_foreign_timeline());
  Recorder::begin_run();
  EXPECT_TRUE(Recorder::end_run().tracks.empty());
}

}  // namespace

// ---- on either clock: the order of spans across threads, and a child's tracks ---------
//
// The timeline records raw TSC ticks where it can, or steady-clock nanoseconds
// (CONCUR_TIMELINE_CLOCK=steady); these run every test below on both.

namespace {

namespace mp = concur::mp;
using Source = TimelineClock::Source;

std::string name_of(Source source) { return source == Source::tsc ? "tsc" : "steady"; }

// Chooses the clock a test asks for, and the machine's choice again afterwards.
void record_with(Source source) {
  if (source == Source::steady)
    ::setenv("CONCUR_TIMELINE_CLOCK", "steady", 1);
  else
    ::unsetenv("CONCUR_TIMELINE_CLOCK");
  concur::detail::choose_timeline_clock();
}

bool skip_tsc_here(Source source) { return source == Source::tsc && !TimelineClock::tsc_usable(); }

class OnEachClock : public ::testing::TestWithParam<Source> {
 protected:
  void SetUp() override {
    if (skip_tsc_here(GetParam())) GTEST_SKIP() << "no usable TSC here";
    record_with(GetParam());
    ASSERT_EQ(TimelineClock::source(), GetParam());
  }
  void TearDown() override {
    if (Recorder::active()) Recorder::end_run();
    ::unsetenv("CONCUR_TIMELINE_CLOCK");
    concur::detail::choose_timeline_clock();
  }
};

std::vector<const TimelineEvent*> events_labelled(const concur::Track& track, const Timeline& tl,
                                                  std::string_view label) {
  std::vector<const TimelineEvent*> out;
  for (const TimelineEvent& e : track.events)
    if (tl.label(e) == label) out.push_back(&e);
  return out;
}

// Threads take turns at one lock; inside it each runs a scoped span with an instant in it.
// On every track the spans nest (wait, then hold; inside the hold the span, inside that
// the instant), and over all tracks no two holds of the lock overlap.
TEST_P(OnEachClock, SpansFromSeveralThreadsNestAndOrder) {
  constexpr int kThreads = 3;
  constexpr int kRounds = 40;
  concur::Mutex m("nest lock");
  const std::uint32_t inside = Recorder::intern("inside the lock");
  const std::uint32_t tick = Recorder::intern("tick inside");
  Recorder::begin_run();
  run_threads(kThreads, "Nester", kRounds, [&] {
    std::lock_guard hold(m);
    concur::ScopedSpan span(SpanKind::running, inside);
    Recorder::instant(tick);
  });
  const Timeline tl = Recorder::end_run();

  for (int i = 1; i <= kThreads; ++i) {
    const concur::Track* track = tl.find_track("Nester-" + std::to_string(i));
    ASSERT_NE(track, nullptr);
    const auto holds = events_labelled(*track, tl, "holding nest lock");
    const auto scoped = events_labelled(*track, tl, "inside the lock");
    const auto ticks = events_labelled(*track, tl, "tick inside");
    const auto waits = events_labelled(*track, tl, "waiting for nest lock");
    const auto body = events_labelled(*track, tl, "running");
    ASSERT_EQ(holds.size(), std::size_t{kRounds});
    ASSERT_EQ(scoped.size(), std::size_t{kRounds});
    ASSERT_EQ(ticks.size(), std::size_t{kRounds});
    ASSERT_EQ(body.size(), 1u);
    for (int r = 0; r < kRounds; ++r) {
      const TimelineEvent& h = *holds[r];
      const TimelineEvent& s = *scoped[r];
      const std::int64_t t = ticks[r]->start_ns;
      EXPECT_LE(body[0]->start_ns, h.start_ns) << track->name << " round " << r;
      EXPECT_LE(h.start_ns, s.start_ns) << track->name << " round " << r;
      EXPECT_LE(s.start_ns, t) << track->name << " round " << r;
      EXPECT_LE(t, s.end_ns) << track->name << " round " << r;
      EXPECT_LE(s.end_ns, h.end_ns) << track->name << " round " << r;
      EXPECT_LE(h.end_ns, body[0]->end_ns) << track->name << " round " << r;
    }
    // A wait for the lock ends before the hold it led to starts.
    for (const TimelineEvent* w : waits) {
      EXPECT_LE(w->start_ns, w->end_ns);
      const auto next = std::find_if(holds.begin(), holds.end(), [&](const TimelineEvent* h) { return h->end_ns >= w->end_ns; });
      ASSERT_NE(next, holds.end());
      EXPECT_LE(w->end_ns, (*next)->start_ns) << track->name;
    }
  }
  std::vector<Interval> held = spans(tl, SpanKind::holding, "holding nest lock");
  EXPECT_EQ(held.size(), std::size_t{kThreads * kRounds});
  std::sort(held.begin(), held.end(), [](const Interval& a, const Interval& b) { return a.start_ns < b.start_ns; });
  for (std::size_t i = 1; i < held.size(); ++i) EXPECT_GE(held[i].start_ns, held[i - 1].end_ns) << "overlap at " << i;
}

// A waiter's "waiting" span never ends before the set() that ended it (Event::set records
// its instant before raising the flag), on whatever thread and CPU each ran.
TEST_P(OnEachClock, AWaitEndsAfterTheSetThatEndedIt) {
  constexpr int kWaiters = 3;
  concur::Event go("go");
  Recorder::begin_run();
  std::deque<concur::Thread> waiters;
  for (int i = 1; i <= kWaiters; ++i) waiters.emplace_back([&] { go.wait(); }, "Waiter-" + std::to_string(i));
  for (auto& t : waiters) t.start();
  go.set();
  for (auto& t : waiters) t.join();
  const Timeline tl = Recorder::end_run();

  const concur::Track* main = tl.find_track("MainThread");
  ASSERT_NE(main, nullptr);
  const auto sets = events_labelled(*main, tl, "go set()");
  ASSERT_EQ(sets.size(), 1u);
  const std::int64_t set_at = sets[0]->start_ns;
  for (const Interval& w : spans(tl, SpanKind::waiting, "waiting for go")) {
    EXPECT_LE(w.start_ns, set_at);  // it began waiting while the flag was down
    EXPECT_GE(w.end_ns, set_at);
  }
}

INSTANTIATE_TEST_SUITE_P(Sources, OnEachClock, ::testing::Values(Source::tsc, Source::steady),
                         [](const auto& info) { return name_of(info.param); });

// What the child below runs: a few milliseconds of nothing, on its "running" span.
void sleep_a_little(const nlohmann::json&, mp::Handed) { std::this_thread::sleep_for(std::chrono::milliseconds(2)); }
CONCUR_ENTRY(sleep_a_little);

class ChildOnEachClock : public ::testing::TestWithParam<std::tuple<Source, mp::StartMethod>> {
 protected:
  void SetUp() override {
    if (skip_tsc_here(std::get<0>(GetParam()))) GTEST_SKIP() << "no usable TSC here";
    record_with(std::get<0>(GetParam()));
  }
  void TearDown() override {
    if (Recorder::active()) Recorder::end_run();
    ::unsetenv("CONCUR_TIMELINE_CLOCK");
    concur::detail::choose_timeline_clock();
  }
};

// A child converts its own ticks when its run ends, against the zero its parent gave it:
// its span lies between what the parent recorded before starting it and after joining it.
// (A spawned child reads CONCUR_TIMELINE_CLOCK itself, from the environment it inherits.)
TEST_P(ChildOnEachClock, AChildsSpansLieWhereTheParentSawThemHappen) {
  const std::uint32_t before = Recorder::intern("before the child");
  const std::uint32_t after = Recorder::intern("after the child");
  Recorder::begin_run();
  Recorder::instant(before);
  mp::Process child(mp::Target{"sleep_a_little", {}, {}}, "Sleeper", std::get<1>(GetParam()));
  child.start();
  ASSERT_TRUE(child.join(30.0));
  Recorder::instant(after);
  const Timeline tl = Recorder::end_run();
  EXPECT_EQ(child.exitcode(), 0);

  const concur::Track* main = tl.find_track("MainThread");
  ASSERT_NE(main, nullptr);
  const auto befores = events_labelled(*main, tl, "before the child");
  const auto afters = events_labelled(*main, tl, "after the child");
  ASSERT_EQ(befores.size(), 1u);
  ASSERT_EQ(afters.size(), 1u);
  const concur::Track* theirs = nullptr;
  for (const concur::Track& t : tl.tracks)
    if (t.pid == *child.pid()) theirs = &t;
  ASSERT_NE(theirs, nullptr) << "no track from the child";
  const auto running = events_labelled(*theirs, tl, "running sleep_a_little");
  ASSERT_EQ(running.size(), 1u);
  EXPECT_LT(befores[0]->start_ns, running[0]->start_ns);
  EXPECT_LE(running[0]->start_ns, running[0]->end_ns);
  EXPECT_LT(running[0]->end_ns, afters[0]->start_ns);
}

INSTANTIATE_TEST_SUITE_P(SourcesAndStartMethods, ChildOnEachClock,
                         ::testing::Combine(::testing::Values(Source::tsc, Source::steady),
                                            ::testing::Values(mp::StartMethod::fork, mp::StartMethod::spawn,
                                                              mp::StartMethod::forkserver)),
                         [](const auto& info) {
                           return name_of(std::get<0>(info.param)) + "_" +
                                  std::string(mp::to_string(std::get<1>(info.param)));
                         });

}  // namespace
