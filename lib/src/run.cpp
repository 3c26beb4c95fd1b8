#include "concur/run.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "concur/example.hpp"

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

void Run::add_check(std::string name, bool ok, bool required, std::string detail) {
  // With several variants, say whose claim it is: "mutex: no update lost".
  if (example_.variants.size() > 1) name = fmt::format("{}: {}", variant_, name);
  checks_.push_back({std::move(name), ok, required, std::move(detail)});
}

void Run::check(std::string name, bool ok, std::string detail) {
  add_check(std::move(name), ok, true, std::move(detail));
}

void Run::likely(std::string name, bool ok, std::string detail) {
  add_check(std::move(name), ok, false, std::move(detail));
}

void Run::explain(std::string text) { explanation_ = std::move(text); }

void Run::work_time(std::chrono::nanoseconds elapsed) { work_time_ = elapsed; }

}  // namespace concur
