// The ends of every range (issue 14): each example run with one option at its declared
// minimum or maximum, the others at their defaults, must either work (exit 0) or be
// refused before it runs (exit 2, nothing on stdout). A value the range allows and the
// run then fails at (exit 1, a crash, a hang) is a bug of the range or of the example.
// The maxima run with --time-scale 0.01 so long sleeps stay short. Slow: minutes.

#include <iostream>

#include "fuzz_common.hpp"
#include "nothing_left.hpp"

namespace concur::test {
namespace {

using nlohmann::json;

class Extremes : public NothingLeftBehind {};

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

TEST_F(Extremes, EveryExampleRunsOrIsRefusedAtTheEndsOfEveryRange) {
  const json cat = catalogue();
  ScratchCwd scratch;
  const char* only = std::getenv("CONCUR_EXTREMES_ONLY");  // one example, to retry a failure
  for (const json& e : cat["examples"]) {
    const std::string name = e["name"];
    if (only != nullptr && name != only) continue;
    for (const json& p : e["params"]) {
      if (p["type"] != "integer" && p["type"] != "seconds") continue;
      for (const char* end : {"min", "max"}) {
        std::vector<std::string> args{name, "--" + p["name"].get<std::string>(), text_of(p[end]), "--quiet",
                                      "--no-timeline", "--time-scale", end == std::string("max") ? "0.01" : "1"};
        const Ran r = run_bounded(args, 120);
        std::cout << command_line(args) << ": exit " << r.exit_code << " in " << r.seconds << " s\n";
        const bool refused = r.exit_code == 2 && r.out.empty() && line_count(r.err) == 1;
        EXPECT_TRUE(r.exit_code == 0 || refused)
            << command_line(args) << (r.timed_out ? " hung" : "") << " exit " << r.exit_code << " signal " << r.signal
            << "\n" << r.out.substr(r.out.size() > 2000 ? r.out.size() - 2000 : 0) << r.err;
      }
    }
  }
}

}  // namespace
}  // namespace concur::test
