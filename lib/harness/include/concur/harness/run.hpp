// concur/harness/run.hpp - what a demo gets for one run: its parameters, and where its results,
// checks and explanation go.
//
// A variant's body receives a Run&, reads its options from it, does the concurrent work,
// then records what happened:
//
//     const int threads = run.integer<int>("threads");
//     ...
//     run.result({{"lost", expected - actual}, {"threads", threads}});
//     run.check("no update lost", actual == expected, "{} of {}", actual, expected);
//     run.explain("The mutex let one thread at a time do its load and store.");
//
// check() is a claim that must hold (a failure makes the exit status 1); likely() is a
// claim that usually holds but may not (reported with "required": false); untested() is a
// claim this run could not test (the machine was too busy to show it), and says why.
//
// Speedups are the runner's: a variant compared with the example's baseline says how many
// workers computed at once (workers()) and what it claims (likely_speedup()); once every
// variant has run, the runner judges the claim on the same medians the summary shows,
// against the cores that were free (HostLoad), so the check and the table always agree:
//
//     run.workers(threads);
//     run.likely_speedup(SpeedupClaim::scales, "threads scale with the cores");
#pragma once

#include <chrono>
#include <concepts>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "concur/core/host_load.hpp"

namespace concur {

struct Example;

struct CheckResult {
  std::string name;
  bool ok = false;
  bool required = true;
  std::string detail;
  bool tested = true;  // false: the run could not test it (detail says why); ok stays true
};

// What a variant claims about its speedup over the baseline (see Run::likely_speedup).
enum class SpeedupClaim {
  scales,     // at least 3/4 of what the free cores allowed; untested below 1.3x of room
  no_faster,  // below 1.1x of what one core's share allowed (a GIL, a lock)
};

// The baseline variant's figures, for the variants after it.
struct BaselineFigures {
  std::string name;
  double median_s = 0;  // its median time: work time if every run reported one, else wall
  nlohmann::json result = nlohmann::json::object();  // its last run's result object
};

class Run {
 public:
  Run(const Example& example, const nlohmann::json& params, double time_scale,
      std::string variant, int index);

  // Parameters (as validated on the command line, or their defaults).
  long long integer(std::string_view name) const;
  // The same as the type a demo counts in (run.integer<int>("threads")); std::out_of_range
  // if the value does not fit (the parameter's range should make that impossible).
  template <std::integral T>
  T integer(std::string_view name) const {
    const long long value = integer(name);
    if (!std::in_range<T>(value))
      throw std::out_of_range(fmt::format("parameter '{}' = {} does not fit the demo's type", name, value));
    return static_cast<T>(value);
  }
  double number(std::string_view name) const;
  // An integer-list parameter's numbers (empty when not given).
  std::vector<long long> integers(std::string_view name) const;
  // A choice or text parameter's word ("spawn").
  std::string text(std::string_view name) const;
  // A text_list parameter's values (empty when not given).
  std::vector<std::string> texts(std::string_view name) const;
  // A seconds parameter as a duration, already multiplied by --time-scale.
  std::chrono::nanoseconds duration(std::string_view name) const;
  // Any fixed delay the demo makes, multiplied by --time-scale.
  std::chrono::nanoseconds scaled(double seconds) const;
  double time_scale() const { return time_scale_; }

  const std::string& variant() const { return variant_; }
  int index() const { return index_; }  // 0 for the first repeat

  // The run's result object (interface.md names the keys per example).
  void result(const std::string& key, nlohmann::json value);
  // Several at once: run.result({{"workers", workers}, {"permits", permits}}). The
  // argument must be an object (std::invalid_argument otherwise).
  void result(const nlohmann::json& object);
  void check(std::string name, bool ok, std::string detail = {});
  void likely(std::string name, bool ok, std::string detail = {});
  // A sentence or two on why the outcome is what it is; shown under the run.
  void explain(std::string text);

  // The same, with the detail or text formatted from arguments (fmt's syntax):
  //   run.check("every worker got in", got == workers, "{} of {} workers", got, workers);
  template <typename... Args>
    requires(sizeof...(Args) > 0)
  void check(std::string name, bool ok, fmt::format_string<Args...> detail, Args&&... args) {
    check(std::move(name), ok, fmt::format(detail, std::forward<Args>(args)...));
  }
  template <typename... Args>
    requires(sizeof...(Args) > 0)
  void likely(std::string name, bool ok, fmt::format_string<Args...> detail, Args&&... args) {
    likely(std::move(name), ok, fmt::format(detail, std::forward<Args>(args)...));
  }
  template <typename... Args>
    requires(sizeof...(Args) > 0)
  void explain(fmt::format_string<Args...> text, Args&&... args) {
    explain(fmt::format(text, std::forward<Args>(args)...));
  }
  void untested(std::string name, std::string why);

  // How many threads or processes compute at the same time in this variant (1 for a
  // sequential baseline). The runner bounds the speedup with it: min(workers, free cores)
  // over the same figure of the baseline.
  void workers(int n);
  // A likely check on this variant's speedup over the baseline, judged by the runner after
  // every variant ran (see SpeedupClaim). Without workers() the runner cannot judge it.
  void likely_speedup(SpeedupClaim claim, std::string name);
  // Compare this variant with `variant` instead of the example's baseline, because that
  // one does the same work (free threads against one free thread, not one under a GIL).
  void compare_with(std::string variant) { compare_with_ = std::move(variant); }
  const std::string& compare_with() const { return compare_with_; }

  // The cores other processes left free from the start of this run to now (HostLoad), and
  // the machine's cores.
  double free_cores() const { return load_.free_cores(); }
  double host_busy_cores() const { return load_.busy_cores(); }
  int cpus() const { return host_cpus(); }
  // min(workers, cpus(), free_cores()): the cores `workers` threads could compute on.
  double usable_cores(int workers) const;
  // "" on a machine that left `workers` threads their cores; else a sentence such as
  // "the machine was busy: about 1.1 cores were free, so 2 threads could reach at most ~1.1x".
  std::string busy_note(int workers) const;
  // The same as an aside at the end of a sentence: "" or " (the machine was busy: ...)".
  std::string busy_aside(int workers) const;
  // This run's work time against the baseline's median, as a share of what `workers`
  // could reach on the cores that were free: "this run: 1.93× over sequential, 97% of
  // the ideal 2.0× for 2 workers on 2.0 free cores". Never a figure past the ideal.
  // Without a baseline (--variant), says there is none to compare with; "" without a
  // work_time().
  std::string share_of_ideal(int workers) const;

  // The baseline's figures, for a variant compared with it; null in the baseline itself
  // and when the baseline was not run. The runner sets it.
  const BaselineFigures* baseline() const { return baseline_; }
  // A required check that this run's result `key` equals the baseline's: the same work
  // must give the same answer ("agrees with the sequential count"). Nothing in the
  // baseline itself, or when the baseline did not report `key`.
  void check_same_as_baseline(std::string name, const std::string& key);
  void set_baseline(const BaselineFigures* baseline) { baseline_ = baseline; }
  // How long the variant's own work took, when the run's wall time also holds start-up
  // or teardown that is not the point (children started and reaped, a pool built). Call
  // once, after the work; the summary then compares variants by it.
  void work_time(std::chrono::nanoseconds elapsed);
  // The same, marked as it happens, for a variant that starts something up first and tears
  // it down after (a pool of processes built, then closed and joined): work_begins() once
  // started, work_ends() once the work is done. The time between is the work time; the time
  // before it is reported as the result "start_s", the time after it (to the end of the
  // variant) as "teardown_s". std::logic_error for work_ends() without work_begins().
  void work_begins();
  void work_ends();
  // The runner calls this when the variant's body has returned.
  void finish();

  const nlohmann::json& results() const { return results_; }
  const std::vector<CheckResult>& checks() const { return checks_; }
  const std::string& explanation() const { return explanation_; }
  // What work_time() recorded, if it was called.
  std::optional<std::chrono::nanoseconds> work_time() const { return work_time_; }
  std::optional<int> workers() const { return workers_; }
  const std::vector<std::pair<SpeedupClaim, std::string>>& speedup_claims() const { return speedup_claims_; }

 private:
  const nlohmann::json& param(std::string_view name) const;
  void add_check(std::string name, bool ok, bool required, std::string detail, bool tested = true);

  const Example& example_;
  const nlohmann::json& params_;
  double time_scale_;
  std::string variant_;
  int index_;
  nlohmann::json results_ = nlohmann::json::object();
  std::vector<CheckResult> checks_;
  std::string explanation_;
  std::optional<std::chrono::nanoseconds> work_time_;
  std::optional<int> workers_;
  std::vector<std::pair<SpeedupClaim, std::string>> speedup_claims_;
  const BaselineFigures* baseline_ = nullptr;
  std::string compare_with_;
  HostLoad load_;  // started with the run
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> work_began_, work_ended_;
};

// The sentence Run::busy_note() and the summary use: "" when `free` cores leave `workers`
// threads all the cores they could use (within a quarter core), else "the machine was
// busy: about 1.1 cores were free, so 2 threads could reach at most ~1.1x".
std::string busy_note(int workers, double free, int cpus);

}  // namespace concur
