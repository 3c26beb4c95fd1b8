// bench_timeline - what one recorded timeline event costs the thread that records it,
// next to floors measured in the same run: a RunClock read (what every event read before
// the timeline had a clock of its own), the TimelineClock reads events take now, and a
// plain std::mutex lock/unlock for the recorded concur::Mutex lock/unlock.
//
// A track keeps at most Recorder::kMaxEventsPerTrack events per run and only counts the
// rest, which is cheaper; so RecordedRun restarts the run, with the timer paused, every
// `events_per_run` events (the benchmark's argument), and every figure is a real append.
// A `dropped` column other than 0 would say otherwise (and the benchmark reports an
// error). Two sizes. Half of kMaxEventsPerTrack is the steady cost of an event: a track's
// memory is kept from run to run, and the restart (the timer's pause and resume, partly
// timed, and the next run's new track) is spread thin. Every 256 events, each event also
// carries a 256th of the restart: what a thread recording a few hundred events pays.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <mutex>

#include <concur/core/clock.hpp>
#include <concur/threads/mutex.hpp>
#include <concur/core/timeline.hpp>

// Every loop starts a 64-byte line. The NotRecording loops are five instructions, and
// where one happened to straddle two lines it read 0.3-0.6 ns (20-30%) slower with the
// very same instructions, so any change elsewhere in the file moved their figures.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("align-loops=64")
#endif

namespace {

using concur::Recorder;
using concur::RunClock;
using concur::SpanKind;
using concur::TimelineClock;

// A recorded run around a benchmark's loop: begin_run() before, end_run() after.
class RecordedRun {
 public:
  explicit RecordedRun(benchmark::State& state)
      : state_(state), restart_every_(static_cast<std::size_t>(state.range(0))) {
    Recorder::begin_run();
  }
  RecordedRun(const RecordedRun&) = delete;
  RecordedRun& operator=(const RecordedRun&) = delete;

  // Call once per iteration (one event each): restarts the run, untimed, before the
  // track fills up.
  void after_event() {
    if (++events_ < restart_every_) return;
    state_.PauseTiming();
    finish();
    Recorder::begin_run();
    state_.ResumeTiming();
  }

  ~RecordedRun() {
    finish();
    state_.counters["dropped"] = static_cast<double>(dropped_);
    if (dropped_ > 0) state_.SkipWithError("events were dropped: the figure is not an append");
  }

 private:
  void finish() {
    // Destroying the finished timeline (up to 1 MB) happens here, untimed too.
    const concur::Timeline timeline = Recorder::end_run();
    for (const concur::Track& track : timeline.tracks) dropped_ += track.dropped;
    events_ = 0;
  }

  benchmark::State& state_;
  const std::size_t restart_every_;
  std::size_t events_ = 0;
  std::uint64_t dropped_ = 0;
};

const std::uint32_t kLabel = Recorder::intern("bench label");

// The argument of every recorded benchmark: events per run before a restart.
void events_per_run(benchmark::internal::Benchmark* b) {
  b->ArgName("events_per_run")->Arg(256)->Arg(Recorder::kMaxEventsPerTrack / 2);
}

// Floor: the narration's clock read (the steady clock), which every event read before
// the timeline had a clock of its own. The timeline's two reads are floors at the end.
void BM_ClockRead(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(RunClock::elapsed_ns());
}
BENCHMARK(BM_ClockRead)->Name("Floor/RunClock::elapsed_ns");

// A span as a lock records one: now() once the lock is taken, now_before_release() just
// before it is let go, then span(). (ScopedSpan reads now() at both ends.)
void BM_Span(benchmark::State& state) {
  RecordedRun run(state);
  for (auto _ : state) {
    const TimelineClock::Ticks start = TimelineClock::now();
    const TimelineClock::Ticks end = TimelineClock::now_before_release();
    Recorder::span(SpanKind::holding, kLabel, start, end);
    run.after_event();
  }
}
BENCHMARK(BM_Span)->Name("Recorded/span+2_clock_reads")->Apply(events_per_run);

void BM_Instant(benchmark::State& state) {
  RecordedRun run(state);
  for (auto _ : state) {
    Recorder::instant(kLabel);
    run.after_event();
  }
}
BENCHMARK(BM_Instant)->Name("Recorded/instant")->Apply(events_per_run);

void BM_Counter(benchmark::State& state) {
  RecordedRun run(state);
  std::int64_t value = 0;
  for (auto _ : state) {
    Recorder::counter(kLabel, ++value);
    run.after_event();
  }
}
BENCHMARK(BM_Counter)->Name("Recorded/counter")->Apply(events_per_run);

void BM_ScopedSpan(benchmark::State& state) {
  RecordedRun run(state);
  for (auto _ : state) {
    { concur::ScopedSpan span(SpanKind::running, kLabel); }
    run.after_event();
  }
}
BENCHMARK(BM_ScopedSpan)->Name("Recorded/ScopedSpan")->Apply(events_per_run);

// Outside a run every call is one relaxed load and a branch. (A primitive asks active()
// before reading the clock, as ScopedSpan does, so no clock read is counted here.)
void BM_InactiveSpan(benchmark::State& state) {
  const TimelineClock::Ticks t = TimelineClock::now();
  for (auto _ : state) Recorder::span(SpanKind::waiting, kLabel, t, t);
}
BENCHMARK(BM_InactiveSpan)->Name("NotRecording/span");

void BM_InactiveInstant(benchmark::State& state) {
  for (auto _ : state) Recorder::instant(kLabel);
}
BENCHMARK(BM_InactiveInstant)->Name("NotRecording/instant");

void BM_InactiveScopedSpan(benchmark::State& state) {
  for (auto _ : state) concur::ScopedSpan span(SpanKind::running, kLabel);
}
BENCHMARK(BM_InactiveScopedSpan)->Name("NotRecording/ScopedSpan");

// An uncontended lock/unlock. Recorded, concur::Mutex opens and closes a "holding" span:
// one event per iteration.
void BM_ConcurMutexRecorded(benchmark::State& state) {
  concur::Mutex lock("bench lock");
  RecordedRun run(state);
  for (auto _ : state) {
    lock.lock();
    lock.unlock();
    run.after_event();
  }
}
BENCHMARK(BM_ConcurMutexRecorded)
    ->Name("Recorded/concur::Mutex_lock_unlock")->Apply(events_per_run);

void BM_ConcurMutex(benchmark::State& state) {
  concur::Mutex lock("bench lock");
  for (auto _ : state) {
    lock.lock();
    lock.unlock();
  }
}
BENCHMARK(BM_ConcurMutex)->Name("NotRecording/concur::Mutex_lock_unlock");

void BM_StdMutex(benchmark::State& state) {
  std::mutex lock;
  for (auto _ : state) {
    lock.lock();
    benchmark::ClobberMemory();  // keeps the compiler from merging the pair away
    lock.unlock();
  }
}
BENCHMARK(BM_StdMutex)->Name("Floor/std::mutex_lock_unlock");

// Floors: the timeline's clock reads (core/clock.hpp). Last in the file, so that the
// functions above keep their places in the binary: a loop of five instructions measures
// its alignment too.
void BM_TimelineNow(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(TimelineClock::now());
}
BENCHMARK(BM_TimelineNow)->Name("Floor/TimelineClock::now");

void BM_TimelineNowBeforeRelease(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(TimelineClock::now_before_release());
}
BENCHMARK(BM_TimelineNowBeforeRelease)->Name("Floor/TimelineClock::now_before_release");

}  // namespace

BENCHMARK_MAIN();
