#include "concur/harness/report.hpp"

#include "concur_git_revision.h"  // generated: CONCUR_GIT_REVISION

#include <fmt/format.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <thread>

#include "concur/core/console.hpp"
#include "concur/core/text.hpp"
#include "concur/harness/text.hpp"
#include "concur/core/host_load.hpp"
#include "concur/harness/outcomes.hpp"
#include "concur/harness/trace.hpp"

namespace concur {
namespace {

nlohmann::json summary_json(const Summary& s) {
  nlohmann::json j{{"min", s.min}, {"median", s.median}, {"max", s.max}, {"mean", s.mean},
                   {"stddev", nullptr}, {"times", s.times}};
  if (s.stddev) j["stddev"] = *s.stddev;
  return j;
}

std::string compiler_name() {
#if defined(__clang__)
  return fmt::format("Clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("GCC {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}


}  // namespace

std::string_view version() { return CONCUR_VERSION; }

std::string_view git_revision() { return CONCUR_GIT_REVISION; }

namespace {
std::vector<std::string>& command_line_storage() {
  static std::vector<std::string> words;
  return words;
}
}  // namespace

void set_command_line(std::vector<std::string> words) { command_line_storage() = std::move(words); }

const std::vector<std::string>& command_line() { return command_line_storage(); }

std::string report_key(std::string_view name) {
  std::string key(name);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

nlohmann::json host_json() {
  utsname u{};
  const bool named = ::uname(&u) == 0;
  return {{"os", named ? u.sysname : "unknown"},
          {"kernel", named ? u.release : "unknown"},
          {"cpus", host_cpus()},
          {"compiler", compiler_name()},
          {"build_type", CONCUR_BUILD_TYPE}};
}

nlohmann::json make_report(const Outcome& outcome) {
  const Example& e = *outcome.example;
  nlohmann::json variants = nlohmann::json::array();
  for (const VariantOutcome& v : outcome.variants) {
    nlohmann::json runs = nlohmann::json::array();
    for (const RunRecord& r : v.runs) {
      nlohmann::json rj{{"wall_s", r.wall_s}, {"cpu_s", r.cpu_s}, {"children_cpu_s", r.children_cpu_s},
                        {"host_busy_cores", r.host_busy_cores}, {"result", r.result}};
      if (r.work_s) rj["work_s"] = *r.work_s;
      if (r.workers) rj["workers"] = *r.workers;
      runs.push_back(std::move(rj));
    }
    nlohmann::json vj{{"name", v.name}, {"runs", runs}, {"wall_s", summary_json(v.wall)},
                      {"speedup", nullptr}, {"free_cores", v.free_cores}};
    if (v.work) vj["work_s"] = summary_json(*v.work);
    if (v.workers) vj["workers"] = *v.workers;
    if (v.speedup) {
      vj["speedup"] = *v.speedup;
      vj["baseline"] = v.baseline;
      vj["compared_by"] = outcome.compared_by;  // "work" or "wall": which medians the speedup divides
    }
    if (v.speedup_ceiling) vj["speedup_ceiling"] = *v.speedup_ceiling;
    if (!v.busy_note.empty()) vj["busy_note"] = v.busy_note;
    if (!v.error.empty()) vj["error"] = v.error;
    if (!v.outcomes.empty()) vj["outcomes"] = v.outcomes;
    variants.push_back(std::move(vj));
  }
  nlohmann::json checks = nlohmann::json::array();
  for (const CheckOutcome& c : outcome.checks)
    checks.push_back({{"name", c.name}, {"ok", c.ok}, {"required", c.required},
                      {"detail", c.detail}, {"held", c.held}, {"runs", c.evaluated}, {"untested", c.untested}});
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [name, value] : outcome.params.items()) params[report_key(name)] = value;
  std::string command;
  for (const std::string& word : command_line()) command += (command.empty() ? "" : " ") + word;
  return {{"schema", kReportSchema},
          {"concur", {{"version", version()}, {"git_revision", git_revision()}}},
          {"host", host_json()},
          {"run", {{"started_at", outcome.started_at}, {"command_line", command_line()}, {"command", command},
                   {"start_method", outcome.start_method}}},
          {"example", {{"id", e.id}, {"name", e.name}, {"title", e.title}, {"lecture", e.lecture}}},
          {"params", params},
          {"variants", variants},
          {"checks", checks},
          {"ok", outcome.ok}};
}

std::optional<std::string> speedup_beyond_cores(const Outcome& outcome, const VariantOutcome& v) {
  if (!v.speedup || !v.workers || v.baseline.empty() || v.baseline == v.name) return std::nullopt;
  const auto base = std::find_if(outcome.variants.begin(), outcome.variants.end(),
                                 [&](const VariantOutcome& b) { return b.name == v.baseline; });
  if (base == outcome.variants.end() || !base->workers) return std::nullopt;
  const int cores = std::min(*v.workers, host_cpus()), base_cores = std::min(*base->workers, host_cpus());
  constexpr double kNoise = 1.05;  // medians of a drifting machine
  if (*v.speedup <= kNoise * cores / base_cores) return std::nullopt;
  return fmt::format("{}'s {:.2f}× is more than {} core{} can give {}'s work: {} ran while other programs left it "
                     "{:.1f} free core{}, {} had {:.1f}. The load changed between them; run again, with --repeat, "
                     "on a quieter machine to compare them.",
                     v.name, *v.speedup, cores, cores == 1 ? "" : "s",
                     base->name, base->name, base->free_cores, base->free_cores == 1.0 ? "" : "s", v.name,
                     v.free_cores);
}

namespace {

// "✓ no update lost — held in 8 of 10 runs; in a run where it failed: 12 of 200000 lost"
std::string check_line(const Console& con, const CheckOutcome& c) {
  const bool untested = c.evaluated == 0 && c.untested > 0;
  const std::string mark = untested ? con.paint("○", Style::yellow)
                           : c.ok   ? con.paint("✓", Style::green)
                                    : con.paint(c.required ? "✗" : "·", c.required ? Style::red : Style::yellow);
  std::string text = c.name + (untested ? " (not tested this time)" : c.required ? "" : " (likely, not required)");
  std::string detail;
  if (c.evaluated > 1) {
    detail = fmt::format("held in {} of {} runs", c.held, c.evaluated);
    if (!c.detail.empty()) detail += fmt::format("; {}: {}", c.ok ? "the last run" : "a run where it failed", c.detail);
  } else {
    detail = c.detail;
  }
  if (c.untested > 0 && c.evaluated > 0)
    detail += fmt::format("{}not tested in {} more: the machine was busy", detail.empty() ? "" : "; ", c.untested);
  if (!detail.empty()) text += " — " + detail;
  // The mark takes two columns ("✓ "); the lines after the first hang under the name.
  return "  " + mark + " " + wrap(text, {.width = con.width(), .first = 4, .rest = 4, .indent_first = false});
}

}  // namespace

void print_summary(const Outcome& outcome) {
  Console& con = Console::get();
  const std::size_t width = con.width();
  con.line();
  con.line(con.paint("── summary ──", Style::bold));

  const bool compared = std::any_of(outcome.variants.begin(), outcome.variants.end(),
                                    [](const VariantOutcome& v) { return v.speedup.has_value(); });
  const bool by_work = outcome.compared_by == "work";
  const bool busy = std::any_of(outcome.variants.begin(), outcome.variants.end(), busy_mattered);
  std::vector<TableColumn> columns{{"variant", {}, false, true}, {"runs", {}}, {by_work ? "work" : "median", {}},
                              {"min", {}, true}, {"max", {}, true}, {"± stddev", {}, true}};
  if (by_work) columns.push_back({"wall", {}, true});
  if (busy) columns.push_back({"free cores", {}});
  if (compared) columns.push_back({"speedup", {}});
  for (const VariantOutcome& v : outcome.variants) {
    const Summary& t = compared_times(outcome, v);
    std::vector<std::string> row{v.name, std::to_string(v.runs.size()), format_seconds(t.median),
                                 format_seconds(t.min), format_seconds(t.max),
                                 t.stddev ? format_seconds(*t.stddev) : std::string("-")};
    if (by_work) row.push_back(format_seconds(v.wall.median));
    if (busy) row.push_back(fmt::format("{:.1f} of {}", v.free_cores, host_cpus()));
    if (compared) row.push_back(v.speedup ? format_speedup(*v.speedup) : "");
    for (std::size_t i = 0; i < row.size(); ++i) columns[i].cells.push_back(row[i]);
  }
  const std::vector<std::string> table = fit_table(columns, width, outcome.variants.size());
  con.line(con.paint(table.front(), Style::dim));
  for (std::size_t i = 1; i < table.size(); ++i) con.line(table[i]);
  const auto note = [&](const std::string& text) { con.line(con.paint(wrap(text, {.width = width, .first = 2, .rest = 4}), Style::dim)); };
  if (by_work)
    note("work = the variant's own work (start-up and teardown of children left out); wall = the whole run, median");
  if (busy) note("free cores = the machine's cores minus those other processes kept busy (median)");

  // A bar per variant, scaled to the slowest median: the picture of the table above.
  std::size_t name_width = 7;
  for (const VariantOutcome& v : outcome.variants) name_width = std::max(name_width, display_width(v.name));
  if (outcome.variants.size() > 1) {
    double longest = 0;
    for (const VariantOutcome& v : outcome.variants) longest = std::max(longest, compared_times(outcome, v).median);
    con.line();
    // Room for "  name  " before the bar and " 123 ms" after it.
    const std::size_t room = width > name_width + 14 ? width - name_width - 14 : 10;
    const int bar_width = static_cast<int>(std::clamp<std::size_t>(room, 10, 40));
    for (const VariantOutcome& v : outcome.variants) {
      const double median = compared_times(outcome, v).median;
      const int cells = longest > 0 ? static_cast<int>(std::lround(median / longest * bar_width)) : 0;
      std::string bar;
      for (int i = 0; i < std::max(cells, 1); ++i) bar += "█";
      con.line(fmt::format("  {}{}  {} {}", v.name, std::string(name_width - display_width(v.name), ' '), con.paint(bar, Style::cyan),
                           format_seconds(median)));
    }
    if (compared)
      note(fmt::format("speedup = {} median {} time / variant median {} time (above 1: faster, below 1: slower)",
                       outcome.example->baseline.empty() ? "baseline" : outcome.example->baseline,
                       outcome.compared_by, outcome.compared_by));
  }
  // A variant compared with another than the example's baseline says which.
  for (const VariantOutcome& v : outcome.variants)
    if (v.speedup && !v.baseline.empty() && v.baseline != outcome.example->baseline)
      note(fmt::format("{}: speedup over {}, which does the same work", v.name, v.baseline));
  // Why a speedup stayed below the workers: other programs had the cores.
  for (const VariantOutcome& v : outcome.variants)
    if (!v.busy_note.empty()) con.line(wrap_for_console(fmt::format("{}: {}.", v.name, v.busy_note), 2, 4));
  // And why one went above them: never a speedup to believe.
  for (const VariantOutcome& v : outcome.variants)
    if (const std::optional<std::string> why = speedup_beyond_cores(outcome, v))
      con.line(con.paint(wrap_for_console(*why, 2, 4), Style::yellow));

  // How the nondeterministic results spread over the runs.
  bool header = false;
  for (const VariantOutcome& v : outcome.variants) {
    if (v.runs.size() < 2) continue;
    for (const std::string& key : outcome.example->outcomes) {  // in the order the example lists them
      if (!v.outcomes.contains(key)) continue;
      const nlohmann::json& summary = v.outcomes[key];
      if (!header) {
        con.line();
        con.line(con.paint(fmt::format("── outcomes over {} runs ──", v.runs.size()), Style::bold));
        header = true;
      }
      const std::string picture = render_outcome(fmt::format("{} · {}", v.name, key), summary, con.color(), width);
      con.line(picture.substr(0, picture.size() - 1));
    }
  }

  con.line();
  con.line(con.paint("── checks ──", Style::bold));
  for (const CheckOutcome& c : outcome.checks) con.line(check_line(con, c));
  con.line();
  con.line(outcome.ok ? con.paint("ok: every required check held", Style::green)
                      : con.paint("FAILED: a required check did not hold (exit status 1)", Style::red));
}

}  // namespace concur

namespace concur {

std::string make_markdown(const Outcome& outcome) {
  // One unit for the whole table, chosen by the fastest median, as hyperfine does.
  double fastest = 0;
  for (const VariantOutcome& v : outcome.variants)
    if (fastest == 0 || compared_times(outcome, v).median < fastest) fastest = compared_times(outcome, v).median;
  const auto [unit, factor] = fastest >= 1 ? std::pair{"s", 1.0}
                              : fastest >= 1e-3 ? std::pair{"ms", 1e3}
                                                : std::pair{"µs", 1e6};
  const bool compared = std::any_of(outcome.variants.begin(), outcome.variants.end(),
                                    [](const VariantOutcome& v) { return v.speedup.has_value(); });
  // The work times, when every variant reported one, are what the speedups compare; say so.
  std::string out = fmt::format("| Variant | {2}Median [{0}] | Min [{0}] | Max [{0}] |{1}\n", unit,
                                compared ? " Speedup |" : "", outcome.compared_by == "work" ? "Work " : "");
  out += compared ? "|:---|---:|---:|---:|---:|\n" : "|:---|---:|---:|---:|\n";
  for (const VariantOutcome& v : outcome.variants) {
    const Summary& t = compared_times(outcome, v);
    std::string median = fmt::format("{:.3f}", t.median * factor);
    if (t.stddev) median += fmt::format(" ± {:.3f}", *t.stddev * factor);
    out += fmt::format("| `{}` | {} | {:.3f} | {:.3f} |", v.name, median, t.min * factor, t.max * factor);
    if (compared) out += v.speedup ? fmt::format(" {:.2f} |", *v.speedup) : std::string(" |");
    out += "\n";
  }
  return out;
}

nlohmann::json make_trace(const Outcome& outcome) {
  TraceBuilder trace(fmt::format("concur {} ({})", outcome.example->name, outcome.example->id));
  for (const VariantOutcome& v : outcome.variants)
    trace.add_run(v.timeline, v.name, v.offset_ns, v.first_run_ns);
  return trace.to_json();
}

}  // namespace concur
