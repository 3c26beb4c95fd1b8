// concur/threads/condition.hpp - a lock with a waiting room: wait until some state changes.
//
// Plays the role of Python's threading.Condition. A condition pairs a lock with a list
// of sleeping threads. A thread takes the lock, looks at the shared state, and if it
// cannot go on yet calls wait(): that releases the lock and sleeps in one step, so no
// notify can slip in between. Another thread takes the lock, changes the state, and
// calls notify(); the sleeper wakes, takes the lock back, and looks again.
//
//     concur::Condition changed("buffer");
//     {   // Python: with changed: changed.wait_for(lambda: len(buffer) > 0)
//       std::unique_lock guard(changed);
//       changed.wait_for([&] { return !buffer.empty(); });
//       take(buffer);
//     }
//
// The lock is its own concur::Mutex unless one is given (any Lockable: concur::Mutex,
// std::mutex, ...); several conditions may share one lock, as in Python. The condition is
// Lockable itself (lock/try_lock/unlock, acquire/release), so std::unique_lock,
// std::lock_guard and std::scoped_lock take it like Python's `with cond:`. Over a
// concur::Mutex or concur::RLock the lock may also be taken directly (Python's
// `cond = Condition(lock)`, then `with lock: cond.wait()`): the condition asks the lock
// whether the caller holds it. A lock that cannot say (std::mutex) must be taken through
// a condition (this one or another over the same lock): each thread keeps a note of the
// locks it took that way, and wait/notify consult the note.
//
// Always wait for a state, never for a notify: `while (!ready) wait();` or wait_for(pred).
// A notify sent before the waiter arrived is gone (it is not remembered the way an Event
// remembers set()), and a wait may also return for no reason (a spurious wake-up).
//
// Waiting or notifying without holding the lock throws std::runtime_error, as Python
// raises RuntimeError ("cannot wait on un-acquired lock"). Over a concur::RLock, waiting
// while holding it more than once throws too: wait() here releases one level only. While a run is recorded, a
// wait is a "waiting for <name>" span and notify()/notify_all() are instants.
//
// Memory ordering: the lock gives it. Everything a thread wrote before it released the
// lock (by unlock() or by entering wait()) is visible to the next thread that takes the
// lock, including a waiter when its wait() returns.
#pragma once

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <deque>

#include "concur/core/timeout.hpp"
#include "concur/threads/control.hpp"
#include "concur/threads/mutex.hpp"
#include "concur/core/timeline.hpp"

namespace concur {

// What std::unique_lock needs of a lock (the standard's Lockable requirement).
template <typename L>
concept Lockable = requires(L& l) {
  l.lock();
  { l.try_lock() } -> std::convertible_to<bool>;
  l.unlock();
};

class Condition {
 public:
  // A condition over a lock of its own, a concur::Mutex named "<name> lock".
  explicit Condition(std::string_view name = "condition");
  // A condition over `lock` (any Lockable), which must outlive it.
  template <Lockable L>
    requires(!std::same_as<L, Condition>)  // not a copy in disguise
  explicit Condition(L& lock, std::string_view name = "condition")
      : Condition(name, &lock, &ops_for<L>) {}

  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // Lockable: blocks until the lock is this thread's.
  void lock();
  // Takes the lock if it is free; never blocks.
  bool try_lock();
  // Releases it. Throws std::runtime_error if this thread did not take it here.
  void unlock();
  // Python's acquire(blocking=True) / release().
  bool acquire(bool blocking = true);
  void release() { unlock(); }

  // Releases the lock, sleeps until notified (or at most `timeout_s` seconds), then takes
  // the lock back before returning, whatever the outcome. Returns false when the timeout
  // passed first. It may also return true with nothing changed (a spurious wake-up): look
  // at the state again. Throws std::runtime_error unless this thread holds the lock
  // (exactly once, for a recursive lock).
  bool wait(std::optional<double> timeout_s = std::nullopt);

  // Waits until `predicate()` is true, checking it first and after every wake-up, with
  // the lock held each time. Returns the predicate's last value: false only when the
  // timeout passed with it still false. Throws std::runtime_error unless this thread
  // holds the lock.
  template <typename Predicate>
  bool wait_for(Predicate predicate, std::optional<double> timeout_s = std::nullopt) {
    require_waitable();
    if (predicate()) return true;
    if (control::active() && control::current_thread_number() >= 0) {  // each wait a step of its own
      while (!predicate())
        if (!wait(timeout_s)) return predicate();
      return true;
    }
    ScopedSpan waiting(SpanKind::waiting, waiting_label_);
    if (!timeout_s) {
      cv_.wait(*this, predicate);
      return true;
    }
    return cv_.wait_for(*this, timeout_duration(*timeout_s), predicate);
  }

  // Wakes up to n threads waiting on this condition (none if none waits: a notify is not
  // remembered). The woken threads run once the notifier releases the lock. Never
  // blocks. Throws std::runtime_error unless this thread holds the lock.
  // Narration: say() what you changed before releasing the lock (before or after the
  // notify, both are under the lock); a woken thread's line then always comes after
  // it, since its wait() cannot return before it has the lock back. No narration
  // hook is needed here.
  void notify(int n = 1);
  // Wakes every thread waiting on this condition.
  void notify_all();

  const std::string& name() const { return name_; }

 private:
  // How to drive the lock we were given, whatever its type.
  struct LockOps {
    void (*lock)(void*);
    bool (*try_lock)(void*);
    void (*unlock)(void*);
    // How many times the calling thread holds it, or -1 when the lock cannot say.
    std::ptrdiff_t (*held)(const void*);
  };
  template <Lockable L>
  static std::ptrdiff_t held_levels(const void* l) {
    const L& lock = *static_cast<const L*>(l);
    if constexpr (requires { lock.depth(); })
      return static_cast<std::ptrdiff_t>(lock.depth());
    else if constexpr (requires { lock.held_by_me(); })
      return lock.held_by_me() ? 1 : 0;
    else
      return -1;
  }
  template <Lockable L>
  static constexpr LockOps ops_for = {
      [](void* l) { static_cast<L*>(l)->lock(); },
      [](void* l) { return static_cast<bool>(static_cast<L*>(l)->try_lock()); },
      [](void* l) { static_cast<L*>(l)->unlock(); },
      &held_levels<L>,
  };
  // Levels the calling thread holds: from the lock when it can say, else from the note.
  std::ptrdiff_t levels_held() const;
  bool lock_knows() const { return ops_->held(lock_) >= 0; }

  Condition(std::string_view name, void* lock, const LockOps* ops);
  void require_owned(const char* what) const;
  void require_waitable() const;  // owned, and only once

  std::string name_;
  std::unique_ptr<Mutex> own_lock_;  // set when no lock was given
  void* lock_;                       // own_lock_ or the given one
  const LockOps* ops_;
  // Sleepers wait here; condition_variable_any works over any Lockable (here, *this).
  std::condition_variable_any cv_;
  // In a controlled run: the tickets of the waiters not yet notified, oldest first.
  bool wait_controlled(std::optional<double> timeout_s);
  std::uint64_t next_ticket_ = 0;
  std::deque<std::uint64_t> pending_;
  std::uint32_t waiting_label_;
  std::uint32_t notify_label_;
  std::uint32_t notify_all_label_;
};

}  // namespace concur
