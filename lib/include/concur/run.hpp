// concur/run.hpp - what a demo gets for one run: its parameters, and where its results,
// checks and explanation go.
//
// A variant's body receives a Run&, reads its options from it, does the concurrent work,
// then records what happened:
//
//     const auto threads = run.integer("threads");
//     ...
//     run.result("lost", expected - actual);
//     run.check("no update lost", actual == expected, fmt::format("{} of {}", actual, expected));
//     run.explain("The mutex let one thread at a time do its load and store.");
//
// check() is a claim that must hold (a failure makes the exit status 1); likely() is a
// claim that usually holds but may not (reported with "required": false).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace concur {

struct Example;

struct CheckResult {
  std::string name;
  bool ok = false;
  bool required = true;
  std::string detail;
};

class Run {
 public:
  Run(const Example& example, const nlohmann::json& params, double time_scale,
      std::string variant, int index);

  // Parameters (as validated on the command line, or their defaults).
  long long integer(std::string_view name) const;
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
  void check(std::string name, bool ok, std::string detail = {});
  void likely(std::string name, bool ok, std::string detail = {});
  // A sentence or two on why the outcome is what it is; shown under the run.
  void explain(std::string text);
  // How long the variant's own work took, when the run's wall time also holds start-up
  // or teardown that is not the point (children started and reaped, a pool built). Call
  // once, after the work; the summary then compares variants by it.
  void work_time(std::chrono::nanoseconds elapsed);

  const nlohmann::json& results() const { return results_; }
  const std::vector<CheckResult>& checks() const { return checks_; }
  const std::string& explanation() const { return explanation_; }
  // What work_time() recorded, if it was called.
  std::optional<std::chrono::nanoseconds> work_time() const { return work_time_; }

 private:
  const nlohmann::json& param(std::string_view name) const;
  void add_check(std::string name, bool ok, bool required, std::string detail);

  const Example& example_;
  const nlohmann::json& params_;
  double time_scale_;
  std::string variant_;
  int index_;
  nlohmann::json results_ = nlohmann::json::object();
  std::vector<CheckResult> checks_;
  std::string explanation_;
  std::optional<std::chrono::nanoseconds> work_time_;
};

}  // namespace concur
