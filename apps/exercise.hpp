// apps/exercise.hpp - the exercise mode: concur exercise, check, hint and solution.
//
// A student's workspace (CONCUR_WORKSPACE, else workspace/ in the source tree) holds their
// copy of each starting point they took, NAME.cpp, and progress.json: what they started,
// how many hints they saw, what passed. `check` builds the student's file into a
// one-example program (exercises/CMakeLists.txt), runs it many times with --jitter and
// judges each run's result keys (exercises/NAME/judge.cpp).
#pragma once

#include <string>

#include <concur/harness/example.hpp>

namespace concur::cli {

struct CheckOptions {
  std::string name;      // the example's name or id
  std::string runs;      // "" for the exercise's own number
  std::string seed;      // "" for a fresh random one
  std::string file;      // check this file instead of the workspace's
  std::string program;   // judge this already-built program (skips the build)
  std::string time_limit;  // seconds; "" for the exercise's own
  std::string json;      // write the verdict (every run's seed, time, what went wrong) here; "-": stdout
  bool narrate = false;  // let the runs' own output through
  bool no_explore = false;  // the real runs only, without exploring every schedule first
};

// Each returns the exit status (0 passed or done, 1 a check failed or did not build) and
// throws BadUsage for what is wrong before anything runs (exit 2).
int list_exercises(const Catalogue& catalogue);
int start_exercise(const Catalogue& catalogue, const std::string& name, bool fresh);
int check_exercise(const Catalogue& catalogue, const CheckOptions& options);
int show_hints(const Catalogue& catalogue, const std::string& name);
int show_solution(const Catalogue& catalogue, const std::string& name, bool no_color);

}  // namespace concur::cli
