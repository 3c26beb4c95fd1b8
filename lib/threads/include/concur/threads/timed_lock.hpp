// concur/threads/timed_lock.hpp - the one place a std::timed_mutex is waited on with a timeout.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"

namespace concur::detail {

// mu.try_lock_for(timeout), but waiting on the system clock: libstdc++ turns a steady-clock
// wait into pthread_mutex_clocklock, which ThreadSanitizer (GCC 12) does not intercept, so
// it would miss the acquire and report false races. A clock jump only stretches one wait.
inline bool try_lock_within(std::timed_mutex& mu, std::chrono::nanoseconds timeout) {
  return mu.try_lock_until(std::chrono::system_clock::now() +
                           std::chrono::duration_cast<std::chrono::system_clock::duration>(timeout));
}

// Python's acquire(timeout=timeout_s) on a lock that was taken: waits at most that long,
// recorded on the timeline as a span under `waiting_label`.
inline bool wait_within(std::timed_mutex& mu, double timeout_s, std::uint32_t waiting_label) {
  ScopedSpan waiting(SpanKind::waiting, waiting_label);
  return try_lock_within(mu, timeout_duration(timeout_s));
}

}  // namespace concur::detail
