// concur/core/timeline.hpp - what every thread did, and when.
//
// While a run is in progress, the runtime's primitives record on the calling thread's
// track: spans (running, waiting for X, holding X), instants (an event set, a release)
// and counters (queue depth, permits in use). After the run the runner takes the whole
// timeline; the terminal timeline and --trace are drawn from it.
//
// A coroutine has a track of its own (core/coroutine.hpp): the thread running one of its
// turns records there, so coroutines sharing one thread still get a row each.
//
// Recording is cheap: a thread appends to its own track with no lock (the track is found
// through a thread-local pointer), so the only shared step is creating the track, once per
// thread per run. Outside a run nothing is recorded and each call costs one relaxed load.
// A track keeps at most kMaxEventsPerTrack events per run and counts the rest as dropped.
//
// While the run lasts, events carry TimelineClock ticks (core/clock.hpp: the processor's
// time-stamp counter where it can be trusted, cheaper to read than the steady clock);
// end_run() converts them, so a finished Timeline is in run-clock nanoseconds, on the
// same time line as the narration's "+12.345 ms" and as a child process's tracks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "concur/core/clock.hpp"

namespace concur {

enum class SpanKind : std::uint8_t { running, waiting, holding };
std::string_view to_string(SpanKind kind);

struct TimelineEvent {
  enum class Type : std::uint8_t { span, instant, counter };
  Type type = Type::span;
  SpanKind kind = SpanKind::running;  // spans only
  std::uint32_t label = 0;            // index into Timeline::labels
  std::int64_t start_ns = 0;          // since the run clock's zero (TimelineClock ticks until end_run())
  std::int64_t end_ns = 0;            // spans: their end; instants and counters: == start_ns
  std::int64_t value = 0;             // counters only
  // A holding span still open when its thread ended (or the run did): drawn up to the end
  // of the run and marked as never released.
  bool unreleased = false;
};

struct Track {
  std::uint32_t id = 0;               // creation order within the run, from 1
  std::string name;                   // the thread's actor name, or the coroutine's name
  long pid = 0;                       // the process it ran in
  long tid = 0;                       // its kernel thread id (a coroutine's: of its first thread)
  bool coroutine = false;             // a coroutine's track (core/coroutine.hpp), sharing a thread
  std::string thread;                 // the name of the thread that recorded first on it
  std::vector<TimelineEvent> events;  // in the order they were recorded
  std::uint64_t dropped = 0;          // events past the per-track limit
};

// A finished run's timeline.
struct Timeline {
  std::vector<Track> tracks;
  std::vector<std::string> labels;  // TimelineEvent::label indexes this

  const std::string& label(const TimelineEvent& e) const { return labels.at(e.label); }
  const Track* find_track(std::string_view name) const;
};

class Recorder {
 public:
  static constexpr std::size_t kMaxEventsPerTrack = std::size_t{1} << 16;

  // Interns a label ("waiting for counter lock") and returns its id. Takes a lock: call it
  // when a primitive is built, not per event.
  static std::uint32_t intern(std::string_view label);

  // True while a run is being recorded.
  static bool active() noexcept;

  // Starts recording a new run (drops anything unclaimed from the last one).
  static void begin_run();
  // Stops recording and hands over the run's timeline. Every thread that recorded must
  // have finished (been joined) before this is called.
  static Timeline end_run();

  // Records on the calling thread's track. A span's times are TimelineClock readings taken
  // on this thread: now(), or now_before_release() for the end of a holding span read
  // just before the unlock (core/clock.hpp says why only there).
  static void span(SpanKind kind, std::uint32_t label, TimelineClock::Ticks start, TimelineClock::Ticks end);
  static void instant(std::uint32_t label);
  static void counter(std::uint32_t label, std::int64_t value);

  // Spans that open in one call and close in another (lock ... unlock). `key` names the
  // open span (usually the primitive's address); close() returns false when this thread
  // has no span open under that key (released by a thread that did not acquire).
  //
  // A span still open when its thread ends (a lock never unlocked, a permit never given
  // back) is kept: end_run() closes it at the run's end, marked unreleased. Unless the
  // primitive said meanwhile that one of its permits came back from another thread
  // (released_elsewhere(): a semaphore used as a signal), which settles one such span.
  static void open(const void* key, SpanKind kind, std::uint32_t label);
  static bool close(const void* key);
  static void released_elsewhere(const void* key);

  // Adds the tracks another process recorded (a child's, sent back when it ended) to the
  // run being recorded; ignored when none is. Their labels are matched by text. Their
  // times are kept as they are: the child converted them at its own end_run(), against
  // the run clock's zero it took from its parent, so they already share the parent's time
  // line (the steady clock is the machine's).
  static void adopt(const Timeline& foreign);
};

// A timeline as JSON and back, to carry a child process's tracks to its parent.
std::string encode_timeline(const Timeline& timeline);  // CBOR bytes
// Throws std::invalid_argument for bytes that are not a timeline.
Timeline decode_timeline(std::string_view bytes);

// No recording, on any thread, for as long as it lives; the run's recording resumes
// afterwards. For a demo that measures what something costs (the memory of ten thousand
// threads) without the timeline's own share of it.
class RecordingPaused {
 public:
  RecordingPaused() noexcept;
  ~RecordingPaused();
  RecordingPaused(const RecordingPaused&) = delete;
  RecordingPaused& operator=(const RecordingPaused&) = delete;

 private:
  bool was_active_;
};

// Records a span over a scope: { ScopedSpan s(SpanKind::waiting, label); cv.wait(...); }
class ScopedSpan {
 public:
  ScopedSpan(SpanKind kind, std::uint32_t label) noexcept;
  ~ScopedSpan();
  ScopedSpan(const ScopedSpan&) = delete;
  ScopedSpan& operator=(const ScopedSpan&) = delete;

 private:
  SpanKind kind_;
  std::uint32_t label_;
  TimelineClock::Ticks start_;  // kNotRecording when not recording
  static constexpr TimelineClock::Ticks kNotRecording{-1};
};

}  // namespace concur
