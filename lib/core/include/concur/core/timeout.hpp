// concur/core/timeout.hpp - Python's timeout argument, once: what a timed wait takes and
// what it throws when its time is up.
//
// Python's waits take `timeout` in seconds, None for no limit; a negative timeout counts
// as 0 (an immediate try). Every timed wait in concur reads its timeout through these, so
// that rule, and the bound that keeps a huge timeout from overflowing a clock, are in one
// place.
#pragma once

#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace concur {

// A wait gave up after its whole timeout: Future::result(), as_completed(), a pool's
// AsyncResult::get() (Python's TimeoutError, concurrent.futures.TimeoutError and
// multiprocessing.TimeoutError, which are one class since Python 3.11).
class TimeoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The longest wait a timeout stands for: about 31 years, far inside every clock's range.
inline constexpr double kLongestTimeout_s = 1e9;

// The seconds to wait: a negative (or NaN) timeout is 0, a huge one kLongestTimeout_s.
inline double timeout_seconds(double timeout_s) noexcept {
  return timeout_s > 0 ? std::fmin(timeout_s, kLongestTimeout_s) : 0.0;
}

// The same as a duration, for wait_for() and sleep_for().
inline std::chrono::nanoseconds timeout_duration(double timeout_s) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(timeout_seconds(timeout_s)));
}

// The same in whole milliseconds, rounded up, for poll(); -1 (no limit) without a timeout.
inline int timeout_ms(std::optional<double> timeout_s) noexcept {
  if (!timeout_s) return -1;
  return static_cast<int>(std::fmin(std::ceil(timeout_seconds(*timeout_s) * 1000), 2'147'483'647.0));
}

// When a wait of `timeout_s` seconds (read as above) that starts now must end.
inline std::chrono::steady_clock::time_point deadline_in(double timeout_s) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout_duration(timeout_s));
}

// The same for Python's optional timeout, on the steady clock; nullopt: no limit.
using Deadline = std::optional<std::chrono::steady_clock::time_point>;
inline Deadline deadline_after(std::optional<double> timeout_s) {
  if (!timeout_s) return std::nullopt;
  return deadline_in(*timeout_s);
}

}  // namespace concur
