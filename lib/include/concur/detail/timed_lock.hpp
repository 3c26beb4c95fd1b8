// concur/detail/timed_lock.hpp - the one place a std::timed_mutex is waited on with a timeout.
#pragma once

#include <chrono>
#include <mutex>

namespace concur::detail {

// mu.try_lock_for(timeout), but waiting on the system clock: libstdc++ turns a steady-clock
// wait into pthread_mutex_clocklock, which ThreadSanitizer (GCC 12) does not intercept, so
// it would miss the acquire and report false races. A clock jump only stretches one wait.
inline bool try_lock_within(std::timed_mutex& mu, std::chrono::nanoseconds timeout) {
  return mu.try_lock_until(std::chrono::system_clock::now() +
                           std::chrono::duration_cast<std::chrono::system_clock::duration>(timeout));
}

}  // namespace concur::detail
