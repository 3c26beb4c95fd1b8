// concur::make_html and make_sweep_html: the HTML report's structure, from Outcomes built by
// hand: a track group per track, everything escaped, no URL, no e-notation, the checks and
// the sweep's charts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <concur/core/host_load.hpp>
#include <concur/harness/example.hpp>
#include <concur/harness/html.hpp>

#include <regex>
#include <string>
#include <vector>

namespace {

using concur::CheckOutcome;
using concur::Example;
using concur::Outcome;
using concur::SpanKind;
using concur::Summary;
using concur::Timeline;
using concur::TimelineEvent;
using concur::Track;
using concur::VariantOutcome;

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// The text from `open` up to the end of the element it starts (the next `close`).
std::string element(const std::string& html, const std::string& open, const std::string& close) {
  const std::size_t from = html.find(open);
  if (from == std::string::npos) return {};
  const std::size_t to = html.find(close, from);
  return html.substr(from, to == std::string::npos ? std::string::npos : to + close.size() - from);
}

Example example() {
  return {.id = "99.7", .name = "sample", .title = "Sample & co", .lecture = 10, .summary = "A test example.",
          .baseline = "plain", .outcomes = {"lost"}};
}

TimelineEvent span(SpanKind kind, std::uint32_t label, std::int64_t start, std::int64_t end) {
  return {TimelineEvent::Type::span, kind, label, start, end, 0};
}

// Two threads: one runs, waits for a lock and holds it (nested in its running span), sets
// an event; the other runs and counts a queue's depth.
Timeline two_tracks() {
  Timeline t;
  t.labels = {"running", "waiting for lock", "holding lock", "set done", "queue depth"};
  const long self = static_cast<long>(::getpid());
  Track a{1, "Thread-1", self, self + 1, false, "Thread-1", {}, 0};
  a.events = {span(SpanKind::running, 0, 0, 4'000'000), span(SpanKind::waiting, 1, 500'000, 1'000'000),
              span(SpanKind::holding, 2, 1'000'000, 3'000'000), {TimelineEvent::Type::instant, SpanKind::running, 3, 3'500'000, 3'500'000, 0}};
  Track b{2, "Thread-2", self, self + 2, false, "Thread-2", {}, 0};
  b.events = {span(SpanKind::running, 0, 100'000, 3'900'000),
              {TimelineEvent::Type::counter, SpanKind::running, 4, 200'000, 200'000, 1},
              {TimelineEvent::Type::counter, SpanKind::running, 4, 900'000, 900'000, 3},
              {TimelineEvent::Type::counter, SpanKind::running, 4, 2'000'000, 2'000'000, 0}};
  t.tracks = {a, b};
  return t;
}

Summary times(double median) {
  return {.min = median * 0.9, .median = median, .max = median * 1.2, .mean = median, .stddev = median / 10,
          .times = {median * 0.9, median, median * 1.2}};
}

VariantOutcome variant(std::string name, double median, std::optional<double> speedup) {
  VariantOutcome v;
  v.name = std::move(name);
  v.runs.resize(3);
  v.wall = times(median);
  v.free_cores = concur::host_cpus();
  v.speedup = speedup;
  if (speedup) v.baseline = "plain";
  v.explanation = "Explained: " + v.name;
  v.timeline = two_tracks();
  v.first_run_ns = 4'000'000;
  v.outcomes["lost"] = {{"kind", "histogram"}, {"runs", 3}, {"min", 0}, {"median", 5}, {"max", 1e7},
                        {"mean", 3.3e6}, {"nonzero_runs", 2},
                        {"buckets", {{{"from", 0}, {"to", 5e6}, {"count", 2}}, {{"from", 5e6}, {"to", 1e7}, {"count", 1}}}}};
  return v;
}

Outcome outcome(const Example& e) {
  Outcome o;
  o.example = &e;
  o.params = {{"threads", 2}, {"repeat", 3}, {"time_scale", 1e-7}, {"name", "a \"quoted\" <b>name</b>"}};
  o.variants = {variant("plain", 2e-3, 1.0), variant("locked", 0.272, 0.00735), variant("fast", 1.04e-3, 1.923)};
  o.checks = {{"every thread finished", true, true, "2 of 2", 3, 3, 0},
              {"updates were lost", false, false, "0 lost", 1, 3, 0},
              {"the total is right", true, false, "199 != 200 & worse", 2, 3, 0}};
  o.ok = false;
  return o;
}

TEST(Html, IsOneCompleteDocument) {
  const Example e = example();
  const std::string html = concur::make_html(outcome(e));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_TRUE(html.ends_with("</html>\n"));
  EXPECT_EQ(count(html, "<style>"), 1u);
  EXPECT_NE(html.find("<title>concur sample (99.7): Sample &amp; co</title>"), std::string::npos);
}

TEST(Html, OneTrackGroupPerTrackInEachVariantsTimeline) {
  const Example e = example();
  const std::string html = concur::make_html(outcome(e));
  EXPECT_EQ(count(html, "<section class=\"variant\""), 3u);
  for (const std::string name : {"plain", "locked", "fast"}) {
    const std::string section = element(html, "<section class=\"variant\" data-variant=\"" + name + "\">", "</section>");
    ASSERT_FALSE(section.empty()) << name;
    const std::string svg = element(section, "<svg class=\"timeline\"", "</svg>");
    EXPECT_EQ(count(svg, "<g class=\"track\""), 2u) << name;
    EXPECT_EQ(count(svg, "data-track=\"Thread-1\""), 1u);
    EXPECT_EQ(count(svg, "data-track=\"Thread-2\""), 1u);
    EXPECT_EQ(count(svg, "<rect class=\"span running\""), 2u);
    EXPECT_EQ(count(svg, "<rect class=\"span waiting\""), 1u);
    EXPECT_EQ(count(svg, "<rect class=\"span holding\""), 1u);
    EXPECT_EQ(count(svg, "<line class=\"instant\""), 1u);
    EXPECT_EQ(count(svg, "<g class=\"counter\" data-counter=\"queue depth\""), 1u);
    EXPECT_NE(svg.find("holding lock · from 1.00 ms · lasted 2.00 ms"), std::string::npos) << "the span's tooltip";
    EXPECT_NE(section.find("Explained: " + name), std::string::npos);
  }
}

TEST(Html, ANestedSpanIsDrawnOverItsParentAndInset) {
  const Example e = example();
  const std::string svg = element(concur::make_html(outcome(e)), "<svg class=\"timeline\"", "</svg>");
  const std::regex rect(R"re(<rect class="span (\w+)" x="[0-9.]+" y="([0-9.]+)" width="[0-9.]+" height="([0-9.]+)")re");
  std::vector<std::smatch> spans;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect); it != std::sregex_iterator(); ++it) spans.push_back(*it);
  ASSERT_GE(spans.size(), 3u);
  EXPECT_EQ(spans[0][1], "running");  // the parent first, so the children are drawn over it
  EXPECT_EQ(spans[1][1], "waiting");
  EXPECT_GT(std::stod(spans[1][2]), std::stod(spans[0][2]));
  EXPECT_LT(std::stod(spans[1][3]), std::stod(spans[0][3]));
}

TEST(Html, EscapesEveryTextFromTheOutcome) {
  const Example e = example();
  Outcome o = outcome(e);
  o.variants[1].name = "<script>alert('x')</script>";
  o.variants[1].timeline.tracks[0].name = "<b>thread</b>";
  o.variants[1].timeline.labels[2] = "holding <lock>";
  o.checks[0].name = "a < b & \"c\"";
  const std::string html = concur::make_html(o);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("<lock>"), std::string::npos);
  EXPECT_NE(html.find("data-variant=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\""), std::string::npos);
  EXPECT_NE(html.find("data-track=\"&lt;b&gt;thread&lt;/b&gt;\""), std::string::npos);
  EXPECT_NE(html.find("a &lt; b &amp; &quot;c&quot;"), std::string::npos);
  EXPECT_NE(html.find("a &quot;quoted&quot; &lt;b&gt;name&lt;/b&gt;"), std::string::npos) << "a parameter's value";
  EXPECT_NE(html.find("199 != 200 &amp; worse"), std::string::npos) << "a check's detail";
}

TEST(Html, NeedsNoNetworkAndHasNoENotation) {
  const Example e = example();
  Outcome o = outcome(e);
  o.variants[2].wall = times(3e-9);          // nanoseconds
  o.variants[0].wall = times(1.5e4);         // hours
  o.variants[0].speedup = 1e9;
  const std::string html = concur::make_html(o);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  std::smatch m;
  EXPECT_FALSE(std::regex_search(html, m, std::regex("[0-9]e[+-][0-9]"))) << "e-notation: " << m.str(0);
  EXPECT_NE(html.find("0.0000001"), std::string::npos) << "time_scale 1e-7 in fixed notation";
}

TEST(Html, SummaryTableAndSpeedupsAsPrintSummaryShowsThem) {
  const Example e = example();
  const std::string html = concur::make_html(outcome(e));
  const std::string table = element(html, "<table class=\"summary\">", "</table>");
  ASSERT_FALSE(table.empty());
  EXPECT_EQ(count(table, "<tr data-variant="), 3u);
  EXPECT_NE(table.find("<td class=\"num\">2.00 ms</td>"), std::string::npos);
  EXPECT_NE(table.find("<td class=\"num\">± 200 µs</td>"), std::string::npos);
  EXPECT_NE(table.find("1.00×"), std::string::npos);
  EXPECT_NE(table.find("136× slower"), std::string::npos);
  EXPECT_NE(table.find("1.92×"), std::string::npos);
  const std::string chart = element(html, "<svg class=\"speedup-chart\"", "</svg>");
  EXPECT_EQ(count(chart, "<g class=\"bar\""), 3u);
  EXPECT_NE(chart.find("272 ms · 136× slower"), std::string::npos);
}

TEST(Html, WorkTimesAreComparedWhenTheOutcomeSaysSo) {
  const Example e = example();
  Outcome o = outcome(e);
  o.compared_by = "work";
  for (VariantOutcome& v : o.variants) v.work = times(v.wall.median / 2);
  const std::string table = element(concur::make_html(o), "<table class=\"summary\">", "</table>");
  EXPECT_NE(table.find("<th class=\"num\">work</th>"), std::string::npos);
  EXPECT_NE(table.find("<th class=\"num\">wall</th>"), std::string::npos);
  EXPECT_NE(table.find("<td class=\"num\">1.00 ms</td>"), std::string::npos) << "plain's work median";
}

TEST(Html, ChecksWithMarksAndTheVerdict) {
  const Example e = example();
  const std::string html = concur::make_html(outcome(e));
  EXPECT_EQ(count(html, "<li class=\"check\""), 3u);
  EXPECT_NE(html.find("<li class=\"check\" data-ok=\"true\" data-required=\"true\"><span class=\"mark\">✓</span>every thread finished"),
            std::string::npos);
  EXPECT_NE(html.find("data-ok=\"false\" data-required=\"false\"><span class=\"mark\">·</span>updates were lost"),
            std::string::npos);
  EXPECT_NE(html.find("data-ok=\"false\" data-required=\"true\"><span class=\"mark\">✗</span>the total is right"),
            std::string::npos);
  EXPECT_NE(html.find("(likely, not required)"), std::string::npos);
  EXPECT_NE(html.find("[held in 2 of 3 runs]"), std::string::npos);
  EXPECT_NE(html.find("FAILED: a required check did not hold"), std::string::npos);
}

TEST(Html, OutcomesOverTheRunsOnlyWithMoreThanOneRun) {
  const Example e = example();
  Outcome o = outcome(e);
  std::string html = concur::make_html(o);
  EXPECT_EQ(count(html, "<figure class=\"outcome\""), 3u);
  EXPECT_NE(html.find("0 … 5000000"), std::string::npos);
  for (VariantOutcome& v : o.variants) v.runs.resize(1);
  html = concur::make_html(o);
  EXPECT_EQ(html.find("<figure class=\"outcome\""), std::string::npos);
}

TEST(Html, AnotherProcesssTrackSaysItsPidOnce) {
  const Example e = example();
  Outcome o = outcome(e);
  Timeline& t = o.variants[0].timeline;
  t.tracks[1].pid = 123456;
  t.tracks.push_back(t.tracks[1]);
  t.tracks[2].name = "PoolWorker-2[654321]";
  t.tracks[2].pid = 654321;
  const std::string svg = element(concur::make_html(o), "<svg class=\"timeline\"", "</svg>");
  EXPECT_EQ(count(svg, "<g class=\"track\""), 3u);
  EXPECT_NE(svg.find(">Thread-2 [pid 123456]<"), std::string::npos);
  EXPECT_NE(svg.find(">PoolWorker-2[654321]<"), std::string::npos);
  EXPECT_EQ(count(svg, "[pid"), 1u);
  EXPECT_EQ(svg.find("Thread-1 [pid"), std::string::npos) << "this process's own threads need no pid";
}

TEST(Html, ATrackPastItsRecordingCapSaysSo) {
  const Example e = example();
  Outcome o = outcome(e);
  o.variants[1].timeline.tracks[0].dropped = 4242;
  const std::string html = concur::make_html(o);
  EXPECT_EQ(count(html, "recording cap reached"), 1u);
  EXPECT_NE(html.find("Thread-1: recording cap reached: 4242 events not recorded"), std::string::npos);
}

TEST(Html, ManyTinySpansDrawAsFewRectangles) {
  const Example e = example();
  Outcome o = outcome(e);
  Track& busy = o.variants[0].timeline.tracks[0];
  for (std::int64_t i = 0; i < 60'000; ++i) {  // lock, unlock, every 60 ns
    busy.events.push_back(span(SpanKind::waiting, 1, i * 60, i * 60 + 20));
    busy.events.push_back(span(SpanKind::holding, 2, i * 60 + 20, i * 60 + 50));
  }
  const std::string html = concur::make_html(o);
  const std::string svg = element(html, "<svg class=\"timeline\"", "</svg>");
  EXPECT_LT(count(svg, "<rect class=\"span"), 2'000u);
  EXPECT_NE(svg.find("holding lock ×"), std::string::npos) << "a joined box says how many it stands for";
}

TEST(Html, NothingRecordedIsSaid) {
  const Example e = example();
  Outcome o = outcome(e);
  o.variants[0].timeline = Timeline{};
  const std::string html = concur::make_html(o);
  EXPECT_EQ(count(html, "<svg class=\"timeline\""), 2u);
  EXPECT_NE(html.find("Nothing was recorded on the timeline."), std::string::npos);
}

concur::SweepOutcome sweep(const Example& e, bool counts_workers) {
  concur::SweepOutcome s;
  s.example = &e;
  s.param = "workers";
  s.counts_workers = counts_workers;
  const int cores = concur::host_cpus();
  s.values = {1, 2, cores + 1, 2 * cores + 2};  // the machine's cores inside the range
  for (std::size_t i = 0; i < s.values.size(); ++i) {
    Outcome point = outcome(e);
    point.params["workers"] = s.values[i];
    point.variants[2].speedup = static_cast<double>(s.values[i]) * 0.9;
    point.variants[1].speedup.reset();  // one variant never compared
    s.points.push_back(point);
  }
  return s;
}

// The speedup chart of a sweep document.
std::string speedup_chart(const std::string& html) {
  return element(html, "<svg class=\"sweep-chart\" data-chart=\"speedup\"", "</svg>");
}

TEST(SweepHtml, SpeedupChartHasALinePerComparedVariantAndTheIdeal) {
  const Example e = example();
  const std::string html = concur::make_sweep_html(sweep(e, true));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  const std::string chart = speedup_chart(html);
  ASSERT_FALSE(chart.empty());
  EXPECT_EQ(count(chart, "<polyline"), 3u);  // plain, fast, and y = x
  EXPECT_EQ(count(chart, "<polyline class=\"series"), 2u);
  EXPECT_EQ(count(chart, "data-variant=\"plain\""), 1u);
  EXPECT_EQ(count(chart, "data-variant=\"fast\""), 1u);
  EXPECT_EQ(count(chart, "data-variant=\"locked\""), 0u) << "locked has no speedups";
  EXPECT_EQ(count(chart, "<polyline class=\"ideal\""), 1u);
  EXPECT_NE(chart.find(std::to_string(concur::host_cpus()) + " cores</text>"), std::string::npos);
  const std::string times = element(html, "<svg class=\"sweep-chart\" data-chart=\"time\"", "</svg>");
  EXPECT_EQ(count(times, "<polyline class=\"series"), 3u);
  EXPECT_EQ(count(times, "<polyline class=\"ideal\""), 0u);
}

TEST(SweepHtml, NoIdealLineWhenTheParameterDoesNotCountWorkers) {
  const Example e = example();
  const std::string chart = speedup_chart(concur::make_sweep_html(sweep(e, false)));
  EXPECT_EQ(count(chart, "<polyline"), 2u);
  EXPECT_EQ(chart.find("class=\"ideal\""), std::string::npos);
  EXPECT_EQ(chart.find(" cores</text>"), std::string::npos);
}

TEST(SweepHtml, TableAndEveryPointsReport) {
  const Example e = example();
  const concur::SweepOutcome s = sweep(e, true);
  const std::string html = concur::make_sweep_html(s);
  const std::string table = element(html, "<table class=\"sweep\">", "</table>");
  EXPECT_EQ(count(table, "<tr data-value="), s.values.size());
  EXPECT_NE(table.find("<tr data-value=\"2\"><th>2</th><td>2.00 ms<br>1.00×</td><td>272 ms</td><td>1.04 ms<br>1.80×</td></tr>"),
            std::string::npos)
      << table;
  EXPECT_EQ(count(html, "<details class=\"point\""), s.values.size());
  EXPECT_EQ(count(html, "<section class=\"variant\""), 3 * s.values.size());
  EXPECT_EQ(count(html, "<table class=\"summary\">"), s.values.size());
  EXPECT_EQ(count(html, "<h2>Host</h2>"), 1u);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_FALSE(std::regex_search(html, std::regex("[0-9]e[+-][0-9]")));
}

}  // namespace
