// concur::Overlap: the time workers ran at the same moment, from synthetic clock reads
// (no test here depends on how the machine schedules).
#include <gtest/gtest.h>

#include <concur/mp/overlap.hpp>
#include <concur/threads/overlap.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

using concur::overlap_ns;
using std::chrono::nanoseconds;
using Reads = std::vector<std::int64_t>;

// Clock reads every `step` ns from `from` to `to` (both included).
Reads every(std::int64_t from, std::int64_t to, std::int64_t step = 1'000) {
  Reads r;
  for (std::int64_t t = from; t < to; t += step) r.push_back(t);
  r.push_back(to);
  return r;
}

Reads join(Reads a, const Reads& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Overlap, TwoWorkersSideBySideOverlapWhereTheirLoopsMeet) {
  EXPECT_EQ(overlap_ns({every(0, 100'000), every(40'000, 150'000)}), nanoseconds(60'000));
}

TEST(Overlap, OneAfterTheOtherIsNoOverlap) {
  EXPECT_EQ(overlap_ns({every(0, 100'000), every(100'000, 200'000)}), nanoseconds(0));
  EXPECT_EQ(overlap_ns({every(0, 100'000), every(300'000, 400'000)}), nanoseconds(0));
}

TEST(Overlap, AGapLongerThanMaxGapIsTimeOffTheCore) {
  // Worker 0 runs 0-30 µs, is descheduled for 60 µs, runs 90-120 µs; worker 1 runs all along.
  const Reads taking_turns = join(every(0, 30'000), every(90'000, 120'000));
  EXPECT_EQ(overlap_ns({taking_turns, every(0, 120'000)}, std::chrono::microseconds(50)), nanoseconds(60'000));
  // With a more lenient gap the pause counts as running.
  EXPECT_EQ(overlap_ns({taking_turns, every(0, 120'000)}, std::chrono::microseconds(100)), nanoseconds(120'000));
}

TEST(Overlap, WithNoGapLimitItIsTheTimeTheLoopsWereInProgressTogether) {
  const Reads paused = join(every(0, 30'000), every(90'000, 120'000));
  EXPECT_EQ(overlap_ns({paused, every(50'000, 200'000)}, nanoseconds::max()), nanoseconds(70'000));
  EXPECT_EQ(overlap_ns({every(0, 100'000), every(100'000, 200'000)}, nanoseconds::max()), nanoseconds(0));
}

TEST(Overlap, ThreadsTakingTurnsOnOneCoreNeverOverlap) {
  // taskset -c 0: each runs while the other waits for its core.
  const Reads a = join(every(0, 100'000), every(200'000, 300'000));
  const Reads b = join(every(100'000, 200'000), every(300'000, 400'000));
  EXPECT_EQ(overlap_ns({a, b}), nanoseconds(0));
}

TEST(Overlap, ThreeWorkersCountTheTimeAtLeastTwoRan) {
  // 0-100 (a), 50-150 (b), 120-200 (c): two or more run during 50-100 and 120-150.
  EXPECT_EQ(overlap_ns({every(0, 100'000), every(50'000, 150'000), every(120'000, 200'000)}), nanoseconds(80'000));
  // Three at once count once, not twice.
  EXPECT_EQ(overlap_ns({every(0, 100'000), every(0, 100'000), every(0, 100'000)}), nanoseconds(100'000));
}

TEST(Overlap, AWorkerWithOneReadOrNoneNeverRuns) {
  EXPECT_EQ(overlap_ns({every(0, 100'000), Reads{50'000}}), nanoseconds(0));
  EXPECT_EQ(overlap_ns({every(0, 100'000), Reads{}}), nanoseconds(0));
  EXPECT_EQ(overlap_ns({}), nanoseconds(0));
}

TEST(Overlap, TracksGiveOverlapAndSpan) {
  concur::Overlap overlap(2);
  for (int w = 0; w < 2; ++w) {
    concur::OverlapProbe inside = overlap.probe();
    for (int i = 0; i < 1000; ++i) inside.tick();
    inside.stop();
  }
  const concur::Measure m = overlap.measure();
  EXPECT_GE(m.span.count(), 0);
  EXPECT_LE(m.overlap, m.concurrent);
  EXPECT_LE(m.concurrent, m.span);
  EXPECT_THROW(overlap.probe(), std::logic_error);  // two workers, two probes per round
  overlap.reset();
  EXPECT_NO_THROW(overlap.probe());
}

TEST(Overlap, AFullTrackKeepsItsLastRead) {
  concur::Overlap overlap(1);
  concur::OverlapProbe inside = overlap.probe();
  for (long long i = 0; i < concur::kStride * static_cast<long long>(concur::OverlapTrack::kCapacity) * 2; ++i)
    inside.tick();
  inside.stop();
  EXPECT_GT(overlap.measure().span.count(), 0);
}

TEST(Overlap, UntilOverlapStopsAtTheFirstRoundThatOverlapped) {
  int calls = 0;
  const concur::Rounds r = concur::until_overlap([&] {
    ++calls;
    return concur::Measure{.overlap = calls == 3 ? std::chrono::milliseconds(1) : nanoseconds(0)};
  });
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_TRUE(r.overlapped);
}

TEST(Overlap, UntilOverlapGivesUpAfterItsBudgetAndSaysSo) {
  const concur::Rounds r = concur::until_overlap([] { return concur::Measure{}; },
                                                 {.budget = std::chrono::milliseconds(0)});
  EXPECT_EQ(r.attempts, 1);  // always one round
  EXPECT_FALSE(r.overlapped);
  const std::string nothing_lost = concur::never_overlapped(r, "threads", 0);
  EXPECT_NE(nothing_lost.find("The threads never ran at the same moment"), std::string::npos) << nothing_lost;
  EXPECT_NE(nothing_lost.find("the race could not show"), std::string::npos) << nothing_lost;
  // Taking turns on one core can still lose an update: the sentence must not deny it.
  const std::string some_lost = concur::never_overlapped(r, "threads", 3);
  EXPECT_NE(some_lost.find("Even so, 3 updates were lost"), std::string::npos) << some_lost;
  EXPECT_EQ(some_lost.find("could not show"), std::string::npos) << some_lost;
}

// The last round is the one reported: when the budget runs out on a round whose workers
// were never inside their loops together, it goes on until one has them so.
TEST(Overlap, UntilOverlapDoesNotEndOnARoundThatRanOneAfterAnother) {
  int calls = 0;
  const concur::Rounds taking_turns = concur::until_overlap(
      [&] {
        ++calls;
        return concur::Measure{.concurrent = std::chrono::milliseconds(1)};  // together, never running at once
      },
      {.budget = std::chrono::milliseconds(0)});
  EXPECT_EQ(calls, 1);  // the budget is spent and the round had them together: it stands
  EXPECT_FALSE(taking_turns.overlapped);

  // One after another until 10 ms past a 200 ms budget, then together.
  const auto start = std::chrono::steady_clock::now();
  const concur::Rounds r = concur::until_overlap(
      [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const bool late = std::chrono::steady_clock::now() - start > std::chrono::milliseconds(210);
        return concur::Measure{.concurrent = late ? std::chrono::milliseconds(1) : nanoseconds(0)};
      },
      {.budget = std::chrono::milliseconds(200)});
  EXPECT_GT(r.last.concurrent.count(), 0);
  EXPECT_FALSE(r.overlapped);
}

// ... but not for ever: one more budget at most, then the last round stands as it is.
TEST(Overlap, UntilOverlapGoesOnForOneMoreBudgetAtMost) {
  const auto start = std::chrono::steady_clock::now();
  const concur::Rounds r = concur::until_overlap(
      [] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return concur::Measure{};
      },
      {.budget = std::chrono::milliseconds(20)});
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(40));  // it did not stop at 20
  EXPECT_FALSE(r.overlapped);
  EXPECT_EQ(r.last.concurrent.count(), 0);
  EXPECT_GE(r.attempts, 2);
}

TEST(Overlap, ProcessTracksLiveInSharedMemory) {
  concur::mp::Overlap overlap(2);
  auto adopted = concur::mp::Overlap::adopt(concur::detail::Fd(::dup(overlap.fileno())));
  for (int w = 0; w < 2; ++w) {
    concur::OverlapProbe inside = adopted.probe();  // the claims are shared too
    inside.tick();
    inside.stop();
  }
  EXPECT_THROW(overlap.probe(), std::logic_error);
  EXPECT_GE(overlap.measure().span.count(), 0);
}

}  // namespace
