// tests/cli/report_of.hpp - running an example for its JSON report, and reading it.
#pragma once

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace concur::test {

using nlohmann::json;

inline const std::vector<std::string> kFast = {"--time-scale", "0.05", "--json", "-"};

// The start methods a process example takes (--start-method).
inline const std::vector<std::string> kStartMethods = {"fork", "spawn", "forkserver"};

// Runs an example with short sleeps and the report on stdout; the report must parse.
inline json run_report(std::vector<std::string> args) {
  args.insert(args.end(), kFast.begin(), kFast.end());
  const CliResult r = run_concur(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json report = json::parse(r.out);  // throws (and fails the test) unless stdout is pure JSON
  EXPECT_EQ(report["schema"], "concur.report/2");
  EXPECT_TRUE(report["ok"].get<bool>());
  return report;
}

inline const json& result_of(const json& report, const std::string& variant, std::size_t run = 0) {
  for (const json& v : report["variants"])
    if (v["name"] == variant) return v["runs"].at(run)["result"];
  throw std::runtime_error("no variant " + variant);
}

inline std::vector<std::string> variant_names(const json& report) {
  std::vector<std::string> names;
  for (const json& v : report["variants"]) names.push_back(v["name"]);
  return names;
}

inline bool check_held(const json& report, const std::string& name) {
  for (const json& c : report["checks"])
    if (c["name"] == name) return c["ok"].get<bool>();
  ADD_FAILURE() << "no check named " << name;
  return false;
}

}  // namespace concur::test
