// CLI tests of the narration's causality: a line saying something was received, taken
// or woken never comes before the line of the put, send or set that caused it.
//
// Each example runs 200 times (narration on, --no-color, half of the runs with jitter),
// a few runs at once so that they also compete for the cores. Every narration line is
// parsed; for each "effect" line (got, took, passed, ...) the test looks for its "cause"
// line earlier in the same variant's narration, matched by the item's name or value.
//
// CONCUR_CAUSALITY_BIN=/path/to/concur runs the same tests against another binary (an
// older build, to see them fail).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "run_cli.hpp"

namespace concur::test {
namespace {

constexpr int kRuns = 200;
constexpr int kAtOnce = 4;  // runs in flight together: more interleavings, less wall time

struct Line {
  std::string actor;  // "Producer-1" (a child's "[pid]" cut off)
  std::string text;
};

// One variant's narration, in the order the lines were written.
using Narration = std::vector<Line>;

// Splits a run's output into its variants' narrations ("── name ──" starts one).
std::vector<Narration> narrations_of(const std::string& out) {
  static const std::regex kEvent(R"(^\s+[+-]?\d+\.\d+ ms  ([^ \[]+)(?:\[\d+\])?\s+(.*)$)");
  std::vector<Narration> all;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("── ", 0) == 0) {
      all.emplace_back();
      continue;
    }
    std::smatch m;
    if (!all.empty() && std::regex_match(line, m, kEvent)) all.back().push_back({m[1], m[2]});
  }
  return all;
}

// A causal rule: `effect` gives the keys an effect line needs (none: not an effect);
// `causes` gives the keys a line provides. Every key an effect needs must have been
// provided by an earlier line of the same narration.
struct Rule {
  std::string name;
  std::function<std::vector<std::string>(const Line&)> effect;
  std::function<std::vector<std::string>(const Line&)> causes;
};

// The key of a line matching `pattern` (its first group, or "" without one), prefixed.
std::function<std::vector<std::string>(const Line&)> keyed(const std::string& pattern, const std::string& prefix) {
  const std::regex re(pattern);
  return [re, prefix](const Line& l) -> std::vector<std::string> {
    std::smatch m;
    if (!std::regex_match(l.text, m, re)) return {};
    return {prefix + (m.size() > 1 ? m[1].str() : "")};
  };
}

// "put 10 tasks" provides tasks 0..9 at once; "put 12 items" provides items 1..12.
std::function<std::vector<std::string>(const Line&)> counted(const std::string& pattern, const std::string& prefix,
                                                               int first) {
  const std::regex re(pattern);
  return [re, prefix, first](const Line& l) -> std::vector<std::string> {
    std::smatch m;
    if (!std::regex_search(l.text, m, re)) return {};
    std::vector<std::string> keys;
    for (int i = 0; i < std::stoi(m[1]); ++i) keys.push_back(prefix + std::to_string(first + i));
    return keys;
  };
}

std::function<std::vector<std::string>(const Line&)> either(std::function<std::vector<std::string>(const Line&)> a,
                                                              std::function<std::vector<std::string>(const Line&)> b) {
  return [a, b](const Line& l) {
    std::vector<std::string> keys = a(l);
    for (std::string& k : b(l)) keys.push_back(std::move(k));
    return keys;
  };
}

struct Verdict {
  int effects = 0;                     // effect lines checked
  std::vector<std::string> violations; // "Consumer-1: got 1-1 (no 'put 1-1' before it)"
};

Verdict judge(const std::vector<Narration>& narrations, const std::vector<Rule>& rules) {
  Verdict v;
  for (const Narration& n : narrations) {
    std::set<std::string> provided;
    for (const Line& l : n) {
      for (const Rule& r : rules)
        for (const std::string& key : r.effect(l)) {
          ++v.effects;
          if (!provided.count(r.name + key)) v.violations.push_back(l.actor + ": " + l.text + " (before its cause)");
        }
      for (const Rule& r : rules)
        for (const std::string& key : r.causes(l)) provided.insert(r.name + key);
    }
  }
  return v;
}

// Runs `args` kRuns times, kAtOnce at a time, and judges every run's narration.
void expect_causal(std::vector<std::string> args, const std::vector<Rule>& rules) {
  CliOptions options;
  if (const char* other = std::getenv("CONCUR_CAUSALITY_BIN")) options.binary = other;
  args.insert(args.end(), {"--no-color", "--no-timeline"});
  std::atomic<int> next{0};
  std::mutex mu;
  int failed_runs = 0, bad_runs = 0, effects = 0;  // guarded by mu
  std::vector<std::string> examples;               // guarded by mu: the first few violations
  auto worker = [&] {
    for (int i = next++; i < kRuns; i = next++) {
      std::vector<std::string> run_args = args;
      if (i % 2 == 1) run_args.insert(run_args.end(), {"--jitter", std::to_string(i)});
      const CliResult r = run_concur(run_args, options);
      const Verdict v = judge(narrations_of(r.out), rules);
      std::lock_guard guard(mu);
      effects += v.effects;
      if (r.exit_code != 0 || v.effects == 0) {
        ++failed_runs;
        if (examples.size() < 3) examples.push_back("run failed or said nothing: exit " + std::to_string(r.exit_code) + "\n" + r.out + r.err);
      }
      if (!v.violations.empty()) {
        ++bad_runs;
        if (examples.size() < 5) examples.push_back("run " + std::to_string(i) + ": " + v.violations.front());
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < kAtOnce; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();

  std::string detail;
  for (const std::string& e : examples) detail += "\n  " + e;
  EXPECT_EQ(failed_runs, 0) << detail;
  EXPECT_EQ(bad_runs, 0) << bad_runs << " of " << kRuns << " runs narrated an effect before its cause ("
                         << effects << " effect lines checked):" << detail;
  EXPECT_GT(effects, kRuns);  // the rules did find what they check
}

TEST(Causality, ProcessQueueNeverSaysGotBeforePut) {
  expect_causal({"process-queue"},
                {{"item", keyed(R"(got (\d+-\d+))", ""), keyed(R"(put (\d+-\d+))", "")},
                 {"sentinel", keyed(R"(got the sentinel.*)", ""), keyed(R"(.*one sentinel per consumer.*)", "")}});
}

TEST(Causality, QueuePoolNeverSaysTookBeforePut) {
  expect_causal({"queue-pool", "--time-scale", "0.01"},
                {{"task", keyed(R"(took task (\d+))", ""),
                  either(keyed(R"(put task (\d+))", ""), counted(R"(^put(?:ting)? (\d+) tasks)", "", 0))}});
}

TEST(Causality, PipeNeverSaysGotBeforeSent) {
  expect_causal({"pipe"},
                {// duplex: the parent asks, the child answers, the parent gets the answer
                 {"ask", keyed(R"(got '(message \d+)', answers .*)", ""), keyed(R"(sent '(message \d+)')", "")},
                 {"answer", keyed(R"(got back '(MESSAGE \d+)')", ""), keyed(R"(got '.*', answers '(MESSAGE \d+)')", "")},
                 {"null", keyed(R"(got the null message.*)", ""), keyed(R"(.*sending null.*)", "")},
                 // one-way: the child sends, the parent gets, then end of file once the child is done
                 {"one-way", keyed(R"(got '(message \d+)')", ""), keyed(R"(sent '(message \d+)')", "")},
                 {"eof", keyed(R"(end of file after (\d+) messages.*)", ""), keyed(R"(sent (\d+) messages.*)", "")}});
}

TEST(Causality, EventNeverSaysPassedBeforeSet) {
  expect_causal({"event", "--time-scale", "0.01"},
                {{"set", keyed(R"(passed the event)", ""), keyed(R"(sets the event)", "")}});
}

TEST(Causality, ConditionNeverSaysTookBeforePut) {
  expect_causal({"condition", "--time-scale", "0.01"},
                {{"item", keyed(R"(took item (\d+))", ""),
                  either(keyed(R"(put item (\d+))", ""), counted(R"(^put (\d+) items)", "", 1))}});
}

}  // namespace
}  // namespace concur::test
