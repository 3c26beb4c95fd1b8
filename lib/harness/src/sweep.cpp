#include "concur/harness/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "concur/core/console.hpp"
#include "concur/core/host_load.hpp"
#include "concur/core/text.hpp"
#include "concur/harness/report.hpp"
#include "concur/harness/text.hpp"

namespace concur {
namespace {

std::optional<long long> whole(std::string_view text) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

bool counts_workers(std::string_view param) {
  return param == "workers" || param == "threads" || param == "processes";
}

}  // namespace

std::vector<SweepSeries> sweep_series(const SweepOutcome& sweep) {
  std::vector<SweepSeries> series;
  for (std::size_t i = 0; i < sweep.points.size(); ++i) {
    for (const VariantOutcome& v : sweep.points[i].variants) {
      auto s = std::find_if(series.begin(), series.end(), [&](const SweepSeries& x) { return x.variant == v.name; });
      if (s == series.end()) {
        series.push_back({v.name, {}, {}});
        s = series.end() - 1;
      }
      // A variant first seen at point i has no figures before it.
      s->median_s.resize(i, 0.0);
      s->speedup.resize(i);
      s->median_s.push_back(compared_times(sweep.points[i], v).median);
      s->speedup.push_back(v.speedup);
    }
  }
  for (SweepSeries& s : series) {  // a variant missing from the last points
    s.median_s.resize(sweep.points.size(), 0.0);
    s.speedup.resize(sweep.points.size());
  }
  return series;
}

SweepSpec parse_sweep(const Example& e, std::string_view spec) {
  const std::size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw BadUsage(fmt::format("--sweep takes NAME=V1,V2,... or NAME=A..B (e.g. workers=1..8), got '{}'", spec));
  SweepSpec out{std::string(spec.substr(0, eq)), {}};
  const Param* p = e.find_param(out.param);
  if (p == nullptr || p->type != Param::Type::integer) {
    std::string names;
    for (const Param& q : e.params)
      if (q.type == Param::Type::integer) names += (names.empty() ? "" : ", ") + q.name;
    throw BadUsage(names.empty() ? fmt::format("--sweep: {} has no whole-number option to sweep", e.name)
                                 : fmt::format("--sweep: {} has no whole-number option '{}' (it has {})", e.name,
                                               out.param, names));
  }
  const std::string_view values = spec.substr(eq + 1);
  if (const std::size_t dots = values.find(".."); dots != std::string_view::npos) {
    const auto a = whole(values.substr(0, dots)), b = whole(values.substr(dots + 2));
    if (!a || !b || *a > *b)
      throw BadUsage(fmt::format("--sweep: '{}' is no range: say A..B with whole numbers A <= B", values));
    if (static_cast<unsigned long long>(*b - *a) >= kMaxSweepPoints)
      throw BadUsage(fmt::format("--sweep: {}..{} is {} points, more than {}; list the values you want instead",
                                 *a, *b, *b - *a + 1, kMaxSweepPoints));
    for (long long v = *a; v <= *b; ++v) out.values.push_back(v);
  } else {
    std::size_t at = 0;
    while (at <= values.size()) {
      const std::size_t end = std::min(values.find(',', at), values.size());
      const auto v = whole(values.substr(at, end - at));
      if (!v) throw BadUsage(fmt::format("--sweep: '{}' is not a whole number in '{}'", values.substr(at, end - at), spec));
      out.values.push_back(*v);
      at = end + 1;
    }
    if (out.values.size() > kMaxSweepPoints)
      throw BadUsage(fmt::format("--sweep: {} values, more than {}", out.values.size(), kMaxSweepPoints));
  }
  for (long long v : out.values)
    if (const Param::Parsed parsed = p->parse(std::to_string(v)); !parsed.error.empty())
      throw BadUsage("--sweep: " + parsed.error);
  if (std::set<long long>(out.values.begin(), out.values.end()).size() != out.values.size())
    throw BadUsage(fmt::format("--sweep: a value appears twice in '{}'", values));
  return out;
}

SweepOutcome run_sweep(const Example& e, const RunOptions& options, const SweepSpec& spec) {
  Console& con = Console::get();
  SweepOutcome sweep{&e, spec.param, counts_workers(spec.param), spec.values, {}, true};
  const bool narrating = con.narrating();
  con.line(con.paint(fmt::format("concur {} · {} · {}: sweeping {} over {}", e.name, e.id, e.title, spec.param,
                                 [&] {
                                   std::string v;
                                   for (long long x : spec.values) v += (v.empty() ? "" : ", ") + std::to_string(x);
                                   return v;
                                 }()),
                     Style::bold));
  con.line(wrap(fmt::format("each point runs every variant {} time{}, quietly; the table and the plot follow",
                            options.repeat, options.repeat == 1 ? "" : "s"),
                {.width = con.width(), .first = 2, .rest = 4}));
  for (std::size_t i = 0; i < spec.values.size(); ++i) {
    RunOptions point = options;
    point.params[spec.param] = spec.values[i];
    point.header = false;
    if (point.timeline == TimelineMode::automatic) point.timeline = TimelineMode::never;
    con.configure(con.fd(), con.color(), false);
    Outcome outcome = run_example(e, point);
    con.configure(con.fd(), con.color(), narrating);
    // "workers = 2: sequential 1.21 s · threads 0.62 s (1.95×) · processes 0.63 s (1.92×)"
    std::string line;
    for (const VariantOutcome& v : outcome.variants)
      line += fmt::format("{}{} {}{}", line.empty() ? "" : " · ", v.name, format_seconds(compared_times(outcome, v).median),
                          v.speedup && v.baseline != v.name ? fmt::format(" ({})", format_speedup(*v.speedup)) : "");
    con.line(wrap(fmt::format("{} = {}: {}", spec.param, spec.values[i], line),
                  {.width = con.width(), .first = 2, .rest = 6}));
    for (const CheckOutcome& c : outcome.checks)
      if (c.required && !c.ok)
        con.line(con.paint(wrap(fmt::format("✗ {} — {}", c.name, c.detail), {.width = con.width(), .first = 6, .rest = 8}),
                           Style::red));
    sweep.ok = sweep.ok && outcome.ok;
    sweep.points.push_back(std::move(outcome));
  }
  return sweep;
}

namespace {

constexpr std::string_view kNoBreak = "\u00a0";

// A y value as the axis reads it: a speedup ("2.5×") or a time ("120 ms").
std::string y_label(double v, bool speedups) {
  if (v == 0) return speedups ? "0×" : "0";
  if (!speedups) return format_seconds(v);
  return v >= 10 ? fmt::format("{:.0f}×", v) : fmt::format("{:.1f}×", v);
}

// The plot: each variant's figure at each value, the ideal y = x for a worker count, the
// machine's cores as a column, in a grid that fits the console.
std::string plot(const SweepOutcome& sweep, const std::vector<SweepSeries>& series, bool speedups, std::size_t width,
                 bool color) {
  static constexpr std::string_view kMarks[] = {"●", "▲", "■", "◆", "○", "△", "□", "◇"};
  static constexpr std::string_view kColors[] = {"\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[32m"};
  const std::size_t n = sweep.values.size();
  const bool ideal = speedups && sweep.counts_workers;
  double top = 0;
  for (const SweepSeries& s : series)
    for (std::size_t i = 0; i < n; ++i)
      top = std::max(top, speedups ? s.speedup[i].value_or(0) : s.median_s[i]);
  if (ideal) top = std::max(top, static_cast<double>(std::min<long long>(sweep.values.back(), 2LL * host_cpus())));
  if (top <= 0) return {};
  top *= 1.08;
  constexpr std::size_t kRows = 13;  // odd: the middle row is half the top
  const std::size_t label_w = std::max(y_label(top, speedups).size(), y_label(top / 2, speedups).size()) + 1;
  const std::size_t cols = std::clamp<std::size_t>(width > label_w + 8 ? width - label_w - 8 : 20, 20, 64);
  // x: by value, so 1,2,4,8 keeps its shape; a point's column.
  const double lo = static_cast<double>(*std::min_element(sweep.values.begin(), sweep.values.end()));
  const double hi = static_cast<double>(*std::max_element(sweep.values.begin(), sweep.values.end()));
  const auto column = [&](double x) {
    return hi > lo ? static_cast<std::size_t>(std::lround((x - lo) / (hi - lo) * static_cast<double>(cols - 1))) : cols / 2;
  };
  const auto row = [&](double y) {
    return std::min(kRows - 1, static_cast<std::size_t>(std::lround(y / top * static_cast<double>(kRows - 1))));
  };
  std::vector<std::vector<std::string>> grid(kRows, std::vector<std::string>(cols, " "));
  const double cores = host_cpus();
  if (speedups && cores >= lo && cores <= hi)
    for (auto& r : grid) r[column(cores)] = "┊";
  if (ideal)
    for (std::size_t c = 0; c < cols; ++c) {
      const double x = hi > lo ? lo + (hi - lo) * static_cast<double>(c) / static_cast<double>(cols - 1) : lo;
      if (x <= top) grid[row(x)][c] = "·";
    }
  for (std::size_t k = 0; k < series.size(); ++k)
    for (std::size_t i = 0; i < n; ++i) {
      const double y = speedups ? series[k].speedup[i].value_or(-1) : series[k].median_s[i];
      if (y < 0 || (!speedups && y == 0)) continue;
      std::string mark(kMarks[k % std::size(kMarks)]);
      if (color) mark = std::string(kColors[k % std::size(kColors)]) + mark + "\x1b[0m";
      // Two variants on one cell: the later one goes beside it, so neither hides.
      std::size_t c = column(static_cast<double>(sweep.values[i]));
      std::vector<std::string>& line = grid[row(y)];
      while (c + 1 < cols && line[c] != " " && line[c] != "·" && line[c] != "┊") ++c;
      line[c] = mark;
    }
  std::string out;
  for (std::size_t r = kRows; r-- > 0;) {
    const bool labelled = r == kRows - 1 || r == 0 || r == (kRows - 1) / 2;
    const std::string label = labelled ? y_label(top * static_cast<double>(r) / static_cast<double>(kRows - 1), speedups) : "";
    out += fmt::format("  {:>{}} {}", label, label_w, labelled ? "┤" : "│");
    for (const std::string& cell : grid[r]) out += cell;
    out += "\n";
  }
  // The x axis: a tick under every value, its number under the tick where it fits.
  std::string axis(cols, ' '), numbers;
  std::vector<std::string> ticks(cols, "─");
  std::size_t used = 0;
  for (long long v : sweep.values) {
    const std::size_t c = column(static_cast<double>(v));
    ticks[c] = "┬";
    const std::string text = std::to_string(v);
    if (c >= used && c + text.size() <= cols + 2) {
      numbers += std::string(c - used, ' ') + text;
      used = c + text.size() + 1;
      numbers += ' ';
    }
  }
  out += fmt::format("  {:>{}} └", "", label_w);
  for (const std::string& t : ticks) out += t;
  out += "\n";
  out += fmt::format("  {:>{}}  {}\n", "", label_w, numbers);
  std::string legend;
  for (std::size_t k = 0; k < series.size(); ++k) {
    if (speedups && std::none_of(series[k].speedup.begin(), series[k].speedup.end(),
                                 [](const std::optional<double>& s) { return s.has_value(); }))
      continue;
    legend += fmt::format("{}{}{}{}", legend.empty() ? "" : "   ", kMarks[k % std::size(kMarks)], kNoBreak,
                          series[k].variant);
  }
  // No-break spaces inside an entry, so a wrapped legend never parts a mark from its words.
  if (ideal) legend += fmt::format("   ·{0}ideal{0}(speedup{0}={0}{1})", kNoBreak, sweep.param);
  if (speedups && cores >= lo && cores <= hi) legend += fmt::format("   ┊{0}{1}{0}cores", kNoBreak, host_cpus());
  out += wrap(legend, {.width = width, .first = label_w + 4, .rest = label_w + 4}) + "\n";
  return out;
}

}  // namespace

void print_sweep(const SweepOutcome& sweep) {
  Console& con = Console::get();
  const std::vector<SweepSeries> series = sweep_series(sweep);
  const bool speedups = std::any_of(series.begin(), series.end(), [](const SweepSeries& s) {
    return std::any_of(s.speedup.begin(), s.speedup.end(), [](const std::optional<double>& x) { return x && *x != 1.0; });
  });
  con.line();
  con.line(con.paint(fmt::format("── sweep of {} ──", sweep.param), Style::bold));
  // The table: a row per value, a median column per variant, then its speedup.
  std::vector<TableColumn> columns{{sweep.param, {}, false, true}};
  for (const SweepSeries& s : series) {
    TableColumn time{s.variant, {}}, gain{"speedup", {}, true};
    for (std::size_t i = 0; i < sweep.values.size(); ++i) {
      time.cells.push_back(s.median_s[i] > 0 ? format_seconds(s.median_s[i]) : "-");
      gain.cells.push_back(s.speedup[i] ? format_speedup(*s.speedup[i]) : "");
    }
    columns.push_back(std::move(time));
    if (std::any_of(s.speedup.begin(), s.speedup.end(), [](const std::optional<double>& x) { return x && *x != 1.0; }))
      columns.push_back(std::move(gain));
  }
  for (long long v : sweep.values) columns.front().cells.push_back(std::to_string(v));
  const std::vector<std::string> table = fit_table(columns, con.width(), sweep.values.size());
  con.line(con.paint(table.front(), Style::dim));
  for (std::size_t i = 1; i < table.size(); ++i) con.line(table[i]);
  const int repeat = sweep.points.empty() ? 1 : sweep.points.front().params.value("repeat", 1);
  con.line(con.paint(wrap(fmt::format("the medians of {}{}", count_of(repeat, "run"),
                                      sweep.example->baseline.empty() ? std::string(" per point")
                                                                      : " per point; speedup over " + sweep.example->baseline),
                          {.width = con.width(), .first = 2, .rest = 4}),
                     Style::dim));
  con.line();
  con.line(con.paint(speedups ? fmt::format("speedup against {}", sweep.param)
                              : fmt::format("median time against {}", sweep.param),
                     Style::bold));
  const std::string picture = plot(sweep, series, speedups, con.width(), con.color());
  if (!picture.empty()) con.line(picture.substr(0, picture.size() - 1));
  con.line();
  con.line(sweep.ok ? con.paint("ok: every required check held at every point", Style::green)
                    : con.paint("FAILED: a required check did not hold at some point (exit status 1)", Style::red));
}

nlohmann::json make_sweep_report(const SweepOutcome& sweep) {
  nlohmann::json points = nlohmann::json::array();
  for (const Outcome& p : sweep.points) points.push_back(make_report(p));
  nlohmann::json series = nlohmann::json::array();
  for (const SweepSeries& s : sweep_series(sweep)) {
    nlohmann::json speedups = nlohmann::json::array();
    for (const auto& x : s.speedup) speedups.push_back(x ? nlohmann::json(*x) : nlohmann::json());
    series.push_back({{"variant", s.variant}, {"median_s", s.median_s}, {"speedup", speedups}});
  }
  nlohmann::json report = points.empty() ? nlohmann::json::object() : points.front();
  for (const char* per_point : {"params", "variants", "checks"}) report.erase(per_point);
  report["sweep"] = {{"param", sweep.param}, {"values", sweep.values}, {"counts_workers", sweep.counts_workers},
                     {"cpus", host_cpus()}, {"series", series}, {"points", points}};
  report["ok"] = sweep.ok;
  return report;
}

std::string make_sweep_markdown(const SweepOutcome& sweep) {
  const std::vector<SweepSeries> series = sweep_series(sweep);
  double fastest = 0;
  for (const SweepSeries& s : series)
    for (double m : s.median_s)
      if (m > 0 && (fastest == 0 || m < fastest)) fastest = m;
  const auto [unit, factor] = fastest >= 1 ? std::pair{"s", 1.0} : fastest >= 1e-3 ? std::pair{"ms", 1e3} : std::pair{"µs", 1e6};
  std::string head = fmt::format("| {} |", sweep.param), rule = "|---:|";
  for (const SweepSeries& s : series) {
    head += fmt::format(" `{}` median [{}] |", s.variant, unit);
    rule += "---:|";
    if (std::any_of(s.speedup.begin(), s.speedup.end(), [](const auto& x) { return x.has_value(); })) {
      head += fmt::format(" `{}` speedup |", s.variant);
      rule += "---:|";
    }
  }
  std::string out = head + "\n" + rule + "\n";
  for (std::size_t i = 0; i < sweep.values.size(); ++i) {
    out += fmt::format("| {} |", sweep.values[i]);
    for (const SweepSeries& s : series) {
      out += s.median_s[i] > 0 ? fmt::format(" {:.3f} |", s.median_s[i] * factor) : std::string(" - |");
      if (std::any_of(s.speedup.begin(), s.speedup.end(), [](const auto& x) { return x.has_value(); }))
        out += s.speedup[i] ? fmt::format(" {:.2f} |", *s.speedup[i]) : std::string(" |");
    }
    out += "\n";
  }
  return out;
}

}  // namespace concur
