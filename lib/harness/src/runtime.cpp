#include "concur/harness/runtime.hpp"

#include "concur/core/clock.hpp"

namespace concur {

namespace mp {

Param start_method_param() {
  return Param::choice("start-method", "how each child process is started", {"fork", "spawn", "forkserver"});
}

StartMethod start_method_of(const Run& run) { return start_method_named(run.text("start-method")); }

}  // namespace mp

Param switch_interval_param() {
  return Param::seconds("switch-interval",
                        "seconds a waiter lets the holder run before asking for the GIL "
                        "(sys.setswitchinterval); not scaled by --time-scale",
                        0.005, 0.000'01, 10.0);
}

std::chrono::nanoseconds switch_interval_of(const Run& run) {
  // number(), not duration(): the interval is the interpreter's, not a sleep to shorten.
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(run.number("switch-interval")));
}

void report_overlap(Run& run, const Rounds& rounds) {
  run.result("overlap_s", to_seconds(rounds.last.overlap));
  run.result("concurrent_s", to_seconds(rounds.last.concurrent));
  run.result("attempts", rounds.attempts);
}

}  // namespace concur
