// concur/threads/mutex.hpp - a lock that shows on the timeline.
//
// Plays the role of Python's threading.Lock. It is a std::timed_mutex underneath and
// keeps the standard Lockable interface, so std::lock_guard, std::unique_lock and
// std::scoped_lock work as usual:
//
//     concur::Mutex lock("counter lock");
//     { std::lock_guard guard(lock); ++shared; }   // Python: with lock: shared += 1
//
// While a run is recorded, a thread that finds it taken records a "waiting for <name>"
// span, and the owner a "holding <name>" span. Releasing a lock this thread does not hold
// throws std::runtime_error (Python's RuntimeError) instead of being undefined behaviour.
//
// Deadlocks are found, not hung in (see deadlock.hpp): a lock() that would wait forever
// throws concur::DeadlockError, both for a cycle of threads and for a thread locking a
// Mutex it already holds (Python's Lock would hang there; for re-entry use RLock).
//
// Memory ordering: everything a thread wrote before unlock() is visible to the next thread
// that locks it.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "concur/threads/deadlock.hpp"

namespace concur {

class Mutex {
 public:
  explicit Mutex(std::string_view name = "lock");
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // Lockable: blocks until the lock is this thread's. Throws DeadlockError at once if this
  // thread already holds it, and 50-100 ms after a cycle of waiting threads forms if this
  // thread is the one of the cycle chosen to break it. The uncontended case is a
  // try_lock: no global state is touched.
  void lock();
  // Takes the lock if it is free; never blocks. False if taken, by this thread too.
  bool try_lock();
  // Releases it. Throws std::runtime_error if the calling thread does not hold it.
  void unlock();

  // Python's acquire(blocking=True, timeout=-1): false when not blocking and taken, or
  // when the timeout passed first. Without a timeout it is lock(), deadlock check included;
  // a timed wait ends by itself and is not watched (by its owner it waits, then fails).
  bool acquire(bool blocking = true, std::optional<double> timeout_s = std::nullopt);
  void release() { unlock(); }

  // True while some thread holds it (a snapshot, like Python's locked()).
  bool locked() const noexcept;
  // True when the calling thread holds it (what a Condition over it asks).
  bool held_by_me() const noexcept;

  const std::string& name() const { return name_; }

 private:
  void took_it();

  std::timed_mutex mu_;
  std::string name_;
  std::uint32_t waiting_label_;
  std::uint32_t holding_label_;
  // Which thread holds it (an address unique to each live thread); 0 when free. Written
  // only by the holder, just after taking mu_ and just before giving it back.
  std::atomic<std::uintptr_t> owner_{0};
};

}  // namespace concur
