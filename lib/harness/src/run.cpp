#include "concur/harness/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "concur/harness/example.hpp"
#include "concur/harness/text.hpp"

namespace concur {

Run::Run(const Example& example, const nlohmann::json& params, double time_scale,
         std::string variant, int index)
    : example_(example),
      params_(params),
      time_scale_(time_scale),
      variant_(std::move(variant)),
      index_(index) {}

const nlohmann::json& Run::param(std::string_view name) const {
  auto it = params_.find(name);
  if (it == params_.end())
    throw std::logic_error(
        fmt::format("example '{}' has no parameter '{}' (add it to its params)", example_.name, name));
  return *it;
}

long long Run::integer(std::string_view name) const { return param(name).get<long long>(); }

double Run::number(std::string_view name) const { return param(name).get<double>(); }

std::vector<long long> Run::integers(std::string_view name) const {
  return param(name).get<std::vector<long long>>();
}

std::string Run::text(std::string_view name) const { return param(name).get<std::string>(); }

std::vector<std::string> Run::texts(std::string_view name) const {
  return param(name).get<std::vector<std::string>>();
}

std::chrono::nanoseconds Run::scaled(double seconds) const {
  return std::chrono::nanoseconds(static_cast<long long>(seconds * time_scale_ * 1e9));
}

std::chrono::nanoseconds Run::duration(std::string_view name) const {
  return scaled(number(name));
}

void Run::result(const std::string& key, nlohmann::json value) { results_[key] = std::move(value); }

void Run::result(const nlohmann::json& object) {
  if (!object.is_object())
    throw std::invalid_argument("Run::result: give {\"key\", value} pairs, got " + object.dump());
  for (const auto& [key, value] : object.items()) results_[key] = value;
}

void Run::add_check(std::string name, bool ok, bool required, std::string detail, bool tested) {
  // With several variants, say whose claim it is: "mutex: no update lost".
  if (example_.variants.size() > 1) name = fmt::format("{}: {}", variant_, name);
  checks_.push_back({std::move(name), ok, required, std::move(detail), tested});
}

void Run::untested(std::string name, std::string why) {
  add_check(std::move(name), true, false, std::move(why), false);
}

void Run::workers(int n) { workers_ = std::max(1, n); }

void Run::likely_speedup(SpeedupClaim claim, std::string name) {
  speedup_claims_.emplace_back(claim, std::move(name));
}

double Run::usable_cores(int workers) const {
  return std::min({static_cast<double>(workers), static_cast<double>(cpus()), free_cores()});
}

std::string Run::busy_note(int workers) const { return concur::busy_note(workers, free_cores(), cpus()); }

std::string busy_note(int workers, double free, int cpus) {
  const double could = std::min(workers, cpus);
  if (free >= could - 0.25) return "";
  const double reach = std::max(std::min(could, free), 0.0);
  return fmt::format("the machine was busy: about {:.1f} {} free, so {} {} could reach at most ~{:.1f}x", free,
                     free >= 0.95 && free < 1.05 ? "core was" : "cores were", workers,
                     workers == 1 ? "worker" : "workers", reach);
}

std::string Run::share_of_ideal(int workers) const {
  if (baseline_ == nullptr) return "no speedup to give without a run of the baseline to compare with";
  if (!work_time_ || baseline_->median_s <= 0 || work_time_->count() <= 0) return "";
  const double speedup = baseline_->median_s / std::chrono::duration<double>(*work_time_).count();
  const double ideal = usable_cores(workers);
  const std::string cores = fmt::format("{} worker{} on {:.1f} free core{}", workers, workers == 1 ? "" : "s",
                                        ideal, ideal >= 0.95 && ideal < 1.05 ? "" : "s");
  // Past the ideal is noise in the baseline's median, not more cores: say so, not the figure.
  if (speedup >= ideal)
    return fmt::format("this run reached the ideal {:.1f}× over {} for {}", ideal, baseline_->name, cores);
  return fmt::format("this run: {} over {}, {:.0f}% of the ideal {:.1f}× for {}", format_speedup(speedup),
                     baseline_->name, 100 * speedup / ideal, ideal, cores);
}

std::string Run::busy_aside(int workers) const {
  const std::string note = busy_note(workers);
  return note.empty() ? note : " (" + note + ")";
}

void Run::check(std::string name, bool ok, std::string detail) {
  add_check(std::move(name), ok, true, std::move(detail));
}

void Run::likely(std::string name, bool ok, std::string detail) {
  add_check(std::move(name), ok, false, std::move(detail));
}

void Run::explain(std::string text) { explanation_ = std::move(text); }

void Run::work_time(std::chrono::nanoseconds elapsed) { work_time_ = elapsed; }

void Run::check_same_as_baseline(std::string name, const std::string& key) {
  if (baseline_ == nullptr || !baseline_->result.contains(key)) return;
  const nlohmann::json ours = results_.contains(key) ? results_[key] : nlohmann::json();
  const auto text = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  check(std::move(name), ours == baseline_->result[key], "{} {} here, {} in {}", key, text(ours),
        text(baseline_->result[key]), baseline_->name);
}

void Run::work_begins() {
  work_began_ = std::chrono::steady_clock::now();
  result("start_s", std::chrono::duration<double>(*work_began_ - created_).count());
}

void Run::work_ends() {
  if (!work_began_) throw std::logic_error("Run::work_ends() without work_begins()");
  work_ended_ = std::chrono::steady_clock::now();
  work_time(*work_ended_ - *work_began_);
}

void Run::finish() {
  if (work_ended_) result("teardown_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - *work_ended_).count());
}

}  // namespace concur
