#include "concur/harness/timeline_view.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

namespace concur {
namespace {

// What a thread is doing in a slice of time, most telling first.
enum class State { absent, running, waiting, holding };

constexpr std::array<std::string_view, 4> kGlyph{" ", "─", "░", "█"};
constexpr std::array<std::string_view, 4> kColor{"", "\x1b[34m", "\x1b[33m", "\x1b[32m"};
constexpr std::array<std::string_view, 8> kSpark{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

std::string pad(std::string_view s, std::size_t width) {
  std::string out(s.substr(0, width));
  out.resize(width, ' ');
  return out;
}

State state_of(SpanKind k) {
  switch (k) {
    case SpanKind::running: return State::running;
    case SpanKind::waiting: return State::waiting;
    case SpanKind::holding: return State::holding;
  }
  return State::absent;
}

// For each cell, the state that covers most of it. A deeper span (waiting or holding,
// inside running) takes its time from the one around it.
std::vector<State> cells_of(const Track& track, std::int64_t t0, double cell_ns, std::size_t cells) {
  std::vector<std::array<double, 4>> time(cells, std::array<double, 4>{});
  for (const TimelineEvent& e : track.events) {
    if (e.type != TimelineEvent::Type::span) continue;
    const State s = state_of(e.kind);
    const double a = static_cast<double>(e.start_ns - t0) / cell_ns;
    const double b = static_cast<double>(e.end_ns - t0) / cell_ns;
    for (auto c = static_cast<std::ptrdiff_t>(std::floor(std::max(a, 0.0)));
         c < static_cast<std::ptrdiff_t>(cells) && static_cast<double>(c) < b; ++c) {
      const double overlap = std::min(b, static_cast<double>(c + 1)) - std::max(a, static_cast<double>(c));
      if (overlap <= 0) continue;
      auto& t = time[static_cast<std::size_t>(c)];
      t[static_cast<std::size_t>(s)] += overlap;
      // Time spent waiting or holding was also time inside the running span.
      if (s != State::running) t[static_cast<std::size_t>(State::running)] -= overlap;
    }
  }
  std::vector<State> out(cells, State::absent);
  for (std::size_t c = 0; c < cells; ++c) {
    double best = 0.05;  // less than 5% of a cell is not worth a glyph
    for (std::size_t s = 1; s < 4; ++s)
      if (time[c][s] > best) best = time[c][s], out[c] = static_cast<State>(s);
  }
  return out;
}

std::string draw_cells(const std::vector<State>& cells, bool color) {
  std::string out;
  State current = State::absent;
  for (State s : cells) {
    if (color && s != current) {
      out += "\x1b[0m";
      out += kColor[static_cast<std::size_t>(s)];
      current = s;
    }
    out += kGlyph[static_cast<std::size_t>(s)];
  }
  if (color) out += "\x1b[0m";
  return out;
}

std::string sparkline(const std::vector<double>& values, double top) {
  std::string out;
  for (double v : values) {
    if (v <= 0 || top <= 0) {
      out += " ";
      continue;
    }
    const auto level = static_cast<std::size_t>(std::lround(v / top * 7.0));
    out += kSpark[std::min<std::size_t>(level, 7)];
  }
  return out;
}

// A time on the axis, in the unit that suits the whole span (so 0 reads "0 ms").
std::string format_axis_time(double ms, double span_ms) {
  if (span_ms >= 2000) return fmt::format("{:.3g} s", ms / 1000);
  if (span_ms >= 2) return fmt::format("{:.3g} ms", ms);
  return fmt::format("{:.3g} µs", ms * 1000);
}

// "0 ms        100 ms       200 ms" under the cells, with a tick row above it.
std::pair<std::string, std::string> axis(std::size_t cells, double span_ms) {
  std::string ticks(cells, ' ');
  std::string labels(cells + 12, ' ');
  const std::size_t marks = std::max<std::size_t>(2, std::min<std::size_t>(5, cells / 14 + 1));
  std::vector<std::string> tick_glyphs(cells, "─");
  std::size_t label_end = 0;
  for (std::size_t m = 0; m < marks; ++m) {
    const std::size_t col = m * (cells - 1) / (marks - 1);
    tick_glyphs[col] = m == 0 ? "├" : (m + 1 == marks ? "┤" : "┼");
    const std::string text = format_axis_time(span_ms * static_cast<double>(col) / static_cast<double>(cells - 1), span_ms);
    std::size_t at = col;
    if (m + 1 == marks && at + text.size() > cells) at = cells - std::min(cells, text.size());
    if (at < label_end) continue;  // would collide with the previous label
    labels.replace(at, text.size(), text);
    label_end = at + text.size() + 1;
  }
  std::string tick_row;
  for (const auto& g : tick_glyphs) tick_row += g;
  while (!labels.empty() && labels.back() == ' ') labels.pop_back();
  return {tick_row, labels};
}

// A thread's row is named after the thread; a coroutine's after itself and the thread it
// ran on, as the narration names it ("Task-1@MainThread").
std::string row_name(const Track& t) { return t.coroutine ? t.name + "@" + t.thread : t.name; }

}  // namespace

std::size_t terminal_width(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  if (const char* cols = std::getenv("COLUMNS")) {
    const long n = std::strtol(cols, nullptr, 10);
    if (n >= 20 && n <= 1000) return static_cast<std::size_t>(n);
  }
  return 80;
}

std::string render_timeline(const Timeline& timeline, const TimelineViewOptions& options) {
  std::int64_t end = options.end_ns;
  bool any_span = false;
  for (const Track& t : timeline.tracks)
    for (const TimelineEvent& e : t.events) {
      if (options.end_ns == 0) end = std::max(end, e.end_ns);
      any_span = any_span || e.type == TimelineEvent::Type::span;
    }
  if (!any_span || end <= 0) return {};
  // The label column fits the longest track or counter name, within reason.
  std::size_t label_width = 11;
  for (const Track& t : timeline.tracks) label_width = std::max(label_width, row_name(t).size());
  for (const Track& t : timeline.tracks)
    for (const TimelineEvent& e : t.events)
      if (e.type == TimelineEvent::Type::counter) label_width = std::max(label_width, timeline.label(e).size());
  const std::size_t label_col = std::min<std::size_t>(label_width, 24) + 1;
  const std::size_t cells = options.width > label_col + 22 ? options.width - label_col - 4 : 20;
  const double cell_ns = static_cast<double>(end) / static_cast<double>(cells);
  const std::string margin = "  ";
  std::string out;

  // Which labels each kind of span carried, for the legend.
  std::array<std::set<std::string>, 4> labels_of;
  std::vector<const Track*> rows;
  for (const Track& t : timeline.tracks) {
    bool has_span = false;
    for (const TimelineEvent& e : t.events)
      if (e.type == TimelineEvent::Type::span) {
        has_span = true;
        labels_of[static_cast<std::size_t>(state_of(e.kind))].insert(timeline.label(e));
      }
    if (has_span) rows.push_back(&t);
  }

  if (rows.size() <= options.max_rows) {
    for (const Track* t : rows)
      out += margin + pad(row_name(*t), label_col) + draw_cells(cells_of(*t, 0, cell_ns, cells), options.color) + "\n";
  } else {
    // Too many threads to draw one by one: how many were in each state, per slice.
    std::array<std::vector<double>, 4> count;
    for (auto& c : count) c.assign(cells, 0);
    for (const Track* t : rows) {
      const auto states = cells_of(*t, 0, cell_ns, cells);
      for (std::size_t c = 0; c < cells; ++c) count[static_cast<std::size_t>(states[c])][c] += 1;
    }
    const double top = static_cast<double>(rows.size());
    out += margin + fmt::format("{} threads; each row counts them per slice (full bar = {})\n", rows.size(), rows.size());
    for (State s : {State::holding, State::waiting, State::running}) {
      const std::size_t i = static_cast<std::size_t>(s);
      const double most = *std::max_element(count[i].begin(), count[i].end());
      const std::string name = s == State::holding ? "holding" : s == State::waiting ? "waiting" : "running";
      out += margin + pad(name, label_col) + sparkline(count[i], top) +
             fmt::format(" max {}\n", static_cast<long long>(most));
    }
  }

  // Counters: the highest value of each in every slice, as a sparkline.
  std::map<std::uint32_t, std::vector<double>> counters;
  for (const Track& t : timeline.tracks)
    for (const TimelineEvent& e : t.events)
      if (e.type == TimelineEvent::Type::counter) counters[e.label];
  for (auto& [label, values] : counters) {
    // A counter holds its value until the next sample, whichever thread recorded it.
    std::vector<std::pair<std::int64_t, std::int64_t>> samples;
    for (const Track& t : timeline.tracks)
      for (const TimelineEvent& e : t.events)
        if (e.type == TimelineEvent::Type::counter && e.label == label) samples.emplace_back(e.start_ns, e.value);
    std::sort(samples.begin(), samples.end());
    values.assign(cells, 0);
    std::int64_t current = 0;
    std::size_t next = 0;
    double top = 0;
    for (std::size_t c = 0; c < cells; ++c) {
      const auto cell_end = static_cast<std::int64_t>(static_cast<double>(c + 1) * cell_ns);
      double high = static_cast<double>(current);
      while (next < samples.size() && samples[next].first < cell_end) {
        current = samples[next++].second;
        high = std::max(high, static_cast<double>(current));
      }
      values[c] = high;
      top = std::max(top, high);
    }
    out += margin + pad(timeline.labels.at(label), label_col) + sparkline(values, top) +
           fmt::format(" max {}\n", static_cast<long long>(top));
  }

  const auto [ticks, times] = axis(cells, static_cast<double>(end) / 1e6);
  out += margin + std::string(label_col, ' ') + ticks + "\n";
  out += margin + std::string(label_col, ' ') + times + "\n";

  // The legend: each glyph, and what was held or waited for.
  std::string legend;
  auto join = [](const std::set<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
  };
  for (State s : {State::holding, State::waiting, State::running}) {
    const auto i = static_cast<std::size_t>(s);
    if (labels_of[i].empty() && s != State::running) continue;
    std::string glyph(kGlyph[i]);
    if (options.color) glyph = std::string(kColor[i]) + glyph + "\x1b[0m";
    const std::string what = s == State::running ? "running" : join(labels_of[i]);
    legend += (legend.empty() ? "" : "   ") + glyph + " " + what;
  }
  out += margin + std::string(label_col, ' ') + legend + "\n";

  std::uint64_t dropped = 0;
  for (const Track& t : timeline.tracks) dropped += t.dropped;
  if (dropped > 0)
    out += margin + fmt::format("({} events past the recording limit of {} per thread are not drawn)\n", dropped,
                                Recorder::kMaxEventsPerTrack);
  return out;
}

}  // namespace concur
