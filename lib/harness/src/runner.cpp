#include "concur/harness/runner.hpp"

#include "concur/core/text.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <exception>

#include "concur/core/actor.hpp"
#include "concur/core/clock.hpp"
#include "concur/core/console.hpp"
#include "concur/core/host_load.hpp"
#include "concur/core/jitter.hpp"
#include "concur/harness/outcomes.hpp"
#include "concur/harness/text.hpp"
#include "concur/harness/run.hpp"
#include "concur/harness/timeline_view.hpp"
#include "concur/mp/process.hpp"

namespace concur {
namespace {

void merge_check(std::vector<CheckOutcome>& checks, const CheckResult& c) {
  auto it = std::find_if(checks.begin(), checks.end(),
                         [&](const CheckOutcome& o) { return o.name == c.name; });
  if (it == checks.end()) it = checks.insert(checks.end(), CheckOutcome{c.name, c.required});
  if (!c.tested) {  // says why it could not be tested, unless a run did test it
    ++it->untested;
    if (it->evaluated == 0) it->detail = c.detail;
    return;
  }
  ++it->evaluated;
  if (c.ok) ++it->held;
  // Keep the detail of a failure once there has been one: that is the run to look at.
  if (it->ok || !c.ok) it->detail = c.detail;
  it->ok = it->ok && c.ok;
}

// "--iterations 100000 --threads 2 --repeat 1 --time-scale 1": the settings as the
// options that would give them.
std::string settings_of(const nlohmann::json& params) {
  std::string out;
  for (const auto& [key, value] : params.items()) {
    const std::string option = key == "time_scale" ? "--time-scale" : key == "jitter_seed" ? "--jitter" : "--" + key;
    if (value.is_boolean()) {
      if (value.get<bool>()) out += " " + option;
    } else if (value.is_array()) {
      std::string list;
      for (const auto& v : value) list += (list.empty() ? "" : ",") + (v.is_string() ? v.get<std::string>() : v.dump());
      if (!list.empty()) out += fmt::format(" {} {}", option, list);
    } else {
      out += fmt::format(" {} {}", option, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  return out;
}

void print_header(const Example& e, const nlohmann::json& params) {
  Console& con = Console::get();
  const std::string where =
      e.lecture > 0 ? fmt::format("lecture {}", e.lecture) : std::string("supplementary notes");
  const WrapOptions hanging{.width = con.width(), .first = 2, .rest = 4};
  con.line(con.paint(wrap(fmt::format("concur {} · {} · {} ({})", e.name, e.id, e.title, where),
                          {.width = con.width(), .first = 0, .rest = 2}),
                     Style::bold));
  con.line(wrap(e.summary, hanging));
  con.line(con.paint(wrap("settings:" + settings_of(params), hanging), Style::dim));
}

std::string now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, ms);
}

double median_of(std::vector<double> values) { return values.empty() ? 0 : summarize(std::move(values)).median; }

// One figure of every run, in run order.
std::vector<double> field_of(const std::vector<RunRecord>& runs, double RunRecord::*field) {
  std::vector<double> out;
  for (const RunRecord& r : runs) out.push_back(r.*field);
  return out;
}

// The work times of the runs that reported one.
std::vector<double> work_times(const std::vector<RunRecord>& runs) {
  std::vector<double> out;
  for (const RunRecord& r : runs)
    if (r.work_s) out.push_back(*r.work_s);
  return out;
}

// The median a speedup compares: of the work times when every run reported one, else of
// the wall times.
double compared_median(const std::vector<RunRecord>& runs) {
  const std::vector<double> works = work_times(runs);
  return median_of(works.size() == runs.size() ? works : field_of(runs, &RunRecord::wall_s));
}

// The cores a variant's workers could compute on while it ran; never 0, to divide by.
double usable_cores(const VariantOutcome& v) {
  return std::max(0.05, std::min({static_cast<double>(v.workers.value_or(1)),
                                  static_cast<double>(host_cpus()), v.free_cores}));
}

// One run of `variant` under a scheduler: each step narrated as it is taken ("step 3: read
// counter → 1"), the schedule recorded, and a deadlock reported as the run's outcome.
void run_controlled(const Variant& variant, Run& run, const control::Chooser& chooser) {
  std::vector<int> schedule;
  const control::Observer narrate = [&](const control::Step& step, const std::string& thread) {
    schedule.push_back(step.thread);
    Console::get().event(thread, fmt::format("step {}: {}", schedule.size(), step.text));
  };
  const auto record = [&] {
    run.result("schedule", fmt::format("{}", fmt::join(schedule, ",")));
    run.result("steps", schedule.size());
  };
  try {
    control::Controlled controlled(chooser, narrate);
    variant.body(run);
    controlled.finish();
  } catch (const control::Deadlock& d) {
    record();
    const std::string what = std::string(d.what()).substr(std::string_view("deadlock: ").size());
    run.result("deadlock", what);
    run.check("no deadlock", false, what);
    run.explain("Deadlock: no thread could take another step. " + what +
                ". Each waits for something only another waiting thread could give.");
    return;
  }
  record();
}

// Speedups over the baseline from the medians of `compared_by`, their ceilings, and the
// variants' speedup claims judged on them.
void compare_with_baseline(Outcome& out, const Example& example,
                           const std::vector<std::vector<std::pair<SpeedupClaim, std::string>>>& claims) {
  const auto by_work = [](const VariantOutcome& v) { return v.work.has_value(); };
  out.compared_by = !out.variants.empty() && std::all_of(out.variants.begin(), out.variants.end(), by_work)
                        ? "work" : "wall";
  const auto median = [&](const VariantOutcome& v) { return out.compared_by == "work" ? v.work->median : v.wall.median; };
  const auto find = [&](const std::string& name) -> const VariantOutcome* {
    for (const VariantOutcome& v : out.variants)
      if (!name.empty() && v.name == name) return &v;
    return nullptr;
  };
  const int cpus = host_cpus();
  for (std::size_t i = 0; i < out.variants.size(); ++i) {
    VariantOutcome& v = out.variants[i];
    const VariantOutcome* base = find(v.compare_with.empty() ? example.baseline : v.compare_with);
    if (base != nullptr && median(v) > 0) {
      v.speedup = median(*base) / median(v);
      v.baseline = base->name;
      if (v.workers && base->workers && &v != base) {
        v.speedup_ceiling = usable_cores(v) / usable_cores(*base);
        const bool v_short = v.free_cores < std::min(*v.workers, cpus) - 0.25;
        const bool base_short = base->free_cores < std::min(*base->workers, cpus) - 0.25;
        if (v_short || base_short)
          v.busy_note = fmt::format(
              "the machine was busy: about {:.1f} of {} cores were free for {} ({} worker{}) and {:.1f} for {}, "
              "so it could reach at most ~{:.2f}x", v.free_cores, cpus, v.name, *v.workers, *v.workers == 1 ? "" : "s",
              base->free_cores, base->name, *v.speedup_ceiling);
      }
    }
    for (const auto& [claim, name] : claims[i]) {
      CheckOutcome c{example.variants.size() > 1 ? fmt::format("{}: {}", v.name, name) : name, false};
      if (!v.speedup || !v.speedup_ceiling) {
        c.untested = 1;
        c.detail = "not compared with a baseline that said how many workers it had";
      } else if (claim == SpeedupClaim::scales) {
        const std::string figures = fmt::format("{:.2f}x of at most ~{:.2f}x ({} medians; {} workers, {:.1f} of {} cores free)",
                                                *v.speedup, *v.speedup_ceiling, out.compared_by, *v.workers,
                                                v.free_cores, cpus);
        if (*v.speedup_ceiling < 1.3) {  // too little room to tell scaling from noise
          c.untested = 1;
          c.detail = fmt::format("not tested: {}; {}", v.busy_note.empty() ? "one core's worth of room" : v.busy_note, figures);
        } else {
          c.ok = *v.speedup >= 0.75 * *v.speedup_ceiling;
          c.evaluated = 1, c.held = c.ok;
          c.detail = figures;
        }
      } else {
        // One worker computes at a time: the bound is one core's share now over the baseline's.
        const double one_core = std::min(1.0, std::max(0.05, v.free_cores)) / std::min(1.0, std::max(0.05, base->free_cores));
        c.detail = fmt::format("{:.2f}x ({} medians); one core's share allowed ~{:.2f}x", *v.speedup, out.compared_by, one_core);
        if (std::min(v.free_cores, base->free_cores) < 0.9) {
          // Less than a core free: the scheduler's share decides the times, not the GIL
          // (a thread that waits and wakes gets more of a contended core than one that never sleeps).
          c.untested = 1;
          c.detail = fmt::format("not tested: the machine was busy: about {:.1f} of {} cores were free for {} and {:.1f} "
                                 "for {}; {}", v.free_cores, cpus, v.name, base->free_cores, base->name, c.detail);
        } else {
          c.ok = *v.speedup < 1.1 * one_core;
          c.evaluated = 1, c.held = c.ok;
        }
      }
      if (c.untested) c.ok = true;
      out.checks.push_back(std::move(c));
    }
  }
}

}  // namespace

const Summary& compared_times(const Outcome& outcome, const VariantOutcome& v) {
  return outcome.compared_by == "work" && v.work ? *v.work : v.wall;
}

bool busy_mattered(const VariantOutcome& v) {
  const double could = std::min<double>(v.workers.value_or(1), host_cpus());
  return v.free_cores < could - 0.25;
}

Outcome run_example(const Example& example, const RunOptions& options) {
  if (options.jitter_seed) jitter::enable(*options.jitter_seed);
  Outcome out;
  out.example = &example;
  out.params = example.default_params();
  for (const auto& [key, value] : options.params.items()) out.params[key] = value;
  out.params["repeat"] = options.repeat;
  out.params["time_scale"] = options.time_scale;
  if (const auto seed = jitter::seed()) out.params["jitter_seed"] = *seed;  // --jitter: the run can be replayed

  out.started_at = now_iso8601();
  out.start_method = out.params.contains("start-method") ? out.params["start-method"].get<std::string>()
                                                         : std::string(mp::to_string(mp::StartMethod::fork));

  Console& con = Console::get();
  const bool narrate = con.narrating();
  if (options.header) print_header(example, out.params);
  const auto example_start = Clock::now();

  // The variants that run, each with what its runs gathered so far.
  struct Pending {
    const Variant* variant;
    VariantOutcome vo;
    std::vector<std::pair<SpeedupClaim, std::string>> claims;  // from its last run
  };
  std::vector<Pending> pending;
  for (const Variant& variant : example.variants) {
    if (variant.enabled && !variant.enabled(options.params)) continue;
    if (!options.variants.empty() &&
        std::find(options.variants.begin(), options.variants.end(), variant.name) == options.variants.end())
      continue;
    pending.push_back({&variant, {}, {}});
    pending.back().vo.name = variant.name;
  }
  std::optional<BaselineFigures> baseline;  // once the baseline variant has run

  // The repeats take turns: run 1 of every variant, then run 2 of every variant, and so on.
  // The machine's speed drifts over seconds; one variant's runs all together, then the
  // next's, would compare one stretch of it with another, and a speedup could come out
  // above the cores that made it. Run 1 of each is narrated, in the catalogue's order.
  for (int i = 0; i < options.repeat; ++i) {
    for (Pending& p : pending) {
      const Variant& variant = *p.variant;
      VariantOutcome& vo = p.vo;
      if (!vo.error.empty()) continue;  // a crashing variant is not repeated
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
      if (baseline) run.set_baseline(&*baseline);
      reset_thread_names();
      mp::reset_start_method();
      RunClock::restart();
      Recorder::begin_run();
      const auto cpu0 = process_cpu_time();
      const auto children0 = children_cpu_time();
      const auto t0 = Clock::now();
      try {
        if (options.chooser) run_controlled(variant, run, options.chooser);
        else variant.body(run);
        run.finish();
      } catch (const std::exception& ex) {
        vo.error = ex.what();
      } catch (...) {
        vo.error = "an exception that is not a std::exception";
      }
      const auto wall = Clock::now() - t0;
      const auto cpu = process_cpu_time() - cpu0;
      const auto children_cpu = children_cpu_time() - children0;
      const double host_busy = run.host_busy_cores();
      Timeline timeline = Recorder::end_run();
      con.configure(con.fd(), con.color(), narrate);

      RunRecord rec;
      rec.wall_s = to_seconds(wall);
      rec.cpu_s = to_seconds(cpu + children_cpu);
      rec.children_cpu_s = to_seconds(children_cpu);
      rec.result = run.results();
      if (const auto work = run.work_time()) rec.work_s = to_seconds(*work);
      rec.host_busy_cores = host_busy;
      rec.workers = run.workers();
      vo.workers = rec.workers;
      vo.compare_with = run.compare_with();
      p.claims = run.speedup_claims();
      spdlog::debug("{} / {} run {}: wall {:.6f} s, cpu {:.6f} s, {} tracks, result {}", example.name,
                    variant.name, i + 1, rec.wall_s, rec.cpu_s, timeline.tracks.size(), rec.result.dump());
      for (const CheckResult& c : run.checks()) merge_check(out.checks, c);
      if (!vo.error.empty())
        merge_check(out.checks, {fmt::format("{} completed", variant.name), false, true,
                                 fmt::format("it threw: {}", vo.error)});
      vo.explanation = run.explanation();
      if (loud && !vo.explanation.empty()) con.line(wrap_for_console(vo.explanation, 2, 2));
      if (i == 0) {
        const bool draw = options.timeline == TimelineMode::always ||
                          (options.timeline == TimelineMode::automatic && loud);
        if (draw) {
          TimelineViewOptions view;
          view.width = con.width();
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
      // The variants after the baseline compare with its runs so far: their medians, its
      // last result.
      if (variant.name == example.baseline)
        baseline = BaselineFigures{vo.name, compared_median(vo.runs), vo.runs.back().result};
    }
  }

  std::vector<std::vector<std::pair<SpeedupClaim, std::string>>> claims;  // per variant, from its last run
  for (Pending& p : pending) {
    VariantOutcome& vo = p.vo;
    vo.wall = summarize(field_of(vo.runs, &RunRecord::wall_s));
    if (const std::vector<double> works = work_times(vo.runs); works.size() == vo.runs.size()) vo.work = summarize(works);
    vo.free_cores = host_cpus() - median_of(field_of(vo.runs, &RunRecord::host_busy_cores));
    claims.push_back(std::move(p.claims));
    for (const std::string& key : example.outcomes) {
      std::vector<nlohmann::json> values;
      for (const RunRecord& r : vo.runs) values.push_back(r.result.contains(key) ? r.result[key] : nlohmann::json());
      vo.outcomes[key] = summarize_outcome(values);
    }
    out.variants.push_back(std::move(vo));
  }

  compare_with_baseline(out, example, claims);
  for (const CheckOutcome& c : out.checks)
    if (c.required && !c.ok) out.ok = false;
  return out;
}

}  // namespace concur
