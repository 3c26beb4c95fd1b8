// lib/harness/src/html_charts.hpp - the pictures of the HTML report (html.hpp), as inline
// SVG: a run's timeline, the medians as bars, and a sweep's lines against its parameter.
// Every text in them is escaped here; every number is in fixed notation.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "concur/core/timeline.hpp"

namespace concur::html {

// A timeline as <svg class="timeline"> followed by its legend (an HTML list), and a line
// per track whose recording cap was reached. One <g class="track" data-track="NAME"> per
// track, in the timeline's order, even one that recorded nothing to draw; spans as
// rectangles coloured by kind, a nested span inset over its parent, instants as ticks on
// top of the row, then one <g class="counter"> step line per counter and the time axis.
// `end_ns` is the right edge (at least the last recorded event). "" for no tracks.
std::string timeline_figure(const Timeline& timeline, std::int64_t end_ns);

// One bar of the medians' chart.
struct MedianBar {
  std::string variant;
  double median_s = 0;
  std::optional<double> speedup;
};

// <svg class="speedup-chart">: a bar per variant scaled to the slowest median, labelled
// with the median and the speedup; one <g class="bar" data-variant="NAME"> each.
std::string medians_svg(const std::vector<MedianBar>& bars);

// One line of a sweep's chart: y at each x of the chart (nullopt: no point there).
struct Series {
  std::string name;
  std::vector<std::optional<double>> y;
  int colour = 0;  // .s0 .. .s7, taken modulo 8: the same variant, the same colour in every chart
};

struct LineChart {
  std::string kind;                 // data-chart: "speedup" or "time"
  std::string y_title;              // "speedup", "median time"
  std::string x_title;              // the parameter's name
  std::vector<long long> x;         // the parameter's values, in the sweep's order
  std::vector<Series> series;       // each drawn as <polyline class="series"> (sorted by x)
  std::function<std::string(double)> y_label;  // a tick's text
  bool ideal = false;               // draw y = x, <polyline class="ideal">
  std::optional<int> cores;         // a vertical marker "N cores" when within the x range
};

// <svg class="sweep-chart" data-chart="KIND"> and its legend: a line per series with a
// dot (and its value as a tooltip) at every point.
std::string line_chart_svg(const LineChart& chart);

}  // namespace concur::html
