#include "concur/harness/timeline_view.hpp"

#include "concur/core/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>
#include <vector>

namespace concur {
namespace {

// What a thread is doing in a slice of time, most telling first.
enum class State { absent, running, waiting, holding };

constexpr std::array<std::string_view, 4> kGlyph{" ", "─", "░", "█"};
constexpr std::array<std::string_view, 4> kColor{"", "\x1b[34m", "\x1b[33m", "\x1b[32m"};
constexpr std::array<std::string_view, 8> kSpark{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

// `s` in exactly `width` columns: cut (at a character) or filled with spaces.
std::string pad(std::string_view s, std::size_t width) {
  std::string out(s.substr(0, prefix_of_width(s, width)));
  out.append(width - display_width(out), ' ');
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

// A time on the axis, in the unit that suits the whole span (so 0 reads "0 ms"), with
// no more digits than the span needs and never in e-notation: "1.5 ms", "120 ms", "2.25 s".
std::string format_axis_time(double ms, double span_ms) {
  const auto [value, span, unit] = span_ms >= 1000 ? std::tuple{ms / 1000, span_ms / 1000, "s"}
                                   : span_ms >= 1  ? std::tuple{ms, span_ms, "ms"}
                                                   : std::tuple{ms * 1000, span_ms * 1000, "µs"};
  const int decimals = span >= 100 ? 0 : span >= 10 ? 1 : 2;
  std::string text = fmt::format("{:.{}f}", value, decimals);
  if (text.find('.') != std::string::npos) {  // "1.50" -> "1.5", "2.00" -> "2"
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text + " " + unit;
}

// "0 ms        100 ms       200 ms" under the cells, with a tick row above it. Labels
// are placed by columns (µ is two bytes and one column); the end label always shows.
std::pair<std::string, std::string> axis(std::size_t cells, double span_ms) {
  const std::size_t marks = std::max<std::size_t>(2, std::min<std::size_t>(5, cells / 14 + 1));
  std::vector<std::string> tick_glyphs(cells, "─");
  struct Label {
    std::size_t at, width;
    std::string text;
  };
  std::vector<Label> placed;
  for (std::size_t m = 0; m < marks; ++m) {
    const std::size_t col = m * (cells - 1) / (marks - 1);
    tick_glyphs[col] = m == 0 ? "├" : (m + 1 == marks ? "┤" : "┼");
    std::string text = format_axis_time(span_ms * static_cast<double>(col) / static_cast<double>(cells - 1), span_ms);
    const std::size_t w = display_width(text);
    const bool last = m + 1 == marks;
    const std::size_t at = last && col + w > cells ? cells - std::min(cells, w) : col;
    const auto collides = [&] { return !placed.empty() && placed.back().at + placed.back().width + 1 > at; };
    if (collides() && !last) continue;
    while (collides()) placed.pop_back();  // the end label takes the place of the one before
    placed.push_back({at, w, std::move(text)});
  }
  std::string tick_row, labels;
  for (const auto& g : tick_glyphs) tick_row += g;
  std::size_t used = 0;
  for (const Label& l : placed) {
    labels.append(l.at - used, ' ');
    labels += l.text;
    used = l.at + l.width;
  }
  return {tick_row, labels};
}

// A thread's row is named after the thread; a coroutine's after itself and the thread it
// ran on, as the narration names it ("Task-1@MainThread").
std::string row_name(const Track& t) { return t.coroutine ? t.name + "@" + t.thread : t.name; }

}  // namespace

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
  std::int64_t highest = 0;  // the largest number a " max N" suffix will show
  std::size_t threads = 0;
  for (const Track& t : timeline.tracks) label_width = std::max(label_width, display_width(row_name(t)));
  for (const Track& t : timeline.tracks) {
    ++threads;
    for (const TimelineEvent& e : t.events)
      if (e.type == TimelineEvent::Type::counter) {
        label_width = std::max(label_width, display_width(timeline.label(e)));
        highest = std::max(highest, e.value);
      }
  }
  highest = std::max<std::int64_t>(highest, static_cast<std::int64_t>(threads));
  const std::size_t label_col = std::min<std::size_t>(label_width, 24) + 1;
  // A row is the margin, the label, the cells and, on counter rows, " max N": all of it
  // within the width.
  const std::size_t suffix = fmt::format(" max {}", highest).size();
  const std::size_t fixed = 2 + label_col + suffix;
  const std::size_t cells = options.width >= fixed + 20 ? options.width - fixed : 20;
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

  // The legend: each glyph, and what was held or waited for, wrapped under the cells.
  std::vector<std::string> items;
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
    items.push_back(glyph + " " + (s == State::running ? std::string("running") : join(labels_of[i])));
  }
  const std::size_t indent = margin.size() + label_col;
  std::string line(indent, ' ');
  std::size_t used = indent;
  for (const std::string& item : items) {
    const std::size_t w = display_width(item);
    if (used > indent && used + 3 + w > options.width) {
      out += line + "\n";
      line.assign(indent, ' ');
      used = indent;
    }
    if (used > indent) line += "   ", used += 3;
    if (used + w <= options.width) {
      line += item;
      used += w;
    } else {  // one item wider than the room: its words wrapped under it
      line += wrap(item, {.width = options.width, .first = used, .rest = indent + 2, .indent_first = false});
      used = options.width;
    }
  }
  out += line + "\n";

  // What a thread took and never gave back: its span runs to the end, and says why.
  for (const Track& t : timeline.tracks)
    for (const TimelineEvent& e : t.events)
      if (e.type == TimelineEvent::Type::span && e.unreleased) {
        std::string what = timeline.label(e);
        if (what.starts_with("holding ")) what.erase(0, 8);
        out += wrap(fmt::format("{} never released {}: held from {} to the end of the run", row_name(t), what,
                                format_axis_time(static_cast<double>(e.start_ns) / 1e6, static_cast<double>(end) / 1e6)),
                    {.width = options.width, .first = 2, .rest = 4}) +
               "\n";
      }

  // A thread that recorded more than a track keeps: say where its row stops being complete.
  for (const Track& t : timeline.tracks) {
    if (t.dropped == 0) continue;
    std::int64_t last = 0;
    for (const TimelineEvent& e : t.events) last = std::max(last, e.end_ns);
    out += wrap(fmt::format("{}: recording stopped at {} (the limit of {} events per thread); the {} events after "
                            "it are not drawn",
                            row_name(t), format_axis_time(static_cast<double>(last) / 1e6, static_cast<double>(end) / 1e6),
                            Recorder::kMaxEventsPerTrack, t.dropped),
                {.width = options.width, .first = 2, .rest = 4}) +
           "\n";
  }
  return out;
}

}  // namespace concur
