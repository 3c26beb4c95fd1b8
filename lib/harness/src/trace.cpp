#include "concur/harness/trace.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace concur {
namespace {

double to_us(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

}  // namespace

TraceBuilder::TraceBuilder(std::string process_name) : process_name_(std::move(process_name)) {}

void TraceBuilder::add_run(const Timeline& timeline, std::string_view variant, std::int64_t offset_ns,
                           std::int64_t duration_ns) {
  const long self = static_cast<long>(::getpid());
  // The main thread's id is the process id on Linux.
  spans_.push_back({self, self, offset_ns, offset_ns + duration_ns, "variant " + std::string(variant), "variant"});
  for (const Track& track : timeline.tracks) {
    const long pid = track.pid != 0 ? track.pid : self;
    // A coroutine shares its thread with others, so it gets a track id of its own (above
    // any kernel thread id); its name says which thread ran it.
    const long tid = track.coroutine ? kFirstCoroutineTrack + next_coroutine_track_++
                     : track.tid != 0 ? track.tid : static_cast<long>(track.id);
    // A viewer adds "(pid N)" and "(tid N)" itself: a name ending in "[N]" (PoolWorker-1[31976])
    // loses that part, and a child process is named after its first thread.
    std::string plain = track.name;
    if (const std::string suffix = fmt::format("[{}]", pid); plain.size() > suffix.size() && plain.ends_with(suffix))
      plain.erase(plain.size() - suffix.size());
    if (pid != self && !process_names_.contains(pid)) process_names_[pid] = plain;
    const std::string name = track.coroutine ? fmt::format("{} (coroutine on {})", track.name, track.thread) : plain;
    other_events_.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", tid},
                             {"args", {{"name", name + " · " + std::string(variant)}}}});
    for (const TimelineEvent& e : track.events) {
      const std::string& label = timeline.label(e);
      switch (e.type) {
        case TimelineEvent::Type::span:
          spans_.push_back({pid, tid, offset_ns + e.start_ns, offset_ns + e.end_ns,
                            e.unreleased ? label + " (never released)" : label, std::string(to_string(e.kind))});
          break;
        case TimelineEvent::Type::instant:
          other_events_.push_back({{"ph", "i"}, {"s", "t"}, {"name", label}, {"cat", "instant"},
                                   {"ts", to_us(offset_ns + e.start_ns)}, {"pid", pid}, {"tid", tid}});
          break;
        case TimelineEvent::Type::counter:
          other_events_.push_back({{"ph", "C"}, {"name", label}, {"ts", to_us(offset_ns + e.start_ns)},
                                   {"pid", pid}, {"tid", tid}, {"args", {{"value", e.value}}}});
          break;
      }
    }
    if (track.dropped > 0) {  // say where the record stops, and why
      std::int64_t last = 0;
      for (const TimelineEvent& e : track.events) last = std::max(last, e.end_ns);
      other_events_.push_back(
          {{"ph", "i"}, {"s", "t"}, {"cat", "recording"}, {"pid", pid}, {"tid", tid}, {"ts", to_us(offset_ns + last)},
           {"name", fmt::format("recording stopped: {} more events past the limit of {} per thread", track.dropped,
                                Recorder::kMaxEventsPerTrack)}});
    }
  }
}

nlohmann::json TraceBuilder::to_json() const {
  nlohmann::json events = nlohmann::json::array();
  std::set<long> pids;
  std::set<std::pair<long, long>> named;
  for (const auto& e : other_events_) {
    pids.insert(e["pid"].get<long>());
    if (e["ph"] == "M") named.emplace(e["pid"].get<long>(), e["tid"].get<long>());
  }
  for (const Span& s : spans_) pids.insert(s.pid);
  const long self = static_cast<long>(::getpid());
  for (long pid : pids)
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"tid", 0},
                      {"args", {{"name", pid == self                   ? process_name_
                                         : process_names_.contains(pid) ? process_names_.at(pid)
                                                                        : "process"}}}});
  if (!named.contains({self, self}))
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", self}, {"tid", self},
                      {"args", {{"name", "MainThread"}}}});
  events.insert(events.end(), other_events_.begin(), other_events_.end());

  // Per track, outer spans first (earlier start, then longer); a span that runs past
  // the end of the one it starts inside is cut there, so every track nests.
  std::vector<Span> sorted = spans_;
  std::sort(sorted.begin(), sorted.end(), [](const Span& a, const Span& b) {
    return std::tie(a.pid, a.tid, a.start_ns, b.end_ns) < std::tie(b.pid, b.tid, b.start_ns, a.end_ns);
  });
  //
  // A viewer reads ts and dur as doubles and adds them: the end it computes must not pass
  // the end of the span around it (nor the span's own), or it nests the next span wrong.
  // So dur is the largest double with ts + dur within that limit, in the doubles written
  // (which read back exactly).
  struct Open {
    std::int64_t end_ns;
    double end_us;  // ts + dur as a viewer computes it
  };
  std::vector<Open> open;  // the spans enclosing the current one
  std::pair<long, long> track{-1, -1};
  for (const Span& s : sorted) {
    if (std::pair{s.pid, s.tid} != track) {
      track = {s.pid, s.tid};
      open.clear();
    }
    while (!open.empty() && open.back().end_ns <= s.start_ns) open.pop_back();
    std::int64_t end = s.end_ns;
    const bool clipped = !open.empty() && end > open.back().end_ns;
    if (clipped) end = open.back().end_ns;
    const double ts = to_us(s.start_ns);
    double limit = to_us(end);
    if (!open.empty()) limit = std::min(limit, open.back().end_us);
    double dur = std::max(0.0, limit - ts);
    while (dur > 0 && ts + dur > limit) dur = std::nextafter(dur, 0.0);
    nlohmann::json x{{"ph", "X"}, {"name", s.name}, {"cat", s.category}, {"ts", ts}, {"dur", dur},
                     {"pid", s.pid}, {"tid", s.tid}};
    if (clipped) x["args"] = {{"clipped", true}};
    events.push_back(std::move(x));
    open.push_back({end, ts + dur});
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

}  // namespace concur
