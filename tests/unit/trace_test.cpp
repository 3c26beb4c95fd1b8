// concur::TraceBuilder: the Trace Event Format Perfetto accepts.
#include <gtest/gtest.h>

#include <concur/harness/trace.hpp>

#include <unistd.h>

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
