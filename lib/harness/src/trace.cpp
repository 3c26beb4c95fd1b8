#include "concur/harness/trace.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
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
    const std::string name = track.coroutine ? fmt::format("{} (coroutine on {})", track.name, track.thread) : track.name;
    other_events_.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", tid},
                             {"args", {{"name", name + " · " + std::string(variant)}}}});
    for (const TimelineEvent& e : track.events) {
      const std::string& label = timeline.label(e);
      switch (e.type) {
        case TimelineEvent::Type::span:
          spans_.push_back({pid, tid, offset_ns + e.start_ns, offset_ns + e.end_ns, label,
                            std::string(to_string(e.kind))});
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
                      {"args", {{"name", pid == self ? process_name_ : "process " + std::to_string(pid)}}}});
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
  std::vector<std::int64_t> open_ends;  // ends of the spans enclosing the current one
  std::pair<long, long> track{-1, -1};
  for (const Span& s : sorted) {
    if (std::pair{s.pid, s.tid} != track) {
      track = {s.pid, s.tid};
      open_ends.clear();
    }
    while (!open_ends.empty() && open_ends.back() <= s.start_ns) open_ends.pop_back();
    std::int64_t end = s.end_ns;
    const bool clipped = !open_ends.empty() && end > open_ends.back();
    if (clipped) end = open_ends.back();
    nlohmann::json x{{"ph", "X"},         {"name", s.name},  {"cat", s.category},
                     {"ts", to_us(s.start_ns)}, {"dur", to_us(end - s.start_ns)},
                     {"pid", s.pid},      {"tid", s.tid}};
    if (clipped) x["args"] = {{"clipped", true}};
    events.push_back(std::move(x));
    open_ends.push_back(end);
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

}  // namespace concur
