// lib/harness/src/html_charts.cpp - the HTML report's SVG pictures: the timeline (what the
// terminal's timeline_view.cpp draws in glyphs), the medians' bars and a sweep's lines.
#include "html_charts.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "concur/harness/text.hpp"
#include "markup.hpp"

namespace concur::html {
namespace {

using markup::escape;
using markup::px;

// The timeline's geometry, in SVG user units (the SVG scales to the page's width).
constexpr double kWidth = 1000;
constexpr double kLabelWidth = 220;                    // the track names
constexpr double kPlotLeft = kLabelWidth;
constexpr double kPlotWidth = kWidth - kLabelWidth - 32;  // room for the last tick's label
constexpr double kRowHeight = 22;
constexpr double kCounterHeight = 34;
constexpr double kAxisHeight = 30;
constexpr std::size_t kLabelChars = 32;                // longer names are cut (in full in the tooltip)

// A time of the run for a tooltip: "0" at the start, then "2.10 ms".
std::string when(std::int64_t ns) { return ns == 0 ? std::string("0") : format_seconds(static_cast<double>(ns) / 1e9); }

std::string cut(const std::string& name) {
  if (name.size() <= kLabelChars) return name;
  std::size_t end = kLabelChars - 1;
  while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;  // not inside a UTF-8 character
  return name.substr(0, end) + "…";
}

// A thread's row is named after the thread; a coroutine's after itself and the thread it
// ran on, as the narration names it ("Task-1@MainThread").
std::string row_name(const Track& t) { return t.coroutine ? t.name + "@" + t.thread : t.name; }

// Maps run time to x.
struct TimeScale {
  std::int64_t end_ns = 1;
  double x(std::int64_t ns) const {
    return kPlotLeft + kPlotWidth * std::clamp(static_cast<double>(ns) / static_cast<double>(end_ns), 0.0, 1.0);
  }
};

// A span as drawn: nested spans sit deeper; many tiny ones next to each other become one.
struct Box {
  double x0 = 0, x1 = 0;
  std::size_t depth = 0;
  SpanKind kind = SpanKind::running;
  std::uint32_t label = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  int count = 1;
  bool unreleased = false;  // still held when the run ended
};

std::vector<const TimelineEvent*> spans_outer_first(const Track& track) {
  std::vector<const TimelineEvent*> spans;
  for (const TimelineEvent& e : track.events)
    if (e.type == TimelineEvent::Type::span) spans.push_back(&e);
  std::stable_sort(spans.begin(), spans.end(), [](const TimelineEvent* a, const TimelineEvent* b) {
    return std::tie(a->start_ns, b->end_ns) < std::tie(b->start_ns, a->end_ns);
  });
  return spans;
}

// A box narrower than a pixel that touches the last one of its depth, kind and label joins
// it, so sixty thousand lock holds draw as a few hundred rectangles, not sixty thousand.
bool joins(const Box& last, const Box& next) {
  const bool narrow = next.x1 - next.x0 < 1 && (last.count > 1 || last.x1 - last.x0 < 1);
  return narrow && next.x0 - last.x1 < 0.5;
}

std::vector<Box> boxes_of(const Track& track, const TimeScale& scale) {
  std::vector<Box> boxes;
  std::vector<std::int64_t> open_ends;         // ends of the spans around the current one
  std::map<std::tuple<std::size_t, SpanKind, std::uint32_t>, std::size_t> last_of;  // -> index of the last such box
  for (const TimelineEvent* e : spans_outer_first(track)) {
    while (!open_ends.empty() && open_ends.back() <= e->start_ns) open_ends.pop_back();
    const Box box{scale.x(e->start_ns), scale.x(e->end_ns), open_ends.size(), e->kind, e->label,
                  e->start_ns, e->end_ns, 1, e->unreleased};
    open_ends.push_back(e->end_ns);
    const auto key = std::tuple{box.depth, box.kind, box.label};
    const auto last = last_of.find(key);
    if (last != last_of.end() && !box.unreleased && !boxes[last->second].unreleased && joins(boxes[last->second], box)) {
      Box& b = boxes[last->second];
      b.x1 = std::max(b.x1, box.x1);
      b.end_ns = std::max(b.end_ns, box.end_ns);
      ++b.count;
      continue;
    }
    last_of[key] = boxes.size();
    boxes.push_back(box);
  }
  return boxes;
}

std::string box_svg(const Timeline& timeline, const Box& b, double row_y) {
  const double inset = 2 + 3.0 * static_cast<double>(std::min<std::size_t>(b.depth, 4));
  const std::string kind(to_string(b.kind));
  const std::string& label = timeline.labels.at(b.label);
  // "waiting for room", or "running" alone; otherwise the kind after the label.
  const std::string what = escape(label.starts_with(kind) ? label : label + " (" + kind + ")");
  const std::string tip =
      b.unreleased ? fmt::format("{} · from {} · never released: still held when the run ended", what, when(b.start_ns))
      : b.count == 1 ? fmt::format("{} · from {} · lasted {}", what, when(b.start_ns), when(b.end_ns - b.start_ns))
                     : fmt::format("{} ×{} · from {} to {}", what, b.count, when(b.start_ns), when(b.end_ns));
  return fmt::format("<rect class=\"span {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>",
                     b.unreleased ? kind + " unreleased" : kind, px(b.x0), px(row_y + inset), px(std::max(b.x1 - b.x0, 0.5)),
                     px(std::max(kRowHeight - 2 * inset, 3.0)), tip);
}

// Instants as ticks on top of the row; those of one label within a pixel are one tick.
std::string instants_svg(const Timeline& timeline, const Track& track, const TimeScale& scale, double row_y) {
  std::map<std::pair<long, std::uint32_t>, std::pair<int, std::int64_t>> ticks;  // (x, label) -> count, first
  for (const TimelineEvent& e : track.events)
    if (e.type == TimelineEvent::Type::instant) {
      auto [it, fresh] = ticks.try_emplace({std::lround(scale.x(e.start_ns)), e.label}, 0, e.start_ns);
      ++it->second.first;
    }
  std::string out;
  for (const auto& [at, seen] : ticks) {
    const std::string what = escape(timeline.labels.at(at.second));
    const std::string tip = seen.first == 1 ? fmt::format("{} at {}", what, when(seen.second))
                                            : fmt::format("{} ×{} from {}", what, seen.first, when(seen.second));
    out += fmt::format("<line class=\"instant\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"><title>{3}</title></line>",
                       px(static_cast<double>(at.first)), px(row_y), px(row_y + 8), tip);
  }
  return out;
}

// "Worker-1 [pid 123]": a track of another process than this one says its pid, once (a name
// like "PoolWorker-1[123]" says it already).
std::string row_label(const Track& t) {
  const long self = static_cast<long>(::getpid());
  const std::string name = row_name(t);
  if (t.pid == 0 || t.pid == self || name.find(std::to_string(t.pid)) != std::string::npos) return name;
  return fmt::format("{} [pid {}]", name, t.pid);
}

std::string track_svg(const Timeline& timeline, const Track& track, const TimeScale& scale, double row_y) {
  std::string out = fmt::format("<g class=\"track\" data-track=\"{}\">", escape(row_name(track)));
  out += fmt::format("<rect class=\"lane\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>", px(kPlotLeft), px(row_y),
                     px(kPlotWidth), px(kRowHeight));
  out += fmt::format("<text class=\"row-label\" x=\"{}\" y=\"{}\">{}<title>{} (pid {}, thread {}){}</title></text>",
                     px(kLabelWidth - 8), px(row_y + kRowHeight * 0.7), escape(cut(row_label(track))), escape(row_name(track)),
                     track.pid, track.tid, track.coroutine ? ", a coroutine" : "");
  for (const Box& b : boxes_of(track, scale)) out += box_svg(timeline, b, row_y);
  out += instants_svg(timeline, track, scale, row_y);
  return out + "</g>";
}

// A counter's samples from every track, in time order: it holds its value until the next.
std::map<std::uint32_t, std::vector<std::pair<std::int64_t, std::int64_t>>> counters_of(const Timeline& timeline) {
  std::map<std::uint32_t, std::vector<std::pair<std::int64_t, std::int64_t>>> counters;
  for (const Track& t : timeline.tracks)
    for (const TimelineEvent& e : t.events)
      if (e.type == TimelineEvent::Type::counter) counters[e.label].emplace_back(e.start_ns, e.value);
  for (auto& [label, samples] : counters) std::stable_sort(samples.begin(), samples.end(),
                                                           [](const auto& a, const auto& b) { return a.first < b.first; });
  return counters;
}

// The step line of one counter: the highest value in each pixel column, held until it changes.
std::string counter_svg(const std::string& name, const std::vector<std::pair<std::int64_t, std::int64_t>>& samples,
                        const TimeScale& scale, double row_y) {
  std::int64_t top = 1;
  for (const auto& s : samples) top = std::max(top, s.second);
  const auto y = [&](std::int64_t v) {
    return row_y + kCounterHeight - 4 - (kCounterHeight - 8) * static_cast<double>(std::max<std::int64_t>(v, 0)) / static_cast<double>(top);
  };
  std::string points = fmt::format("{},{}", px(kPlotLeft), px(y(0)));
  std::int64_t current = 0;
  for (const auto& [at, value] : samples) {
    if (value == current) continue;
    const std::string x = px(scale.x(at));
    points += fmt::format(" {},{} {},{}", x, px(y(current)), x, px(y(value)));
    current = value;
  }
  points += fmt::format(" {},{}", px(kPlotLeft + kPlotWidth), px(y(current)));
  return fmt::format(
      "<g class=\"counter\" data-counter=\"{0}\"><rect class=\"lane\" x=\"{1}\" y=\"{2}\" width=\"{3}\" height=\"{4}\"/>"
      "<text class=\"row-label\" x=\"{5}\" y=\"{6}\">{7} (max {8})</text>"
      "<polyline class=\"step\" points=\"{9}\"><title>{0}: {10} samples, max {8}</title></polyline></g>",
      escape(name), px(kPlotLeft), px(row_y), px(kPlotWidth), px(kCounterHeight), px(kLabelWidth - 8),
      px(row_y + kCounterHeight * 0.6), escape(cut(name)), top, points, samples.size());
}

std::vector<double> time_ticks(const TimeScale& scale) { return markup::round_ticks(static_cast<double>(scale.end_ns), 6); }

// The vertical lines at the ticks, drawn first: behind the rows.
std::string time_grid_svg(const TimeScale& scale, double top_y, double bottom_y) {
  std::string out = "<g class=\"axis\">";
  for (const double t : time_ticks(scale))
    out += fmt::format("<line class=\"grid\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", px(scale.x(std::llround(t))),
                       px(top_y), px(bottom_y));
  return out + "</g>";
}

std::string time_axis_svg(const TimeScale& scale, double axis_y) {
  const std::vector<double> ticks = time_ticks(scale);
  const std::vector<std::string> labels = markup::time_tick_labels(ticks);
  std::string out = fmt::format("<g class=\"axis\"><line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>", px(kPlotLeft),
                                px(kPlotLeft + kPlotWidth), px(axis_y));
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    const std::string x = px(scale.x(std::llround(ticks[i])));
    out += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", x, px(axis_y), px(axis_y + 4));
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", x, px(axis_y + 18), labels[i]);
  }
  return out + "</g>";
}

// Under the picture: what each colour means, with what was held and waited for.
std::string legend_html(const Timeline& timeline) {
  std::array<std::set<std::string>, 3> labels_of;  // by SpanKind
  std::set<std::string> instants;
  for (const Track& t : timeline.tracks)
    for (const TimelineEvent& e : t.events) {
      if (e.type == TimelineEvent::Type::span) labels_of[static_cast<std::size_t>(e.kind)].insert(timeline.label(e));
      if (e.type == TimelineEvent::Type::instant) instants.insert(timeline.label(e));
    }
  const auto join = [](const std::set<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + escape(n);
    return s;
  };
  std::string out = "<ul class=\"legend\">";
  out += "<li><span class=\"swatch running\"></span>running</li>";
  if (!labels_of[1].empty()) out += "<li><span class=\"swatch waiting\"></span>" + join(labels_of[1]) + "</li>";
  if (!labels_of[2].empty()) out += "<li><span class=\"swatch holding\"></span>" + join(labels_of[2]) + "</li>";
  if (!instants.empty()) out += "<li><span class=\"swatch instant\"></span>instant: " + join(instants) + "</li>";
  return out + "</ul>";
}

std::string dropped_html(const Timeline& timeline) {
  std::string out;
  for (const Track& t : timeline.tracks)
    if (t.dropped > 0)
      out += fmt::format("<p class=\"dropped\" data-track=\"{0}\">{0}: recording cap reached: {1} events not recorded "
                         "(a track keeps at most {2})</p>",
                         escape(row_name(t)), t.dropped, Recorder::kMaxEventsPerTrack);
  return out;
}

std::int64_t last_event_ns(const Timeline& timeline) {
  std::int64_t end = 0;
  for (const Track& t : timeline.tracks)
    for (const TimelineEvent& e : t.events) end = std::max(end, e.end_ns);
  return end;
}

}  // namespace

std::string timeline_figure(const Timeline& timeline, std::int64_t end_ns) {
  if (timeline.tracks.empty()) return {};
  const TimeScale scale{std::max<std::int64_t>({end_ns, last_event_ns(timeline), 1})};
  const auto counters = counters_of(timeline);
  const double rows_end = 4 + kRowHeight * static_cast<double>(timeline.tracks.size()) +
                          kCounterHeight * static_cast<double>(counters.size());
  const double height = rows_end + kAxisHeight;
  std::string body = time_grid_svg(scale, 4, rows_end + 2);
  double y = 4;
  for (const Track& track : timeline.tracks) {
    body += track_svg(timeline, track, scale, y);
    y += kRowHeight;
  }
  for (const auto& [label, samples] : counters) {
    body += counter_svg(timeline.labels.at(label), samples, scale, y);
    y += kCounterHeight;
  }
  body += time_axis_svg(scale, y + 2);
  return fmt::format("<svg class=\"timeline\" viewBox=\"0 0 {} {}\" role=\"img\">{}</svg>\n", px(kWidth), px(height),
                     body) +
         legend_html(timeline) + dropped_html(timeline) + "\n";
}

namespace {

// The medians' bars and the sweep's charts, in the same user units as the timeline.
constexpr double kBarRowHeight = 26;
constexpr double kBarMaxWidth = 520;

constexpr double kChartHeight = 360;
constexpr double kChartLeft = 90, kChartRight = 970, kChartTop = 16, kChartBottom = 300;
constexpr int kPalette = 8;  // series colours .s0 .. .s7 in the page's CSS

// Maps a chart's values to its plot area.
struct ChartScale {
  double x_min = 0, x_max = 1, y_max = 1;
  double x(double v) const { return kChartLeft + (kChartRight - kChartLeft) * (v - x_min) / (x_max - x_min); }
  double y(double v) const { return kChartBottom - (kChartBottom - kChartTop) * std::clamp(v / y_max, 0.0, 1.0); }
};

ChartScale scale_of(const LineChart& chart) {
  ChartScale s;
  if (!chart.x.empty()) {
    const auto [lo, hi] = std::minmax_element(chart.x.begin(), chart.x.end());
    s.x_min = static_cast<double>(*lo);
    s.x_max = static_cast<double>(*hi);
  }
  if (s.x_max <= s.x_min) s.x_min -= 1, s.x_max += 1;  // one value: room either side
  double top = chart.ideal ? s.x_max : 0;
  for (const Series& series : chart.series)
    for (const auto& y : series.y)
      if (y && std::isfinite(*y)) top = std::max(top, *y);
  s.y_max = top > 0 ? top * 1.08 : 1;
  return s;
}

std::string chart_axes_svg(const LineChart& chart, const ChartScale& s) {
  std::string out = fmt::format("<g class=\"axis\"><line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>"
                                "<line x1=\"{0}\" x2=\"{0}\" y1=\"{3}\" y2=\"{2}\"/>",
                                px(kChartLeft), px(kChartRight), px(kChartBottom), px(kChartTop));
  for (const double v : markup::round_ticks(s.y_max, 5)) {
    out += fmt::format("<line class=\"grid\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>", px(kChartLeft - 4),
                       px(kChartRight), px(s.y(v)));
    out += fmt::format("<text class=\"y-tick\" x=\"{}\" y=\"{}\">{}</text>", px(kChartLeft - 8), px(s.y(v) + 4),
                       escape(chart.y_label(v)));
  }
  std::set<long long> xs(chart.x.begin(), chart.x.end());
  double last_label = -1e9;
  for (const long long v : xs) {
    const double x = s.x(static_cast<double>(v));
    out += fmt::format("<line class=\"grid\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", px(x), px(kChartTop),
                       px(kChartBottom + 4));
    if (x - last_label < 28) continue;  // would run into the last label
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", px(x), px(kChartBottom + 18), v);
    last_label = x;
  }
  out += fmt::format("<text class=\"x-title\" x=\"{}\" y=\"{}\">{}</text>", px((kChartLeft + kChartRight) / 2),
                     px(kChartBottom + 44), escape(chart.x_title));
  out += fmt::format("<text class=\"y-title\" transform=\"translate(18 {}) rotate(-90)\">{}</text>",
                     px((kChartTop + kChartBottom) / 2), escape(chart.y_title));
  return out + "</g>";
}

std::string series_svg(const LineChart& chart, const ChartScale& s, const Series& series) {
  const int colour = series.colour % kPalette;
  std::vector<std::pair<long long, double>> points;
  for (std::size_t i = 0; i < chart.x.size() && i < series.y.size(); ++i)
    if (series.y[i] && std::isfinite(*series.y[i])) points.emplace_back(chart.x[i], *series.y[i]);
  std::stable_sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string line, dots;
  for (const auto& [x, y] : points) {
    line += fmt::format("{}{},{}", line.empty() ? "" : " ", px(s.x(static_cast<double>(x))), px(s.y(y)));
    dots += fmt::format("<circle class=\"dot s{}\" cx=\"{}\" cy=\"{}\" r=\"3.5\"><title>{}, {} = {}: {}</title></circle>",
                        colour, px(s.x(static_cast<double>(x))), px(s.y(y)), escape(series.name), escape(chart.x_title),
                        x, escape(chart.y_label(y)));
  }
  return fmt::format("<polyline class=\"series s{}\" data-variant=\"{}\" points=\"{}\"/>", colour, escape(series.name),
                     line) +
         dots;
}

// y = x from the first value to the last: n workers, n times as fast.
std::string ideal_svg(const ChartScale& s) {
  return fmt::format("<polyline class=\"ideal\" points=\"{},{} {},{}\"><title>ideal: n workers, n times as fast</title>"
                     "</polyline>",
                     px(s.x(s.x_min)), px(s.y(s.x_min)), px(s.x(s.x_max)), px(s.y(s.x_max)));
}

std::string cores_svg(const ChartScale& s, int cores) {
  const double x = s.x(cores);
  return fmt::format("<line class=\"cores\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>"
                     "<text class=\"cores\" x=\"{3}\" y=\"{4}\">{5} cores</text>",
                     px(x), px(kChartTop), px(kChartBottom), px(x + 4), px(kChartTop + 12), cores);
}

std::string chart_legend_html(const LineChart& chart) {
  std::string out = "<ul class=\"legend\">";
  for (const Series& series : chart.series)
    out += fmt::format("<li><span class=\"swatch s{}\"></span>{}</li>", series.colour % kPalette, escape(series.name));
  if (chart.ideal) out += "<li><span class=\"swatch ideal\"></span>ideal (y = x)</li>";
  return out + "</ul>";
}

}  // namespace

std::string medians_svg(const std::vector<MedianBar>& bars) {
  double longest = 0;
  for (const MedianBar& b : bars) longest = std::max(longest, b.median_s);
  std::string body;
  double y = 4;
  for (const MedianBar& b : bars) {
    const double width = longest > 0 ? std::max(b.median_s / longest * kBarMaxWidth, 1.0) : 1.0;
    std::string text = format_seconds(b.median_s);
    if (b.speedup) text += " · " + markup::format_speedup(*b.speedup);
    body += fmt::format(
        "<g class=\"bar\" data-variant=\"{0}\"><text class=\"row-label\" x=\"{1}\" y=\"{2}\">{3}</text>"
        "<rect x=\"{4}\" y=\"{5}\" width=\"{6}\" height=\"{7}\"><title>{0}: median {8}</title></rect>"
        "<text x=\"{9}\" y=\"{2}\">{8}</text></g>",
        escape(b.variant), px(kLabelWidth - 8), px(y + kBarRowHeight * 0.65), escape(cut(b.variant)), px(kPlotLeft),
        px(y + 3), px(width), px(kBarRowHeight - 6), escape(text), px(kPlotLeft + width + 6));
    y += kBarRowHeight;
  }
  return fmt::format("<svg class=\"speedup-chart\" viewBox=\"0 0 {} {}\" role=\"img\">{}</svg>\n", px(kWidth),
                     px(y + 4), body);
}

std::string line_chart_svg(const LineChart& chart) {
  const ChartScale s = scale_of(chart);
  std::string body = chart_axes_svg(chart, s);
  if (chart.ideal) body += ideal_svg(s);
  if (chart.cores && *chart.cores >= s.x_min && *chart.cores <= s.x_max) body += cores_svg(s, *chart.cores);
  for (const Series& series : chart.series) body += series_svg(chart, s, series);
  return fmt::format("<svg class=\"sweep-chart\" data-chart=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\">{}</svg>\n",
                     escape(chart.kind), px(kWidth), px(kChartHeight), body) +
         chart_legend_html(chart) + "\n";
}

}  // namespace concur::html
