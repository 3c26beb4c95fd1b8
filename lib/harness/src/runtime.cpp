#include "concur/harness/runtime.hpp"

#include <fmt/format.h>

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

void report_count(Run& run, const Rounds& rounds, long long expected, long long actual, bool guarded,
                  std::string_view who, std::string_view when_lost, std::string_view when_kept) {
  const long long lost = expected - actual;
  run.result({{"expected", expected}, {"actual", actual}, {"lost", lost}});
  report_overlap(run, rounds);
  if (guarded) {
    run.check("no update lost", lost == 0, "{} of {} lost", lost, expected);
    return;
  }
  run.likely("updates were lost", lost > 0, "{} of {} lost", lost, expected);
  if (rounds.controlled && lost == 0)
    run.explain("In this schedule no thread stepped in between another's read and its write, so nothing was lost. "
                "Other schedules lose updates: 'concur explore' runs them all.");
  else if (!rounds.overlapped)
    run.explain(never_overlapped(rounds, who, lost));
  else
    run.explain(lost > 0 ? fmt::vformat(when_lost, fmt::make_format_args(lost)) : std::string(when_kept));
}

}  // namespace concur
