// concur/harness/runner.hpp - runs an example's variants, repeats them, times them, and collects
// results, checks and timelines into an Outcome (which report.hpp prints and exports).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/harness/example.hpp"
#include "concur/harness/stats.hpp"
#include "concur/core/timeline.hpp"
#include "concur/threads/control.hpp"

namespace concur {

// When to draw the terminal timeline after a run.
enum class TimelineMode {
  automatic,  // after the first run of each variant, when narrating
  always,     // --timeline: also under --quiet
  never,      // --no-timeline
};

struct RunOptions {
  nlohmann::json params = nlohmann::json::object();  // missing ones take their defaults
  int repeat = 1;                                    // runs per variant, >= 1
  double time_scale = 1.0;                           // > 0
  TimelineMode timeline = TimelineMode::automatic;
  std::optional<std::uint64_t> jitter_seed;          // --jitter: jitter::enable(seed) first
  std::vector<std::string> variants;                 // --variant: only these run (empty: all)
  bool header = true;                                // print the example's header first (a sweep does once)
  // When set, each run is a controlled run (control.hpp) whose schedule this chooses
  // (`concur step`): its steps are narrated as they are taken, and its results get
  // "schedule" and "steps" (and "deadlock" when no thread could go on).
  control::Chooser chooser;
};

struct RunRecord {
  double wall_s = 0;
  double cpu_s = 0;           // this process's threads and the children reaped during the run
  double children_cpu_s = 0;  // the children's share of cpu_s
  nlohmann::json result = nlohmann::json::object();
  std::optional<double> work_s;  // Run::work_time(), when the variant reported it
  double host_busy_cores = 0;    // cores other processes kept busy meanwhile (HostLoad)
  std::optional<int> workers;    // Run::workers(), when the variant said it
};

struct VariantOutcome {
  std::string name;
  std::vector<RunRecord> runs;
  Summary wall;                   // over runs[].wall_s
  std::optional<Summary> work;    // over runs[].work_s, when every run reported it
  double free_cores = 0;          // the machine's cores minus the median host_busy_cores
  std::optional<int> workers;     // from the last run
  std::optional<double> speedup;  // baseline median / this median (of Outcome::compared_by)
  std::string baseline;           // "" when not compared
  std::string compare_with;       // Run::compare_with() of the last run: its own baseline
  // The most the speedup could be for the same work: min(workers, cpus, free cores) over
  // the baseline's same figure. Only when both said how many workers computed.
  std::optional<double> speedup_ceiling;
  std::string busy_note;          // "the machine was busy: ..." when that limited the speedup
  std::string explanation;        // from the last run
  std::string error;              // what a body threw, if it did
  Timeline timeline;              // of the first run
  std::int64_t offset_ns = 0;     // when the first run started, after the example's start
  std::int64_t first_run_ns = 0;  // how long the first run took
  nlohmann::json outcomes = nlohmann::json::object();  // key -> summarize_outcome() over the runs
};

struct CheckOutcome {
  std::string name;
  bool required = true;
  bool ok = true;      // held in every run it was evaluated in
  std::string detail;  // from the last run where it failed, else the last run
  int held = 0;
  int evaluated = 0;
  int untested = 0;    // runs that could not test it (Run::untested)
};

struct Outcome {
  const Example* example = nullptr;
  nlohmann::json params;  // every effective parameter, repeat and time_scale included
  std::vector<VariantOutcome> variants;
  std::vector<CheckOutcome> checks;  // in the order first seen
  // Which time the speedups compare: "work" when every variant reported Run::work_time()
  // in every run, else "wall".
  std::string compared_by = "wall";
  bool ok = true;                    // every required check held
  std::string started_at;            // when it started, ISO 8601 UTC ("2026-12-04T12:30:05.123Z")
  std::string start_method;          // the processes' start method: --start-method, else the default
};

// The times a variant's speedup compares: its work times when the outcome compares by
// work (every variant reported them), else its wall times. The summary, the HTML and the
// sweep all show these.
const Summary& compared_times(const Outcome& outcome, const VariantOutcome& v);

// Whether other processes took enough of the machine to matter for this variant: fewer
// free cores than its workers could use, by more than a quarter core.
bool busy_mattered(const VariantOutcome& v);

// Runs every variant `repeat` times, the variants taking turns (run 1 of each in the
// catalogue's order, then run 2 of each, ...), narrating the first run of each through the
// console. The variants after the baseline see its figures so far (Run::baseline()).
// A body that throws fails the check "<variant> completed"; the runner itself never throws
// for what a demo does. Once every variant ran, it computes the speedups over the baseline
// from the medians and judges the variants' speedup claims (Run::likely_speedup) against
// the cores that were free while they ran.
Outcome run_example(const Example& example, const RunOptions& options);

}  // namespace concur
