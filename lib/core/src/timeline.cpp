#include "concur/core/timeline.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <pthread.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "concur/core/actor.hpp"
#include "concur/core/clock.hpp"
#include "track_slot.hpp"

namespace concur {
namespace {

using Ticks = TimelineClock::Ticks;

// A span left open by a thread that ended, waiting for end_run() to decide about it.
struct LeftOpen {
  Track* track;
  const void* key;
  SpanKind kind;
  std::uint32_t label;
  Ticks start;
};

// A track of the run: recorded here, its times in ticks until end_run() converts them, or
// adopted from a child process, already in nanoseconds.
struct RunTrack {
  std::unique_ptr<Track> track;
  bool in_ticks;
};

struct State {
  std::mutex mu;
  std::vector<RunTrack> tracks;                              // guarded by mu
  // Event vectors of earlier runs, emptied, their memory kept (guarded by mu): a track
  // takes one, so a run like the last appends to memory already in place, with no growth
  // and no page faults (bench_timeline at 32768 events a run: 83 ns a span before, see
  // bench/README.md).
  std::vector<std::vector<TimelineEvent>> spare_events;
  TimelineClock::Calibration calibration;                    // guarded by mu: of the run being recorded
  std::vector<LeftOpen> left_open;                           // guarded by mu
  std::unordered_map<const void*, int> released_elsewhere;   // guarded by mu
  std::vector<std::string> labels;                           // guarded by mu
  std::unordered_map<std::string, std::uint32_t> label_ids;  // guarded by mu
};

State& state() {
  static State s = [] {
    // A child forked while another thread holds the lock would find it held for ever:
    // hold it across fork() so it is free on both sides afterwards.
    ::pthread_atfork([] { state().mu.lock(); }, [] { state().mu.unlock(); }, [] { state().mu.unlock(); });
    return State{};
  }();
  return s;
}

// Event vectors kept between runs, in events: 16 MiB of them at most.
constexpr std::size_t kKeptEvents = (std::size_t{16} << 20) / sizeof(TimelineEvent);

std::atomic<bool> g_active{false};
// Bumped by every begin_run(), so a thread's cached track from an earlier run is ignored.
std::atomic<std::uint64_t> g_epoch{1};

}  // namespace

// Where the calling thread records: its own slot, or a coroutine's while it runs one
// (core/src/track_slot.hpp).
namespace detail {
namespace {
thread_local TrackSlot t_own;
thread_local TrackSlot* t_borrowed = nullptr;
}  // namespace

// Defined after state() and g_epoch: a slot ending with spans open hands them over.
void hand_over_open_spans(TrackSlot& slot);

TrackSlot::~TrackSlot() { hand_over_open_spans(*this); }

TrackSlot* switch_slot(TrackSlot* slot) noexcept {
  TrackSlot* before = t_borrowed;
  t_borrowed = slot;
  return before;
}
}  // namespace detail

namespace {

using detail::TrackSlot;

TrackSlot& slot() noexcept { return detail::t_borrowed != nullptr ? *detail::t_borrowed : detail::t_own; }

Track& my_track() {
  const std::uint64_t epoch = g_epoch.load(std::memory_order_acquire);
  TrackSlot& me = slot();
  if (me.track == nullptr || me.epoch != epoch) {
    State& s = state();
    auto track = std::make_unique<Track>();
    track->coroutine = me.coroutine_name != nullptr;
    track->name = track->coroutine ? *me.coroutine_name : current_thread_actor();
    track->thread = current_thread_actor();
    track->pid = static_cast<long>(::getpid());
    track->tid = current_native_id();
    std::lock_guard guard(s.mu);
    if (!track->coroutine && !s.spare_events.empty()) {
      track->events = std::move(s.spare_events.back());
      s.spare_events.pop_back();
    } else {
      track->events.reserve(track->coroutine ? 16 : 256);
    }
    track->id = static_cast<std::uint32_t>(s.tracks.size() + 1);
    me.track = track.get();
    me.epoch = epoch;
    me.open_count = 0;
    s.tracks.push_back({std::move(track), true});
  }
  return *me.track;
}

void append(const TimelineEvent& e) {
  Track& track = my_track();
  if (track.events.size() >= Recorder::kMaxEventsPerTrack) {
    ++track.dropped;
    return;
  }
  track.events.push_back(e);
}

}  // namespace

std::string_view to_string(SpanKind kind) {
  switch (kind) {
    case SpanKind::running: return "running";
    case SpanKind::waiting: return "waiting";
    case SpanKind::holding: return "holding";
  }
  return "?";
}

const Track* Timeline::find_track(std::string_view name) const {
  for (const Track& t : tracks)
    if (t.name == name) return &t;
  return nullptr;
}

std::uint32_t Recorder::intern(std::string_view label) {
  State& s = state();
  std::lock_guard guard(s.mu);
  auto [it, inserted] =
      s.label_ids.try_emplace(std::string(label), static_cast<std::uint32_t>(s.labels.size()));
  if (inserted) s.labels.emplace_back(label);
  return it->second;
}

bool Recorder::active() noexcept { return g_active.load(std::memory_order_relaxed); }

void detail::hand_over_open_spans(TrackSlot& slot) {
  if (slot.open_count == 0 || slot.track == nullptr || slot.epoch != g_epoch.load(std::memory_order_acquire)) return;
  State& s = state();
  std::lock_guard guard(s.mu);
  for (std::size_t i = 0; i < slot.open_count; ++i)
    s.left_open.push_back({slot.track, slot.open[i].key, slot.open[i].kind, slot.open[i].label, slot.open[i].start});
  slot.open_count = 0;
}

void Recorder::released_elsewhere(const void* key) {
  if (!active()) return;
  State& s = state();
  std::lock_guard guard(s.mu);
  ++s.released_elsewhere[key];
}

void Recorder::begin_run() {
  State& s = state();
  {
    std::lock_guard guard(s.mu);
    s.tracks.clear();
    s.left_open.clear();
    s.released_elsewhere.clear();
    s.calibration = TimelineClock::Calibration::start();
  }
  g_epoch.fetch_add(1, std::memory_order_acq_rel);
  g_active.store(true, std::memory_order_release);
}

Timeline Recorder::end_run() {
  const Ticks end = TimelineClock::now();
  detail::hand_over_open_spans(slot());  // what the caller itself still holds
  g_active.store(false, std::memory_order_release);
  State& s = state();
  Timeline timeline;
  std::lock_guard guard(s.mu);
  s.calibration.finish();
  // Spans their threads left open: settled by a release from elsewhere, or never released.
  for (const LeftOpen& o : s.left_open) {
    if (auto it = s.released_elsewhere.find(o.key); it != s.released_elsewhere.end() && it->second > 0) {
      --it->second;
      continue;
    }
    if (o.track->events.size() >= kMaxEventsPerTrack) {
      ++o.track->dropped;
      continue;
    }
    TimelineEvent e{TimelineEvent::Type::span, o.kind, o.label, static_cast<std::int64_t>(o.start),
                    static_cast<std::int64_t>(std::max(end, o.start)), 0};
    e.unreleased = true;
    o.track->events.push_back(e);
  }
  s.left_open.clear();
  s.released_elsewhere.clear();
  timeline.labels = s.labels;
  timeline.tracks.reserve(s.tracks.size());
  for (RunTrack& t : s.tracks) {
    if (t.in_ticks)
      for (TimelineEvent& e : t.track->events) {
        e.start_ns = s.calibration.run_ns(Ticks{e.start_ns});
        e.end_ns = s.calibration.run_ns(Ticks{e.end_ns});
      }
    // A thread's events go out as a copy, and its vector stays for the next run.
    if (t.in_ticks && !t.track->coroutine) {
      std::vector<TimelineEvent> spare = std::move(t.track->events);
      t.track->events.assign(spare.begin(), spare.end());
      spare.clear();
      s.spare_events.push_back(std::move(spare));
    }
    timeline.tracks.push_back(std::move(*t.track));
  }
  // Keep the largest, up to kKeptEvents in all.
  std::sort(s.spare_events.begin(), s.spare_events.end(),
            [](const auto& a, const auto& b) { return a.capacity() > b.capacity(); });
  std::size_t kept = 0;
  auto last = s.spare_events.begin();
  while (last != s.spare_events.end() && kept + last->capacity() <= kKeptEvents) kept += (last++)->capacity();
  s.spare_events.erase(last, s.spare_events.end());
  s.tracks.clear();
  g_epoch.fetch_add(1, std::memory_order_acq_rel);
  return timeline;
}

void Recorder::span(SpanKind kind, std::uint32_t label, Ticks start, Ticks end) {
  if (!active()) return;
  append({TimelineEvent::Type::span, kind, label, static_cast<std::int64_t>(start), static_cast<std::int64_t>(end), 0});
}

void Recorder::instant(std::uint32_t label) {
  if (!active()) return;
  const auto now = static_cast<std::int64_t>(TimelineClock::now());
  append({TimelineEvent::Type::instant, SpanKind::running, label, now, now, 0});
}

void Recorder::counter(std::uint32_t label, std::int64_t value) {
  if (!active()) return;
  const auto now = static_cast<std::int64_t>(TimelineClock::now());
  append({TimelineEvent::Type::counter, SpanKind::running, label, now, now, value});
}

void Recorder::open(const void* key, SpanKind kind, std::uint32_t label) {
  if (!active()) return;
  my_track();  // resets the open list when this is the thread's first event of the run
  TrackSlot& me = slot();
  if (me.open_count == me.open.size()) return;  // too deep: not drawn, still correct
  me.open[me.open_count++] = {key, kind, label, TimelineClock::now()};
}

bool Recorder::close(const void* key) {
  TrackSlot& me = slot();
  if (me.epoch != g_epoch.load(std::memory_order_acquire)) return false;
  // Search from the top: the innermost open span with this key is the one to close.
  for (std::size_t i = me.open_count; i-- > 0;) {
    if (me.open[i].key != key) continue;
    const detail::OpenSpan span = me.open[i];
    for (std::size_t j = i + 1; j < me.open_count; ++j) me.open[j - 1] = me.open[j];
    --me.open_count;
    // Read just before the caller unlocks: the cheaper read is safe there (core/clock.hpp).
    if (active()) Recorder::span(span.kind, span.label, span.start, TimelineClock::now_before_release());
    return true;
  }
  return false;
}

RecordingPaused::RecordingPaused() noexcept : was_active_(g_active.exchange(false, std::memory_order_acq_rel)) {}

RecordingPaused::~RecordingPaused() {
  if (was_active_) g_active.store(true, std::memory_order_release);
}

ScopedSpan::ScopedSpan(SpanKind kind, std::uint32_t label) noexcept : kind_(kind), label_(label), start_(kNotRecording) {
  if (Recorder::active()) start_ = TimelineClock::now();
}

ScopedSpan::~ScopedSpan() {
  if (start_ != kNotRecording) Recorder::span(kind_, label_, start_, TimelineClock::now());
}

void Recorder::adopt(const Timeline& foreign) {
  if (!active()) return;
  State& s = state();
  std::lock_guard guard(s.mu);
  std::vector<std::uint32_t> label_map;
  label_map.reserve(foreign.labels.size());
  for (const std::string& label : foreign.labels) {
    auto [it, inserted] = s.label_ids.try_emplace(label, static_cast<std::uint32_t>(s.labels.size()));
    if (inserted) s.labels.push_back(label);
    label_map.push_back(it->second);
  }
  for (const Track& t : foreign.tracks) {
    auto track = std::make_unique<Track>(t);
    track->id = static_cast<std::uint32_t>(s.tracks.size() + 1);
    for (TimelineEvent& e : track->events) e.label = label_map.at(e.label);
    s.tracks.push_back({std::move(track), false});
  }
}

std::string encode_timeline(const Timeline& timeline) {
  nlohmann::json tracks = nlohmann::json::array();
  for (const Track& t : timeline.tracks) {
    nlohmann::json events = nlohmann::json::array();
    for (const TimelineEvent& e : t.events)
      events.push_back({static_cast<int>(e.type), static_cast<int>(e.kind), e.label, e.start_ns, e.end_ns, e.value,
                        e.unreleased});
    tracks.push_back({{"name", t.name}, {"pid", t.pid}, {"tid", t.tid}, {"dropped", t.dropped}, {"events", events},
                      {"coroutine", t.coroutine}, {"thread", t.thread}});
  }
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_cbor({{"labels", timeline.labels}, {"tracks", tracks}});
  return {bytes.begin(), bytes.end()};
}

Timeline decode_timeline(std::string_view bytes) {
  try {
    const nlohmann::json j = nlohmann::json::from_cbor(bytes);
    Timeline timeline;
    timeline.labels = j.at("labels").get<std::vector<std::string>>();
    for (const nlohmann::json& t : j.at("tracks")) {
      Track track;
      track.name = t.at("name");
      track.pid = t.at("pid");
      track.tid = t.at("tid");
      track.dropped = t.at("dropped");
      track.coroutine = t.value("coroutine", false);
      track.thread = t.value("thread", std::string());
      for (const nlohmann::json& e : t.at("events")) {
        TimelineEvent ev;
        ev.type = static_cast<TimelineEvent::Type>(e.at(0).get<int>());
        ev.kind = static_cast<SpanKind>(e.at(1).get<int>());
        ev.label = e.at(2);
        if (ev.label >= timeline.labels.size()) throw std::out_of_range("label");
        ev.start_ns = e.at(3);
        ev.end_ns = e.at(4);
        ev.value = e.at(5);
        ev.unreleased = e.size() > 6 && e.at(6).get<bool>();
        track.events.push_back(ev);
      }
      timeline.tracks.push_back(std::move(track));
    }
    return timeline;
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("not a timeline: ") + e.what());
  }
}

}  // namespace concur
