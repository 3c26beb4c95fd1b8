// The ends of every range (issue 14): an example run with one option at its declared
// minimum or maximum, the others at their defaults, must either work (exit 0) or be
// refused before it runs (exit 2, nothing on stdout). A value the range allows and the
// run then fails at (exit 1, a crash, a hang) is a bug of the range or of the example.
//
// Every (example, option, end) is a case. The suite draws a few of them (seeded, the
// seed printed); CONCUR_EXTREMES_ALL=1 runs them all (an hour: the maxima of the CPU-bound
// examples are long), CONCUR_EXTREMES_ONLY=NAME one example's. A minimum must finish in
// 60 s; a maximum runs with --time-scale 0.01 and, being often just a lot of work, is
// judged only if it ends within 10 s (else it is reported as not judged).

#include <cstdlib>
#include <iostream>
#include <random>

#include "fuzz_common.hpp"
#include "nothing_left.hpp"

namespace concur::test {
namespace {

using nlohmann::json;

class Extremes : public NothingLeftBehind {};

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

struct Case {
  std::string example, option, value;
  bool max = false;
};

TEST_F(Extremes, ExamplesRunOrAreRefusedAtTheEndsOfTheirRanges) {
  const json cat = catalogue();
  const char* only = std::getenv("CONCUR_EXTREMES_ONLY");
  const bool all = std::getenv("CONCUR_EXTREMES_ALL") != nullptr || only != nullptr;
  std::vector<Case> cases;
  for (const json& e : cat["examples"]) {
    if (only != nullptr && e["name"] != only) continue;
    for (const json& p : e["params"]) {
      if (p["type"] != "integer" && p["type"] != "seconds") continue;
      for (const bool max : {false, true})
        cases.push_back({e["name"], "--" + p["name"].get<std::string>(), text_of(p[max ? "max" : "min"]), max});
    }
  }
  ASSERT_GT(cases.size(), only != nullptr ? 0u : 50u);
  const std::uint64_t seed = std::getenv("CONCUR_FUZZ_SEED") != nullptr
                                 ? std::strtoull(std::getenv("CONCUR_FUZZ_SEED"), nullptr, 10)
                                 : std::random_device{}();
  if (!all) {  // a few, different each run: over many CI runs every case comes up
    std::mt19937_64 rng(seed);
    std::shuffle(cases.begin(), cases.end(), rng);
    cases.resize(3);
  }
  std::cout << "CONCUR_FUZZ_SEED=" << seed << ", " << cases.size() << " cases" << std::endl;
  ScratchCwd scratch;
  for (const Case& c : cases) {
    const std::vector<std::string> args{c.example, c.option, c.value, "--quiet", "--no-timeline",
                                        "--time-scale", c.max ? "0.01" : "1"};
    const Ran r = run_bounded(args, c.max ? 10 : 60);
    const std::string what = command_line(args) + " (CONCUR_FUZZ_SEED=" + std::to_string(seed) + ")";
    std::cout << command_line(args) << ": "
              << (r.timed_out ? "not judged, still running" : "exit " + std::to_string(r.exit_code)) << " after "
              << r.seconds << " s" << std::endl;
    if (r.timed_out && c.max) continue;
    const bool refused = r.exit_code == 2 && r.out.empty() && line_count(r.err) == 1;
    EXPECT_TRUE(r.exit_code == 0 || refused)
        << what << (r.timed_out ? " hung" : "") << " exit " << r.exit_code << " signal " << r.signal << "\n"
        << r.out.substr(r.out.size() > 3000 ? r.out.size() - 3000 : 0) << r.err;
  }
}

}  // namespace
}  // namespace concur::test
