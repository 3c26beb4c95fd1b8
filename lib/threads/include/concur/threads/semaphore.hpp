// concur/threads/semaphore.hpp - a counting semaphore that shows on the timeline.
//
// Plays the role of Python's threading.Semaphore: a number of permits; acquire() takes
// one (blocking while there are none), release() gives one back. It has the interface of
// std::counting_semaphore (acquire, release, try_acquire, try_acquire_for), so code
// written for the standard type works with it.
//
// Why not std::counting_semaphore underneath? The one in libstdc++ (GCC 12, Debian 12's
// compiler) can lose a wake-up under contention: release() skips the wake when the count
// is already positive while a waiter is about to sleep, and that waiter sleeps forever
// (GCC bug 98033; our own timeline test hung on it). A mutex and a condition variable
// around a counter have no such window.
//
// While a run is recorded, a thread that has to wait records "waiting for <name>", a
// thread that got a permit records "holding <name>" until it releases it, and the
// number of permits in use is recorded as a counter.
//
// BoundedSemaphore (below) is Python's threading.BoundedSemaphore: the same, except that
// a release() that would leave more free permits than it was created with is an error.
//
// Memory ordering: release() happens before the acquire() that takes that permit.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

#include "concur/core/console.hpp"

namespace concur {

class Semaphore {
 public:
  // `permits` free permits to begin with (>= 0; std::invalid_argument otherwise).
  explicit Semaphore(std::ptrdiff_t permits, std::string_view name = "semaphore");
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // Blocks until a permit is free, then takes it.
  void acquire();
  // Takes a permit if one is free; never blocks.
  bool try_acquire();
  // Waits at most `timeout` for a permit; false if none came.
  bool try_acquire_for(std::chrono::nanoseconds timeout);
  // Python's acquire(blocking=True, timeout=None).
  bool acquire(bool blocking, std::optional<double> timeout_s = std::nullopt);

  // Gives back `n` permits, waking up to n waiters. A plain Semaphore accepts any number
  // (like Python's, the count can grow past the initial one); a BoundedSemaphore throws
  // std::invalid_argument instead, and changes nothing, when it would grow past it.
  void release(std::ptrdiff_t n = 1);
  // The same, and says `saying` (concur::says) under the semaphore's lock just before the
  // permits are free, so the line of whoever takes one next comes after it. Says nothing
  // when a BoundedSemaphore refuses the release.
  void release(const Saying& saying, std::ptrdiff_t n = 1);

  // Free permits now (a snapshot; Python's private _value).
  std::ptrdiff_t value() const;
  // True for a BoundedSemaphore.
  bool bounded() const noexcept { return bounded_; }

  // Permits taken and not yet given back (a snapshot).
  std::ptrdiff_t in_use() const noexcept { return in_use_.load(std::memory_order_relaxed); }
  // The most permits that were ever taken and not yet given back at one moment, since it
  // was made: how many holders were inside together at the fullest (a snapshot).
  std::ptrdiff_t most_in_use() const noexcept { return most_in_use_.load(std::memory_order_relaxed); }
  // The number it was created with.
  std::ptrdiff_t initial() const noexcept { return initial_; }
  const std::string& name() const { return name_; }

 protected:
  Semaphore(std::ptrdiff_t permits, std::string_view name, bool bounded);

 private:
  void took_one();

  bool take_if_free();  // one permit if there is one; never blocks

  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::ptrdiff_t free_;  // guarded by mu_: permits not taken
  std::ptrdiff_t initial_;
  bool bounded_;
  std::string name_;
  std::uint32_t waiting_label_;
  std::uint32_t holding_label_;
  std::uint32_t in_use_label_;
  std::uint32_t release_label_;
  std::atomic<std::ptrdiff_t> in_use_{0};
  std::atomic<std::ptrdiff_t> most_in_use_{0};  // the highest in_use_ ever reached
};

// Plays the role of Python's threading.BoundedSemaphore: a Semaphore whose release()
// throws std::invalid_argument ("Semaphore released too many times", Python's ValueError)
// rather than raise the count above `permits`. It catches a release without an acquire,
// the bug a plain Semaphore silently turns into one permit too many.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(std::ptrdiff_t permits, std::string_view name = "bounded semaphore")
      : Semaphore(permits, name, true) {}
};

}  // namespace concur
