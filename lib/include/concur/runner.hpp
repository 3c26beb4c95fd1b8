// concur/runner.hpp - runs an example's variants, repeats them, times them, and collects
// results, checks and timelines into an Outcome (which report.hpp prints and exports).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/example.hpp"
#include "concur/stats.hpp"
#include "concur/timeline.hpp"

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
};

struct RunRecord {
  double wall_s = 0;
  double cpu_s = 0;
  nlohmann::json result = nlohmann::json::object();
};

struct VariantOutcome {
  std::string name;
  std::vector<RunRecord> runs;
  Summary wall;                   // over runs[].wall_s
  std::optional<double> speedup;  // baseline median / this median
  std::string baseline;           // "" when not compared
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
};

struct Outcome {
  const Example* example = nullptr;
  nlohmann::json params;  // every effective parameter, repeat and time_scale included
  std::vector<VariantOutcome> variants;
  std::vector<CheckOutcome> checks;  // in the order first seen
  bool ok = true;                    // every required check held
};

// Runs every variant `repeat` times, narrating the first run of each through the console.
// A body that throws fails the check "<variant> completed"; the runner itself never throws
// for what a demo does.
Outcome run_example(const Example& example, const RunOptions& options);

}  // namespace concur
