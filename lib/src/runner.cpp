#include "concur/runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>

#include "concur/actor.hpp"
#include "concur/clock.hpp"
#include "concur/console.hpp"
#include "concur/jitter.hpp"
#include "concur/outcomes.hpp"
#include "concur/report.hpp"
#include "concur/run.hpp"
#include "concur/timeline_view.hpp"

namespace concur {
namespace {

void merge_check(std::vector<CheckOutcome>& checks, const CheckResult& c) {
  auto it = std::find_if(checks.begin(), checks.end(),
                         [&](const CheckOutcome& o) { return o.name == c.name; });
  if (it == checks.end()) it = checks.insert(checks.end(), CheckOutcome{c.name, c.required});
  ++it->evaluated;
  if (c.ok) ++it->held;
  // Keep the detail of a failure once there has been one: that is the run to look at.
  if (it->ok || !c.ok) it->detail = c.detail;
  it->ok = it->ok && c.ok;
}

void print_header(const Example& e, const nlohmann::json& params) {
  Console& con = Console::get();
  const std::string where =
      e.lecture > 0 ? fmt::format("lecture {}", e.lecture) : std::string("supplementary notes");
  con.line(con.paint(fmt::format("concur {} · {} · {} ({})", e.name, e.id, e.title, where),
                     Style::bold));
  con.line(fmt::format("  {}", e.summary));
  std::string settings;
  for (const auto& [key, value] : params.items()) settings += fmt::format(" {}={}", key, value.dump());
  con.line(con.paint(fmt::format("  settings:{}", settings), Style::dim));
}

}  // namespace

Outcome run_example(const Example& example, const RunOptions& options) {
  Outcome out;
  out.example = &example;
  out.params = example.default_params();
  for (const auto& [key, value] : options.params.items()) out.params[key] = value;
  out.params["repeat"] = options.repeat;
  out.params["time_scale"] = options.time_scale;
  if (const auto seed = jitter::seed()) out.params["jitter_seed"] = *seed;  // --jitter: the run can be replayed

  Console& con = Console::get();
  const bool narrate = con.narrating();
  print_header(example, out.params);
  const auto example_start = Clock::now();

  for (const Variant& variant : example.variants) {
    if (variant.enabled && !variant.enabled(options.params)) continue;
    VariantOutcome vo;
    vo.name = variant.name;
    std::vector<double> walls;
    for (int i = 0; i < options.repeat; ++i) {
      const bool loud = narrate && i == 0;
      if (loud) {
        con.line();
        con.line(con.paint(fmt::format("── {} ──", variant.name), Style::bold));
        if (options.repeat > 1)
          con.line(con.paint(fmt::format("  (narrating run 1 of {}; the rest run quietly)",
                                         options.repeat),
                             Style::dim));
      }
      con.configure(con.fd(), con.color(), loud);

      Run run(example, out.params, options.time_scale, variant.name, i);
      reset_thread_names();
      RunClock::restart();
      Recorder::begin_run();
      const auto cpu0 = process_cpu_time();
      const auto t0 = Clock::now();
      try {
        variant.body(run);
      } catch (const std::exception& ex) {
        vo.error = ex.what();
      } catch (...) {
        vo.error = "an exception that is not a std::exception";
      }
      const auto wall = Clock::now() - t0;
      const auto cpu = process_cpu_time() - cpu0;
      Timeline timeline = Recorder::end_run();
      con.configure(con.fd(), con.color(), narrate);

      RunRecord rec{to_seconds(wall), to_seconds(cpu), run.results()};
      spdlog::debug("{} / {} run {}: wall {:.6f} s, cpu {:.6f} s, {} tracks, result {}", example.name,
                    variant.name, i + 1, rec.wall_s, rec.cpu_s, timeline.tracks.size(), rec.result.dump());
      walls.push_back(rec.wall_s);
      for (const CheckResult& c : run.checks()) merge_check(out.checks, c);
      if (!vo.error.empty())
        merge_check(out.checks, {fmt::format("{} completed", variant.name), false, true,
                                 fmt::format("it threw: {}", vo.error)});
      vo.explanation = run.explanation();
      if (loud && !vo.explanation.empty()) con.line(wrap_text(vo.explanation, 2, 88));
      if (i == 0) {
        const bool draw = options.timeline == TimelineMode::always ||
                          (options.timeline == TimelineMode::automatic && loud);
        if (draw) {
          TimelineViewOptions view;
          view.width = terminal_width(con.fd());
          view.color = con.color();
          const std::string picture = render_timeline(timeline, view);
          if (!picture.empty()) {
            con.line();
            con.line(picture.substr(0, picture.size() - 1));
          }
        }
        vo.offset_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t0 - example_start).count();
        vo.first_run_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count();
        vo.timeline = std::move(timeline);
      }
      vo.runs.push_back(std::move(rec));
      if (!vo.error.empty()) break;  // a crashing variant is not repeated
    }
    vo.wall = summarize(walls);
    for (const std::string& key : example.outcomes) {
      std::vector<nlohmann::json> values;
      for (const RunRecord& r : vo.runs) values.push_back(r.result.contains(key) ? r.result[key] : nlohmann::json());
      vo.outcomes[key] = summarize_outcome(values);
    }
    out.variants.push_back(std::move(vo));
  }

  if (!example.baseline.empty()) {
    const VariantOutcome* base = nullptr;
    for (const VariantOutcome& v : out.variants)
      if (v.name == example.baseline) base = &v;
    if (base != nullptr)
      for (VariantOutcome& v : out.variants)
        if (v.wall.median > 0) {
          v.speedup = base->wall.median / v.wall.median;
          v.baseline = base->name;
        }
  }
  for (const CheckOutcome& c : out.checks)
    if (c.required && !c.ok) out.ok = false;
  return out;
}

}  // namespace concur
