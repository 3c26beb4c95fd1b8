// concur::TraceBuilder: the Trace Event Format Perfetto accepts.
#include <gtest/gtest.h>

#include <concur/harness/trace.hpp>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

using concur::SpanKind;
using concur::TimelineEvent;
using nlohmann::json;

concur::Track track(long tid, std::string name, std::vector<TimelineEvent> events) {
  concur::Track t;
  t.name = std::move(name);
  t.pid = static_cast<long>(::getpid());
  t.tid = tid;
  t.events = std::move(events);
  return t;
}

TimelineEvent span(SpanKind k, std::uint32_t label, std::int64_t a, std::int64_t b) {
  return {TimelineEvent::Type::span, k, label, a, b, 0};
}

TEST(Trace, SpansInstantsCountersAndNamedTracks) {
  concur::Timeline tl;
  tl.labels = {"running", "holding room", "room in use", "release room"};
  tl.tracks.push_back(track(101, "Worker-1", {span(SpanKind::running, 0, 0, 5000), span(SpanKind::holding, 1, 1000, 3000),
                                              {TimelineEvent::Type::counter, SpanKind::running, 2, 1000, 1000, 1},
                                              {TimelineEvent::Type::instant, SpanKind::running, 3, 3000, 3000, 0}}));
  concur::TraceBuilder builder("concur test");
  builder.add_run(tl, "only", 2000, 6000);
  const json doc = builder.to_json();
  EXPECT_EQ(doc["displayTimeUnit"], "ms");
  std::map<std::string, int> phases;
  bool named = false;
  for (const json& e : doc["traceEvents"]) {
    ++phases[e["ph"].get<std::string>()];
    EXPECT_TRUE(e["pid"].is_number_integer());
    EXPECT_TRUE(e["tid"].is_number_integer());
    if (e["ph"] == "M" && e["name"] == "thread_name" && e["tid"] == 101) {
      named = true;
      EXPECT_EQ(e["args"]["name"], "Worker-1 · only");
    }
    if (e["ph"] == "X" && e["name"] == "holding room") {
      EXPECT_DOUBLE_EQ(e["ts"].get<double>(), 3.0);  // (2000 + 1000) ns in µs
      EXPECT_DOUBLE_EQ(e["dur"].get<double>(), 2.0);
      EXPECT_EQ(e["cat"], "holding");
    }
    if (e["ph"] == "i") { EXPECT_EQ(e["s"], "t"); }
    if (e["ph"] == "C") { EXPECT_EQ(e["args"]["value"], 1); }
  }
  EXPECT_TRUE(named);
  EXPECT_EQ(phases["X"], 3);  // running, holding, and the variant's own span
  EXPECT_EQ(phases["i"], 1);
  EXPECT_EQ(phases["C"], 1);
}

TEST(Trace, OverlappingSpansOnOneTrackAreCutSoTheyNest) {
  // Lock A, lock B, unlock A, unlock B: two holding spans that overlap without nesting.
  concur::Timeline tl;
  tl.labels = {"holding A", "holding B"};
  tl.tracks.push_back(track(7, "Thread-1", {span(SpanKind::holding, 0, 0, 3000), span(SpanKind::holding, 1, 1000, 5000)}));
  concur::TraceBuilder builder("concur test");
  builder.add_run(tl, "v", 0, 6000);
  const json doc = builder.to_json();
  std::vector<std::pair<double, double>> open;
  int clipped = 0;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] != "X" || e["tid"] != 7) continue;
    const double a = e["ts"].get<double>(), b = a + e["dur"].get<double>();
    while (!open.empty() && open.back().second <= a) open.pop_back();
    if (!open.empty()) { EXPECT_LE(b, open.back().second + 1e-9) << e.dump(); }
    open.emplace_back(a, b);
    if (e.contains("args") && e["args"].value("clipped", false)) ++clipped;
  }
  EXPECT_EQ(clipped, 1);
}

TEST(Trace, RunsOfDifferentVariantsAreLaidEndToEnd) {
  concur::Timeline first, second;
  first.labels = second.labels = {"running"};
  first.tracks.push_back(track(11, "Thread-1", {span(SpanKind::running, 0, 0, 1000)}));
  second.tracks.push_back(track(12, "Thread-1", {span(SpanKind::running, 0, 0, 1000)}));
  concur::TraceBuilder builder("concur test");
  builder.add_run(first, "a", 0, 2000);
  builder.add_run(second, "b", 5000, 2000);
  std::map<long, double> start_of;
  const json doc = builder.to_json();
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "X" && e["name"] == "running") start_of[e["tid"].get<long>()] = e["ts"].get<double>();
  EXPECT_DOUBLE_EQ(start_of.at(11), 0.0);
  EXPECT_DOUBLE_EQ(start_of.at(12), 5.0);
}

// Coroutines that share a thread each get a track of their own, named with that thread,
// and a second run's coroutine of the same name is another track again.
TEST(Trace, CoroutinesSharingAThreadGetATrackEach) {
  concur::Timeline tl;
  tl.labels = {"running on MainThread", "asleep"};
  for (const char* name : {"Task-1", "Task-2"}) {
    concur::Track t = track(42, name, {span(SpanKind::running, 0, 0, 10), span(SpanKind::waiting, 1, 10, 500),
                                       span(SpanKind::running, 0, 500, 510)});
    t.coroutine = true;
    t.thread = "MainThread";
    tl.tracks.push_back(t);
  }
  concur::TraceBuilder builder("concur test");
  builder.add_run(tl, "a", 0, 1000);
  builder.add_run(tl, "b", 2000, 1000);
  std::map<std::string, long> tid_of;
  const json doc = builder.to_json();
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name") tid_of[e["args"]["name"]] = e["tid"];
  std::set<long> tids;
  for (const char* run : {"a", "b"})
    for (const char* name : {"Task-1", "Task-2"}) {
      const std::string key = std::string(name) + " (coroutine on MainThread) · " + run;
      ASSERT_TRUE(tid_of.contains(key)) << key;
      EXPECT_NE(tid_of[key], 42);
      tids.insert(tid_of[key]);
    }
  EXPECT_EQ(tids.size(), 4u);
}

}  // namespace

namespace {

// Reads the trace back from its text, as a viewer does (numbers as doubles, end = ts +
// dur), and counts the spans of each track that end after the span around them.
int misnested(const std::string& text) {
  const json doc = json::parse(text);
  std::map<std::pair<long, long>, std::vector<std::pair<double, double>>> tracks;
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "X")
      tracks[{e["pid"].get<long>(), e["tid"].get<long>()}].emplace_back(e["ts"].get<double>(),
                                                                         e["ts"].get<double>() + e["dur"].get<double>());
  int bad = 0;
  for (auto& [id, spans] : tracks) {
    std::sort(spans.begin(), spans.end(), [](auto& a, auto& b) { return a.first < b.first || (a.first == b.first && a.second > b.second); });
    std::vector<double> ends;
    for (const auto& [a, b] : spans) {
      while (!ends.empty() && ends.back() <= a) ends.pop_back();
      if (!ends.empty() && b > ends.back()) ++bad;  // exact: no tolerance, as a viewer compares
      ends.push_back(b);
    }
  }
  return bad;
}

}  // namespace

TEST(Trace, ClippedSpansNestExactlyWhenReadBackAsDoubles) {
  // Times whose microseconds are not exact in binary (21071.486 µs): a child cut to its
  // parent's end must still end at or before it once ts + dur are added as doubles.
  concur::Timeline tl;
  tl.labels = {"running", "holding buffer lock", "waiting"};
  std::vector<TimelineEvent> events;
  for (std::int64_t k = 0; k < 2000; ++k) {
    const std::int64_t base = 21'071'486 + k * 7'919;
    events.push_back(span(SpanKind::running, 0, base, base + 3'333));
    events.push_back(span(SpanKind::holding, 1, base + 1'111, base + 5'555));  // runs past its parent
    events.push_back(span(SpanKind::waiting, 2, base + 2'222, base + 3'333));   // ends with it
  }
  tl.tracks.push_back(track(9, "Consumer-1", std::move(events)));
  concur::TraceBuilder builder("concur test");
  builder.add_run(tl, "v", 123'457, 40'000'000);
  EXPECT_EQ(misnested(builder.to_json().dump()), 0);
}

TEST(Trace, UnreleasedSpansAndTheRecordingCapAreNamed) {
  concur::Timeline tl;
  tl.labels = {"holding semaphore"};
  TimelineEvent held = span(SpanKind::holding, 0, 100, 9000);
  held.unreleased = true;
  concur::Track t = track(5, "Worker-1", {held});
  t.dropped = 42;
  tl.tracks.push_back(std::move(t));
  concur::TraceBuilder builder("concur test");
  builder.add_run(tl, "v", 0, 10'000);
  bool never = false, cap = false;
  const json doc = builder.to_json();
  for (const json& e : doc["traceEvents"]) {
    never = never || (e["ph"] == "X" && e["name"] == "holding semaphore (never released)");
    cap = cap || (e["ph"] == "i" && e["name"].get<std::string>().find("recording stopped: 42 more events") == 0);
  }
  EXPECT_TRUE(never);
  EXPECT_TRUE(cap);
}

TEST(Trace, AChildProcessIsNamedOnceAfterItsFirstThread) {
  concur::Timeline tl;
  tl.labels = {"running"};
  concur::Track t = track(31976, "PoolWorker-1[31976]", {span(SpanKind::running, 0, 0, 1000)});
  t.pid = 31976;
  tl.tracks.push_back(std::move(t));
  concur::TraceBuilder builder("concur test");
  builder.add_run(tl, "map", 0, 2000);
  std::string process, thread;
  const json doc = builder.to_json();
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "M" && e["pid"] == 31976) (e["name"] == "process_name" ? process : thread) = e["args"]["name"];
  EXPECT_EQ(process, "PoolWorker-1");
  EXPECT_EQ(thread, "PoolWorker-1 · map");
}
