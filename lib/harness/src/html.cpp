// lib/harness/src/html.cpp - a run, or a sweep of runs, as one self-contained HTML page: the
// terminal summary (report.cpp's print_summary) in tables, the timelines and charts as SVG
// (html_charts.cpp).
#include "concur/harness/html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "concur/core/host_load.hpp"
#include "concur/harness/report.hpp"
#include "concur/harness/text.hpp"
#include "html_charts.hpp"
#include "markup.hpp"

namespace concur {
namespace {

using markup::escape;

constexpr std::string_view kStyle = R"(
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2230; background: #fff;
       max-width: 1100px; margin: 0 auto; padding: 1em 1.5em 3em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #dde; }
h3 { margin-bottom: 0.3em; } .lead { color: #4a5163; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #e6e8ee; text-align: left; vertical-align: top; }
table.summary td.num, table.summary th.num, table.sweep td { text-align: right; font-variant-numeric: tabular-nums; }
table.settings th, table.host th { font-weight: normal; color: #4a5163; }
section.variant { margin: 1.2em 0 2em; }
svg { width: 100%; height: auto; display: block; font-size: 12px; }
svg text { fill: #1d2230; } svg .row-label { text-anchor: end; } .axis text { text-anchor: middle; fill: #4a5163; }
.axis line { stroke: #8a90a0; } .axis line.grid { stroke: #dfe2e8; } .lane { fill: #f5f6f9; fill-opacity: 0.6; }
.span.running { fill: #5b8bd9; } .span.waiting { fill: #e8a33d; } .span.holding { fill: #3f9e55; }
.span.unreleased { stroke: #c0392b; stroke-width: 2; stroke-dasharray: 4 2; }
.span:hover, .bar rect:hover { stroke: #1d2230; stroke-width: 1; }
.instant { stroke: #1d2230; stroke-width: 1.5; } .step { fill: none; stroke: #7a4fc9; stroke-width: 1.5; }
.speedup-chart rect { fill: #4fa3b8; }
.axis .y-tick { text-anchor: end; } .axis .x-title, .axis .y-title { text-anchor: middle; }
.series { fill: none; stroke-width: 2.2; } .ideal { fill: none; stroke: #9aa0ad; stroke-dasharray: 6 4; }
line.cores { stroke: #c0392b; stroke-dasharray: 3 3; } text.cores { fill: #c0392b; }
.s0 { stroke: #2f6fd6; fill: #2f6fd6; } .s1 { stroke: #d9822b; fill: #d9822b; } .s2 { stroke: #2e9e5b; fill: #2e9e5b; }
.s3 { stroke: #b8428c; fill: #b8428c; } .s4 { stroke: #7a4fc9; fill: #7a4fc9; } .s5 { stroke: #8c6d1f; fill: #8c6d1f; }
.s6 { stroke: #17a2b8; fill: #17a2b8; } .s7 { stroke: #5c5c5c; fill: #5c5c5c; }
polyline.series { fill: none; }
ul.legend { list-style: none; padding: 0; margin: 0.3em 0; color: #4a5163; font-size: 0.9em; }
ul.legend li { display: inline-block; margin-right: 1.4em; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.35em; vertical-align: -0.1em;
          background: currentColor; border-radius: 2px; }
.swatch.running { background: #5b8bd9; } .swatch.waiting { background: #e8a33d; } .swatch.holding { background: #3f9e55; }
.swatch.instant { background: #1d2230; width: 2px; } .swatch.ideal { background: #9aa0ad; }
.swatch.s0 { background: #2f6fd6; } .swatch.s1 { background: #d9822b; } .swatch.s2 { background: #2e9e5b; }
.swatch.s3 { background: #b8428c; } .swatch.s4 { background: #7a4fc9; } .swatch.s5 { background: #8c6d1f; }
.swatch.s6 { background: #17a2b8; } .swatch.s7 { background: #5c5c5c; }
.dropped, .error { color: #b03a2e; } .note, .meta { color: #4a5163; font-size: 0.92em; }
.explanation { max-width: 48em; }
.hbar { display: inline-block; height: 0.8em; background: #4fa3b8; border-radius: 2px; }
ul.checks { list-style: none; padding-left: 0.4em; } li.check { margin: 0.25em 0; }
.mark { display: inline-block; width: 1.3em; font-weight: bold; }
li.check[data-ok="true"] .mark { color: #2e9e5b; } li.check[data-ok="false"] .mark { color: #c0392b; }
li.check[data-ok="false"][data-required="false"] .mark { color: #c98a12; }
.detail, .held { color: #4a5163; }
.verdict { font-weight: bold; font-size: 1.1em; } .verdict.ok { color: #2e9e5b; } .verdict.failed { color: #c0392b; }
details.point { margin: 0.6em 0; border: 1px solid #e6e8ee; border-radius: 4px; padding: 0.3em 0.8em; }
details.point > summary { cursor: pointer; font-weight: bold; }
)";

bool any_speedup(const Outcome& outcome) {
  return std::any_of(outcome.variants.begin(), outcome.variants.end(),
                     [](const VariantOutcome& v) { return v.speedup.has_value(); });
}

std::string page(std::string_view title, std::string_view body) {
  return fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
                     escape(title), kStyle, body);
}

std::string lecture_text(int lecture) {
  return lecture == 0 ? std::string("the supplementary notes") : fmt::format("lecture {}", lecture);
}

std::string example_header(const Example& e) {
  return fmt::format("<header><h1>concur {} <small>({})</small>: {}</h1>\n<p class=\"lead\">Example {} of {}. {}</p>"
                     "</header>\n",
                     escape(e.name), escape(e.id), escape(e.title), escape(e.id), lecture_text(e.lecture),
                     escape(e.summary));
}

// Rows of a two-column table from a JSON object; nested objects as "run · started_at".
void add_rows(std::vector<std::pair<std::string, std::string>>& rows, const std::string& prefix,
              const nlohmann::json& object) {
  for (const auto& [key, value] : object.items()) {
    const std::string name = prefix.empty() ? key : prefix + " · " + key;
    if (value.is_object()) add_rows(rows, name, value);
    else rows.emplace_back(name, markup::json_text(value));
  }
}

std::string key_value_table(std::string_view css_class, const nlohmann::json& object) {
  std::vector<std::pair<std::string, std::string>> rows;
  add_rows(rows, "", object);
  std::string out = fmt::format("<table class=\"{}\">\n", css_class);
  for (const auto& [key, value] : rows)
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", escape(key), escape(value));
  return out + "</table>\n";
}

// The machine and build, and how the run was started when the report says so: whatever
// keys are there.
std::string host_html(const nlohmann::json& report) {
  nlohmann::json host = report.value("host", nlohmann::json::object());
  host["concur"] = report.contains("concur") ? report["concur"].value("version", "") : std::string(version());
  std::string out = "<h2>Host</h2>\n" + key_value_table("host", host);
  if (report.contains("run") && report["run"].is_object()) out += "<h3>The run</h3>\n" + key_value_table("run", report["run"]);
  return out;
}

std::string settings_html(const Outcome& outcome) {
  return "<h2>Settings</h2>\n" + key_value_table("settings", outcome.params);
}

std::string variant_section(const Outcome& outcome, const VariantOutcome& v) {
  const Summary& t = compared_times(outcome, v);
  std::string out = fmt::format("<section class=\"variant\" data-variant=\"{0}\">\n<h3>{0}</h3>\n", escape(v.name));
  out += fmt::format("<p class=\"meta\">{} run{}, median {}{}. The timeline is of the first run ({}).</p>\n",
                     v.runs.size(), v.runs.size() == 1 ? "" : "s", format_seconds(t.median),
                     v.speedup ? " (" + markup::format_speedup(*v.speedup) + ")" : std::string(),
                     format_seconds(static_cast<double>(v.first_run_ns) / 1e9));
  const std::string figure = html::timeline_figure(v.timeline, v.first_run_ns);
  out += figure.empty() ? "<p class=\"note\">Nothing was recorded on the timeline.</p>\n" : figure;
  if (!v.explanation.empty()) out += fmt::format("<p class=\"explanation\">{}</p>\n", escape(v.explanation));
  if (!v.error.empty()) out += fmt::format("<p class=\"error\">The run failed: {}</p>\n", escape(v.error));
  if (!v.busy_note.empty()) out += fmt::format("<p class=\"note\">{}.</p>\n", escape(v.busy_note));
  return out + "</section>\n";
}

std::string summary_row(const Outcome& outcome, const VariantOutcome& v, bool busy, bool compared) {
  const Summary& t = compared_times(outcome, v);
  std::string row = fmt::format("<tr data-variant=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                                "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                                escape(v.name), escape(v.name), v.runs.size(), format_seconds(t.median),
                                format_seconds(t.min), format_seconds(t.max),
                                t.stddev ? "± " + format_seconds(*t.stddev) : std::string("–"));
  if (outcome.compared_by == "work") row += fmt::format("<td class=\"num\">{}</td>", format_seconds(v.wall.median));
  if (busy) row += fmt::format("<td class=\"num\">{:.1f} of {}</td>", v.free_cores, host_cpus());
  if (compared) row += fmt::format("<td class=\"num\">{}</td>", v.speedup ? markup::format_speedup(*v.speedup) : "");
  return row + "</tr>\n";
}

// What print_summary says under its table: which times, which baseline, why a speedup is
// what it is.
std::string summary_notes(const Outcome& outcome, bool busy, bool compared) {
  std::vector<std::string> notes;
  if (outcome.compared_by == "work")
    notes.emplace_back("work = the variant's own work (start-up and teardown of children left out); wall = the whole run, median");
  if (busy) notes.emplace_back("free cores = the machine's cores minus those other processes kept busy (median)");
  if (compared)
    notes.push_back(fmt::format("speedup = {0} median {1} time / variant median {1} time (above 1: faster, below 1: slower)",
                                outcome.example->baseline.empty() ? "baseline" : outcome.example->baseline,
                                outcome.compared_by));
  for (const VariantOutcome& v : outcome.variants) {
    if (v.speedup && !v.baseline.empty() && v.baseline != outcome.example->baseline)
      notes.push_back(fmt::format("{}: speedup over {}, which does the same work", v.name, v.baseline));
    if (const std::optional<std::string> why = speedup_beyond_cores(outcome, v)) notes.push_back(*why);
  }
  std::string out;
  for (const std::string& n : notes) out += fmt::format("<p class=\"note\">{}</p>\n", escape(n));
  return out;
}

std::string summary_html(const Outcome& outcome) {
  const bool busy = std::any_of(outcome.variants.begin(), outcome.variants.end(), busy_mattered);
  const bool compared = any_speedup(outcome);
  std::string out = fmt::format("<h2>Summary</h2>\n<table class=\"summary\">\n<tr><th>variant</th><th class=\"num\">runs</th>"
                                "<th class=\"num\">{}</th><th class=\"num\">min</th><th class=\"num\">max</th>"
                                "<th class=\"num\">± stddev</th>",
                                outcome.compared_by == "work" ? "work" : "median");
  if (outcome.compared_by == "work") out += "<th class=\"num\">wall</th>";
  if (busy) out += "<th class=\"num\">free cores</th>";
  if (compared) out += "<th class=\"num\">speedup</th>";
  out += "</tr>\n";
  for (const VariantOutcome& v : outcome.variants) out += summary_row(outcome, v, busy, compared);
  out += "</table>\n";
  if (outcome.variants.size() > 1) {
    std::vector<html::MedianBar> bars;
    for (const VariantOutcome& v : outcome.variants) bars.push_back({v.name, compared_times(outcome, v).median, v.speedup});
    out += html::medians_svg(bars);
  }
  return out + summary_notes(outcome, busy, compared);
}

// One bar of an outcome's histogram, as wide as its share of the most frequent.
std::string histogram_row(const std::string& what, long long count, long long most) {
  const double percent = most > 0 ? 100.0 * static_cast<double>(count) / static_cast<double>(most) : 0;
  return fmt::format("<tr><td>{}</td><td><span class=\"hbar\" style=\"width: {}px\"></span></td><td class=\"num\">{}</td></tr>\n",
                     escape(what), markup::px(std::max(percent * 3, count > 0 ? 2.0 : 0.0)), count);
}

std::string outcome_figure(const std::string& variant, const std::string& key, const nlohmann::json& s) {
  using markup::plain_number;
  const long long runs = s.value("runs", 0LL);
  std::string caption, rows;
  long long most = 0;
  if (s.value("kind", "") == "histogram") {
    caption = fmt::format("{} · {}: min {}, median {}, max {}; non-zero in {} of {} runs", variant, key,
                          plain_number(s["min"].get<double>()), plain_number(s["median"].get<double>()),
                          plain_number(s["max"].get<double>()), s["nonzero_runs"].get<long long>(), runs);
    for (const auto& b : s["buckets"]) most = std::max(most, b["count"].get<long long>());
    for (const auto& b : s["buckets"])
      rows += histogram_row(plain_number(b["from"].get<double>()) + " … " + plain_number(b["to"].get<double>()),
                            b["count"].get<long long>(), most);
  } else {
    caption = fmt::format("{} · {}: {} distinct in {} runs", variant, key, s.value("distinct", 0LL), runs);
    for (const auto& v : s["values"]) most = std::max(most, v["count"].get<long long>());
    for (const auto& v : s["values"]) rows += histogram_row(markup::json_text(v["value"]), v["count"].get<long long>(), most);
  }
  return fmt::format("<figure class=\"outcome\" data-variant=\"{}\" data-key=\"{}\"><figcaption>{}</figcaption>\n"
                     "<table class=\"histogram\">\n{}</table></figure>\n",
                     escape(variant), escape(key), escape(caption), rows);
}

// How the nondeterministic results spread over the runs, for the keys the example names.
std::string outcomes_html(const Outcome& outcome) {
  std::string out;
  for (const VariantOutcome& v : outcome.variants) {
    if (v.runs.size() < 2) continue;
    for (const std::string& key : outcome.example->outcomes)
      if (v.outcomes.contains(key)) out += outcome_figure(v.name, key, v.outcomes[key]);
  }
  return out.empty() ? out : "<h2>Outcomes over the runs</h2>\n" + out;
}

std::string check_item(const CheckOutcome& c) {
  const bool untested = c.evaluated == 0 && c.untested > 0;
  const std::string_view mark = untested ? "○" : c.ok ? "✓" : c.required ? "✗" : "·";
  std::string text = fmt::format("<li class=\"check\" data-ok=\"{}\" data-required=\"{}\"><span class=\"mark\">{}</span>{}",
                                 c.ok, c.required, mark, escape(c.name));
  if (untested) text += " <span class=\"tag\">(not tested this time)</span>";
  else if (!c.required) text += " <span class=\"tag\">(likely, not required)</span>";
  if (!c.detail.empty()) text += fmt::format(" <span class=\"detail\">— {}</span>", escape(c.detail));
  if (c.evaluated > 0) text += fmt::format(" <span class=\"held\">[held in {} of {} runs]</span>", c.held, c.evaluated);
  if (c.untested > 0 && c.evaluated > 0)
    text += fmt::format(" <span class=\"held\">[not tested in {} more: the machine was busy]</span>", c.untested);
  return text + "</li>\n";
}

std::string verdict_html(bool ok) {
  return ok ? "<p class=\"verdict ok\" data-ok=\"true\">ok: every required check held</p>\n"
            : "<p class=\"verdict failed\" data-ok=\"false\">FAILED: a required check did not hold (exit status 1)</p>\n";
}

std::string checks_html(const Outcome& outcome) {
  std::string out = "<h2>Checks</h2>\n<ul class=\"checks\">\n";
  for (const CheckOutcome& c : outcome.checks) out += check_item(c);
  return out + "</ul>\n" + verdict_html(outcome.ok);
}

// Everything of a run but the example and the host: what a sweep repeats per point.
std::string run_body(const Outcome& outcome) {
  std::string out = settings_html(outcome) + "<h2>Variants</h2>\n";
  for (const VariantOutcome& v : outcome.variants) out += variant_section(outcome, v);
  return out + summary_html(outcome) + outcomes_html(outcome) + checks_html(outcome);
}

std::string document_title(const Example& e, std::string_view what) {
  return fmt::format("concur {} ({}): {}{}", e.name, e.id, e.title, what);
}

}  // namespace

std::string make_html(const Outcome& outcome) {
  const Example& e = *outcome.example;
  return page(document_title(e, ""), example_header(e) + host_html(make_report(outcome)) + run_body(outcome));
}

}  // namespace concur

namespace concur {
namespace {

// The sweep's points, with the value each ran with.
std::vector<long long> swept_values(const SweepOutcome& sweep) {
  std::vector<long long> values(sweep.values.begin(),
                                sweep.values.begin() + static_cast<std::ptrdiff_t>(std::min(sweep.values.size(), sweep.points.size())));
  return values;
}

std::string sweep_cell(double median_s, const std::optional<double>& speedup) {
  if (median_s <= 0) return "<td>–</td>";
  return fmt::format("<td>{}{}</td>", format_seconds(median_s),
                     speedup ? "<br>" + markup::format_speedup(*speedup) : std::string());
}

std::string sweep_table(const SweepOutcome& sweep, const std::vector<SweepSeries>& series) {
  std::string out = fmt::format("<table class=\"sweep\">\n<tr><th>{}</th>", escape(sweep.param));
  for (const SweepSeries& s : series) out += fmt::format("<th>{}</th>", escape(s.variant));
  out += "</tr>\n";
  const std::vector<long long> values = swept_values(sweep);
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += fmt::format("<tr data-value=\"{0}\"><th>{0}</th>", values[i]);
    for (const SweepSeries& s : series) out += sweep_cell(s.median_s.at(i), s.speedup.at(i));
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string speedup_chart(const SweepOutcome& sweep, const std::vector<SweepSeries>& series) {
  html::LineChart chart{"speedup", "speedup", sweep.param, swept_values(sweep), {},
                        [](double v) { return markup::plain_number(v) + "×"; }, sweep.counts_workers, std::nullopt};
  if (sweep.counts_workers) chart.cores = host_cpus();
  for (std::size_t i = 0; i < series.size(); ++i)  // a variant keeps its colour from chart to chart
    if (std::any_of(series[i].speedup.begin(), series[i].speedup.end(), [](const auto& x) { return x.has_value(); }))
      chart.series.push_back({series[i].variant, series[i].speedup, static_cast<int>(i)});
  if (chart.series.empty()) return "<p class=\"note\">No variant was compared with a baseline: no speedups to draw.</p>\n";
  return "<h3>Speedup</h3>\n" + html::line_chart_svg(chart);
}

std::string time_chart(const SweepOutcome& sweep, const std::vector<SweepSeries>& series) {
  html::LineChart chart{"time", "median time", sweep.param, swept_values(sweep), {},
                        [](double v) { return v == 0 ? std::string("0") : format_seconds(v); }, false, std::nullopt};
  for (std::size_t i = 0; i < series.size(); ++i) {
    std::vector<std::optional<double>> y;
    for (const double m : series[i].median_s) y.push_back(m > 0 ? std::optional<double>(m) : std::nullopt);  // 0: did not run
    chart.series.push_back({series[i].variant, y, static_cast<int>(i)});
  }
  return "<h3>Median time</h3>\n" + html::line_chart_svg(chart);
}

std::string sweep_header(const SweepOutcome& sweep) {
  std::string values;
  for (const long long v : sweep.values) values += (values.empty() ? "" : ", ") + std::to_string(v);
  return example_header(*sweep.example) +
         fmt::format("<p class=\"lead\">A sweep of <strong>{}</strong> over {}: every value a whole run.</p>\n",
                     escape(sweep.param), values);
}

std::string sweep_points(const SweepOutcome& sweep) {
  std::string out = "<h2>Each point</h2>\n";
  const std::vector<long long> values = swept_values(sweep);
  for (std::size_t i = 0; i < values.size(); ++i)
    out += fmt::format("<details class=\"point\" data-value=\"{0}\"><summary>{1} = {0}: {2}</summary>\n{3}</details>\n",
                       values[i], escape(sweep.param), sweep.points[i].ok ? "ok" : "FAILED", run_body(sweep.points[i]));
  return out;
}

}  // namespace

std::string make_sweep_html(const SweepOutcome& sweep) {
  const std::vector<SweepSeries> series = sweep_series(sweep);
  const nlohmann::json report = sweep.points.empty() ? nlohmann::json{{"host", host_json()}} : make_report(sweep.points.front());
  std::string body = sweep_header(sweep) + host_html(report);
  body += fmt::format("<h2>Time and speedup by {}</h2>\n", escape(sweep.param)) + sweep_table(sweep, series);
  body += speedup_chart(sweep, series) + time_chart(sweep, series) + verdict_html(sweep.ok) + sweep_points(sweep);
  return page(document_title(*sweep.example, " — sweep of " + sweep.param), body);
}

}  // namespace concur
