// How a run of the async-blocking exercise is judged: the report is built, every ticker
// ticks, and no tick comes late by half the blocking call's time or more.
#include <fmt/format.h>

#include "exercises.hpp"

namespace concur::exercises {

Exercise async_blocking_exercise() {
  constexpr long long kTickers = 3;
  // The defaults (a 0.5 s report, 50 ms ticks) at time scale 0.6: a 300 ms block, 30 ms
  // ticks. On the loop, the block makes a tick ~270 ms late; off it, a few ms, but on a
  // slow, busy machine (two ThreadSanitizer tests at once on two cores) a tick came
  // 77 ms late with a 150 ms block: the half-block line needs room above that.
  constexpr double kScale = 0.6, kBlockMs = 500 * kScale, kTickMs = 50 * kScale;
  constexpr long long kTicks = kTickers * (static_cast<long long>(2 * kBlockMs / kTickMs) + 2);
  constexpr unsigned long long kReport = 1000ull * 1001 * 2001 / 6;  // the sum of i*i for i = 1..1000
  return {
      .name = "async-blocking",
      .goal = fmt::format("The report is built, all {} tickers tick every time, and no tick comes {:.0f} ms late "
                          "(half of the {:.0f} ms the report blocks for), in every run.",
                          kTickers, kBlockMs / 2, kBlockMs),
      .options = {"--tickers", fmt::format("{}", kTickers), "--tick", "0.05", "--block", "0.5", "--time-scale",
                  fmt::format("{}", kScale)},
      .time_limit_s = 10,
      .runs = 5,
      .judge = [=](const nlohmann::json& result) -> std::optional<std::string> {
        const long long report = integer_result(result, "report");
        const long long ticks = integer_result(result, "ticks");
        const double late_ms = number_result(result, "late_ms");
        if (static_cast<unsigned long long>(report) != kReport)
          return fmt::format("the report is {}, not {}: it must still be built by slow_report()", report, kReport);
        if (ticks != kTicks) return fmt::format("{} of {} ticks happened", ticks, kTicks);
        if (late_ms >= kBlockMs / 2)
          return fmt::format("a tick came {:.0f} ms late: something blocked the loop's thread", late_ms);
        return std::nullopt;
      },
  };
}

}  // namespace concur::exercises
