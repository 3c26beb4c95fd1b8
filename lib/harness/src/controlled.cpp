#include "concur/harness/controlled.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "concur/core/console.hpp"
#include "concur/core/text.hpp"
#include "concur/harness/report.hpp"
#include "concur/harness/run.hpp"
#include "concur/harness/text.hpp"

namespace concur {
namespace {

bool enabled(const Variant& v, const nlohmann::json& params, const std::vector<std::string>& only) {
  if (v.enabled && !v.enabled(params)) return false;
  return only.empty() || std::find(only.begin(), only.end(), v.name) != only.end();
}

// "--threads 2 --iterations 2": the example's own options as given to step and explore.
std::string options_of(const Example& example, const nlohmann::json& params) {
  std::string out;
  for (const Param& p : example.params) {
    if (!params.contains(p.name)) continue;
    const nlohmann::json& v = params[p.name];
    if (v.is_boolean()) {
      if (v.get<bool>()) out += fmt::format(" --{}", p.name);
    } else if (v.is_string()) {
      out += fmt::format(" --{} {}", p.name, v.get<std::string>());
    } else if (!v.is_array()) {
      out += fmt::format(" --{} {}", p.name, v.dump());
    }
  }
  return out;
}

// The options that differ from the small configuration, to put in a replay command.
std::string differing_options(const Example& example, const nlohmann::json& params) {
  const nlohmann::json small = controlled_params(example, nlohmann::json::object());
  nlohmann::json differ = nlohmann::json::object();
  for (const auto& [key, value] : params.items())
    if (!small.contains(key) || small[key] != value) differ[key] = value;
  return options_of(example, differ);
}

}  // namespace

nlohmann::json controlled_params(const Example& example, const nlohmann::json& given) {
  nlohmann::json params = example.default_params();
  if (example.controlled)
    for (const auto& [key, value] : example.controlled->small.items()) params[key] = value;
  for (const auto& [key, value] : given.items()) params[key] = value;
  return params;
}

std::string why_not_controlled(const Example& example, const std::vector<Example>& all) {
  if (example.controlled) return "";
  std::vector<std::string> can;
  for (const Example& e : all)
    if (e.controlled) can.push_back(e.name);
  return fmt::format("{} cannot be run one step at a time: step and explore take these examples of threads: {}",
                     example.name, fmt::join(can, ", "));
}

std::string outcome_text(const std::string& pattern, const nlohmann::json& results) {
  std::string out;
  std::size_t at = 0;
  while (at < pattern.size()) {
    const std::size_t open = pattern.find('{', at);
    const std::size_t close = open == std::string::npos ? std::string::npos : pattern.find('}', open);
    if (close == std::string::npos) {
      out += pattern.substr(at);
      break;
    }
    out += pattern.substr(at, open - at);
    const std::string key = pattern.substr(open + 1, close - open - 1);
    if (results.contains(key)) {
      const nlohmann::json& v = results[key];
      out += v.is_string() ? v.get<std::string>() : v.dump();
    } else {
      out += pattern.substr(open, close - open + 1);
    }
    at = close + 1;
  }
  return out;
}

std::string try_schedule(const Example& example, const nlohmann::json& params, const Variant& variant,
                         const std::vector<int>& schedule) {
  Console& con = Console::get();
  const bool narrate = con.narrating();
  con.configure(con.fd(), con.color(), false);
  std::string why;
  std::size_t steps = 0;
  std::string ending = "ends";
  try {
    Run run(example, params, 1.0, variant.name, 0);
    control::Controlled controlled(control::replay(schedule), [&](const control::Step&, const std::string&) { ++steps; });
    variant.body(run);
    controlled.finish();
  } catch (const control::Deadlock&) {
    ending = "deadlocks";  // an outcome, not a bad schedule, unless the schedule goes on
  } catch (const std::invalid_argument& e) {
    why = e.what();
  }
  if (why.empty() && steps < schedule.size())
    why = fmt::format("the schedule has {} steps, but the run {} after {}", schedule.size(), ending, steps);
  con.configure(con.fd(), con.color(), narrate);
  return why;
}

ExploreReport explore_example(const Example& example, const ExploreRequest& request) {
  if (!example.controlled) throw std::logic_error(example.name + " has no controlled runs");
  ExploreReport report;
  report.example = &example;
  report.request = request;
  report.params = controlled_params(example, request.params);
  Console& con = Console::get();
  const bool narrate = con.narrating();
  con.configure(con.fd(), con.color(), false);
  for (const Variant& variant : example.variants) {
    if (!enabled(variant, report.params, request.variants)) continue;
    VariantExplored v;
    v.name = variant.name;
    const auto once = [&](const control::Chooser& chooser) {
      Run run(example, report.params, 1.0, variant.name, 0);
      {
        control::Controlled controlled(chooser);
        variant.body(run);
        controlled.finish();
      }
      run.finish();
      control::Verdict verdict{outcome_text(example.controlled->outcome, run.results()), {}, {}};
      v.results.emplace(verdict.outcome, run.results());
      for (const CheckResult& c : run.checks()) {
        if (!c.tested) continue;
        std::vector<std::string>& kind = c.required ? v.claims : v.possible;
        if (std::find(kind.begin(), kind.end(), c.name) == kind.end()) kind.push_back(c.name);
        if (c.required && !c.ok) verdict.broken.push_back(c.name);
        if (!c.required && c.ok) verdict.shown.push_back(c.name);
      }
      return verdict;
    };
    try {
      v.explored = request.pct ? control::explore_pct(once, *request.pct) : control::explore(once, request.options);
    } catch (const std::exception& e) {
      v.error = e.what();
      report.ok = false;
    }
    if (!v.explored.broken.empty()) report.ok = false;
    report.variants.push_back(std::move(v));
  }
  con.configure(con.fd(), con.color(), narrate);
  return report;
}

void print_explore(const ExploreReport& report) {
  Console& con = Console::get();
  const Example& e = *report.example;
  const auto width = con.width();
  const WrapOptions hanging{.width = width, .first = 2, .rest = 4};
  con.line(con.paint(wrap(fmt::format("concur explore {} · {} · {}", e.name, e.id, e.title), {.width = width, .rest = 2}),
                     Style::bold));
  const control::ExploreOptions& o = report.request.options;
  std::string how;
  if (report.request.pct)
    how = fmt::format("random schedules by PCT: {} runs, depth {}, seed {}", report.request.pct->runs,
                      report.request.pct->depth, report.request.pct->seed);
  else
    how = fmt::format("every schedule{}{}", o.reduce ? ", one of each set of equivalent ones (sleep sets)" : "",
                      o.preemptions ? fmt::format(", at most {} preemption{}", *o.preemptions, *o.preemptions == 1 ? "" : "s")
                                    : std::string());
  const bool quiet = !con.narrating();  // --quiet: the tables and the verdicts only
  if (!quiet)
    con.line(con.paint(wrap(fmt::format("settings:{} · {}", options_of(e, report.params), how), hanging), Style::dim));
  const std::string again = differing_options(e, report.params);
  for (const VariantExplored& v : report.variants) {
    const control::Explored& x = v.explored;
    con.line();
    con.line(con.paint(fmt::format("── {} ──", v.name), Style::bold));
    if (!v.error.empty()) {
      con.line(con.paint(wrap("error: " + v.error, hanging), Style::red));
      continue;
    }
    const double rate = x.seconds > 0 ? static_cast<double>(x.schedules + x.pruned) / x.seconds : 0;
    std::string ran = report.request.pct
                          ? fmt::format("ran {}, {} of them different, in {} ({:.0f} runs/s)", count_of(x.schedules, "schedule"),
                                        x.distinct, format_seconds(x.seconds), rate)
                          : fmt::format("explored {} in {} ({:.0f} schedules/s)", count_of(x.schedules, "schedule"),
                                        format_seconds(x.seconds), rate);
    if (x.pruned > 0) ran += fmt::format("; {} more cut short, each equivalent to one explored", x.pruned);
    if (!x.complete && !report.request.pct) ran += " · stopped at --max-schedules: not every schedule was run";
    con.line(wrap(ran, hanging));
    std::size_t widest = 7;
    for (const auto& [outcome, seen] : x.outcomes) widest = std::max(widest, display_width(outcome));
    con.line(con.paint(fmt::format("  {:<{}}  {:>9}  shortest schedule", "outcome", widest, "schedules"), Style::dim));
    for (const auto& [outcome, seen] : x.outcomes)
      con.line(fmt::format("  {:<{}}  {:>9}  {}", outcome, widest, seen.count, seen.shortest));
    if (x.deadlocks > 0 && x.first_deadlock) {
      const std::string& cycle = *x.first_deadlock;
      con.line(con.paint(wrap(x.deadlocks == x.schedules
                                  ? fmt::format("every schedule deadlocks: {}", cycle)
                                  : fmt::format("{} of {} deadlock; the first: {}", x.deadlocks,
                                                count_of(x.schedules, "schedule"), cycle),
                              hanging),
                         Style::yellow));
    }
    for (const auto& [claim, seen] : x.broken)
      con.line(con.paint(wrap(fmt::format("✗ {}: broken by {}; the shortest: {}", claim, count_of(seen.count, "schedule"),
                                          seen.shortest),
                              hanging),
                         Style::red));
    const std::string bound = report.request.pct ? "of the schedules tried"
                              : o.preemptions    ? "within the bound"
                                                 : "of this configuration";
    for (const std::string& claim : v.claims)
      if (std::none_of(x.broken.begin(), x.broken.end(), [&](const auto& b) { return b.first == claim; }))
        con.line(con.paint(wrap(fmt::format("✓ {}: no schedule {} breaks it", claim, bound), hanging), Style::green));
    for (const std::string& claim : v.possible) {
      const auto shown = std::find_if(x.shown.begin(), x.shown.end(), [&](const auto& s) { return s.first == claim; });
      if (shown != x.shown.end())
        con.line(con.paint(wrap(fmt::format("✓ {}: shown by {} of {}; the shortest: {}", claim, shown->second.count,
                                            count_of(x.schedules, "schedule"), shown->second.shortest),
                                hanging),
                           Style::green));
      else
        con.line(con.paint(wrap(fmt::format("✗ {}: no schedule {} shows it", claim, bound), hanging), Style::yellow));
    }
    if (x.deadlocks == 0 && !x.outcomes.empty())
      con.line(con.paint(wrap(fmt::format("no schedule {} deadlocks", bound), hanging), Style::dim));
    // The most telling schedule to walk through: a broken claim's, a deadlock's, one that
    // shows a possible claim, else the first outcome that the first schedule (each thread
    // in turn to its end) did not give.
    std::string pick;
    if (!x.broken.empty()) pick = x.broken.front().second.shortest;
    for (const auto& [outcome, seen] : x.outcomes)
      if (pick.empty() && outcome == "deadlock") pick = seen.shortest;
    if (pick.empty() && !x.shown.empty()) pick = x.shown.front().second.shortest;
    if (pick.empty() && !x.outcomes.empty()) pick = x.outcomes[x.outcomes.size() > 1 ? 1 : 0].second.shortest;
    if (!pick.empty() && !quiet)
      con.line(con.paint(wrap(fmt::format("walk through one: concur step {}{}{} --schedule {}", e.name,
                                          report.variants.size() > 1 || e.variants.size() > 1 ? " --variant " + v.name : "",
                                          again, pick),
                              hanging),
                         Style::dim));
  }
}

nlohmann::json explore_to_json(const ExploreReport& report) {
  const auto table = [](const std::vector<std::pair<std::string, control::Explored::Seen>>& rows, const char* key) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [name, seen] : rows)
      out.push_back({{key, name}, {"schedules", seen.count}, {"shortest", seen.shortest}, {"shortest_steps", seen.length}});
    return out;
  };
  const auto with_results = [](nlohmann::json rows, const VariantExplored& v) {
    for (nlohmann::json& row : rows) {
      const auto it = v.results.find(row["outcome"].get<std::string>());
      row["result"] = it == v.results.end() ? nlohmann::json() : it->second;
    }
    return rows;
  };
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [key, value] : report.params.items()) params[report_key(key)] = value;
  nlohmann::json settings = {{"reduction", report.request.pct ? "none" : report.request.options.reduce ? "sleep-sets" : "none"},
                             {"preemptions", report.request.options.preemptions ? nlohmann::json(*report.request.options.preemptions)
                                                                                : nlohmann::json()},
                             {"max_schedules", report.request.options.max_schedules}};
  if (report.request.pct)
    settings["pct"] = {{"depth", report.request.pct->depth}, {"runs", report.request.pct->runs}, {"seed", report.request.pct->seed}};
  else
    settings["pct"] = nullptr;
  nlohmann::json variants = nlohmann::json::array();
  for (const VariantExplored& v : report.variants) {
    const control::Explored& x = v.explored;
    nlohmann::json claims = nlohmann::json::array();
    for (const std::string& c : v.claims) {
      const auto broken = std::find_if(x.broken.begin(), x.broken.end(), [&](const auto& b) { return b.first == c; });
      claims.push_back({{"claim", c}, {"held", broken == x.broken.end()},
                        {"broken_by", broken == x.broken.end() ? 0 : broken->second.count},
                        {"shortest", broken == x.broken.end() ? nlohmann::json() : nlohmann::json(broken->second.shortest)}});
    }
    nlohmann::json possible = nlohmann::json::array();
    for (const std::string& c : v.possible) {
      const auto shown = std::find_if(x.shown.begin(), x.shown.end(), [&](const auto& s) { return s.first == c; });
      possible.push_back({{"claim", c}, {"shown", shown != x.shown.end()},
                          {"shown_by", shown == x.shown.end() ? 0 : shown->second.count},
                          {"shortest", shown == x.shown.end() ? nlohmann::json() : nlohmann::json(shown->second.shortest)}});
    }
    variants.push_back({{"name", v.name},
                        {"possible", possible},
                        {"schedules", x.schedules},
                        {"pruned", x.pruned},
                        {"complete", x.complete},
                        {"distinct", report.request.pct ? nlohmann::json(x.distinct) : nlohmann::json()},
                        {"seconds", x.seconds},
                        {"schedules_per_s", x.seconds > 0 ? static_cast<double>(x.schedules + x.pruned) / x.seconds : 0.0},
                        {"outcomes", with_results(table(x.outcomes, "outcome"), v)},
                        {"deadlocks", x.deadlocks},
                        {"first_deadlock", x.first_deadlock ? nlohmann::json(*x.first_deadlock) : nlohmann::json()},
                        {"claims", claims},
                        {"error", v.error.empty() ? nlohmann::json() : nlohmann::json(v.error)}});
  }
  return {{"schema", kExploreSchema},
          {"concur", {{"version", version()}, {"git_revision", git_revision()}}},
          {"host", host_json()},
          {"example", {{"id", report.example->id}, {"name", report.example->name}, {"title", report.example->title}}},
          {"params", params},
          {"settings", settings},
          {"variants", variants},
          {"ok", report.ok}};
}

}  // namespace concur
