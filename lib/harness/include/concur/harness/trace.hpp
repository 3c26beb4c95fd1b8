// concur/harness/trace.hpp - a run's timelines as a Chrome / Perfetto trace file.
//
// The Trace Event Format: {"traceEvents": [...], "displayTimeUnit": "ms"}, opened at
// ui.perfetto.dev or chrome://tracing. Every recorded thread is a track (pid, tid =
// its process and kernel thread ids) named by "thread_name" metadata; a coroutine, which
// shares its thread, is a track of its own ("Task-1 (coroutine on MainThread)", its tid
// numbered from 2^30) whose spans are its turns and the waits between them; spans become
// complete events ("X", ts and dur in microseconds), instants "i" events and counters
// "C" events. The variants of an example run one after another, so their timelines are
// laid end to end, each under a "variant <name>" span on the main thread.
//
// Perfetto rejects slices on one track that overlap without nesting (lock A, lock B,
// unlock A, unlock B); such a span is cut at the end of the span it started in, and
// marked with "clipped": true in its args.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/core/timeline.hpp"

namespace concur {

class TraceBuilder {
 public:
  // `process_name` names this process's pid ("concur race").
  explicit TraceBuilder(std::string process_name);

  // Adds one run's timeline that started `offset_ns` after the trace's time zero and
  // lasted `duration_ns`. Track names get " · <variant>" appended.
  void add_run(const Timeline& timeline, std::string_view variant, std::int64_t offset_ns,
               std::int64_t duration_ns);

  // The whole document, spans nested per track.
  nlohmann::json to_json() const;

 private:
  struct Span {
    long pid, tid;
    std::int64_t start_ns, end_ns;
    std::string name;
    std::string category;
  };
  std::string process_name_;
  std::map<long, std::string> process_names_;  // a child process: the name of its first track
  // Coroutine tracks are numbered from here (Linux thread ids stay below 2^22).
  static constexpr long kFirstCoroutineTrack = 1L << 30;
  long next_coroutine_track_ = 0;
  std::vector<Span> spans_;
  nlohmann::json other_events_ = nlohmann::json::array();  // metadata, instants, counters
};

}  // namespace concur
