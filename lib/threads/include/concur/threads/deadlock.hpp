// concur/threads/deadlock.hpp - finding a deadlock instead of hanging in it.
//
// Python has no deadlock detector: two threads that wait for each other's locks simply
// wait forever. concur's own locks (Mutex, RLock) keep a wait-for graph so a demo can
// show the deadlock and still end:
//
//   - who holds a lock is the lock's owner field (an atomic the lock already keeps);
//   - who waits for which lock is a small global registry, written only by a thread that
//     has already waited one check interval; the uncontended lock() never touches it.
//
// A thread blocked in lock() waits in slices of kDeadlockCheckInterval. After each slice it
// follows the chain "this lock is held by T, T waits for that lock, held by U, ..." under
// the registry's mutex. When the chain comes back to itself, the threads on it can never
// go on: the thread that found the cycle stops waiting and lock() throws DeadlockError,
// which names every thread on the cycle with the lock it holds and the lock it waits for.
// The victim's RAII guards then release what it holds, and the others can finish. Exactly
// one thread per cycle is chosen: the finder leaves the registry in the same critical
// section, so the chain is broken for everyone after it.
//
// Detection takes between one and two check intervals (50-100 ms) of real time after the
// cycle closes. It does not follow --time-scale: the library does not know the scale, and
// a tenth of a second is already short next to any demo's sleeps.
//
// A plain Mutex locked again by its owner is a cycle of length one; it is reported at once
// ("would deadlock: MainThread already holds lock A") without ever calling the underlying
// std::timed_mutex, whose relocking by its owner would be undefined behaviour.
//
// What is not seen: waits on anything other than Mutex/RLock (an Event, a join, a timed
// acquire, which ends by itself), and cycles through processes.
//
// Memory ordering: the registry is read and written under its own std::mutex. A lock's
// owner field is stored by its owner before that thread enters the registry and cleared
// before it unlocks, so a chain read under the registry mutex is a real one: every thread
// on it is still inside lock() and cannot release what it holds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace concur {

// How long a blocked lock() waits between two looks for a cycle.
inline constexpr std::chrono::milliseconds kDeadlockCheckInterval{50};

// Thrown by lock() in the one thread chosen to break a deadlock (Python would hang).
class DeadlockError : public std::runtime_error {
 public:
  // One thread of the cycle: its name, the lock of the cycle it holds, the one it wants.
  struct Edge {
    std::string thread;
    std::string holds;
    std::string waits_for;
  };

  // A cycle of two or more threads, the thread that found it first.
  explicit DeadlockError(std::vector<Edge> cycle);
  // A thread locking a non-reentrant lock it already holds.
  static DeadlockError self(const std::string& thread, const std::string& lock);

  const std::vector<Edge>& cycle() const noexcept { return cycle_; }

 private:
  DeadlockError(std::string what, std::vector<Edge> cycle);
  std::vector<Edge> cycle_;
};

namespace detail {

// What the registry needs to know about a lock: who holds it and what it is called. Both
// live in the lock, which outlives every thread blocked on it.
struct LockIdentity {
  const std::atomic<std::uintptr_t>* owner;  // 0 when free
  const std::string* name;
};

// The contended half of lock(): blocks until `mu` is the caller's, looking for a cycle
// after every check interval. Throws DeadlockError (without taking `mu`) when the caller
// is chosen to break one. The caller then records itself as the owner.
void lock_watching_for_deadlock(std::timed_mutex& mu, LockIdentity lock);

}  // namespace detail

}  // namespace concur
