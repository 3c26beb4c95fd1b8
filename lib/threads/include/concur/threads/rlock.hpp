// concur/threads/rlock.hpp - a reentrant lock that shows on the timeline.
//
// Plays the role of Python's threading.RLock: the thread that holds it may take it again
// (a function under the lock calling another that takes the same lock, or itself), and
// must give it back as many times as it took it; only the last release() frees it for
// other threads. It keeps the standard Lockable interface, so std::lock_guard,
// std::unique_lock and std::scoped_lock work as with Mutex:
//
//     concur::RLock lock("tree lock");
//     void visit(Node& n) { std::lock_guard guard(lock); for (auto& c : n.children) visit(c); }
//
// Like std::recursive_timed_mutex, but it knows its owner, so a release by a thread that
// does not hold it throws std::runtime_error (Python's RuntimeError) instead of being
// undefined behaviour. While a run is recorded, the outermost acquire opens one
// "holding <name>" span and the last release closes it; a thread that has to wait records
// "waiting for <name>". A wait caught in a cycle of threads may throw DeadlockError
// (one thread per cycle is told; see deadlock.hpp); re-entry by the owner never does.
//
// Memory ordering: everything a thread wrote before its last unlock() is visible to the
// next thread that locks it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace concur {

class RLock {
 public:
  explicit RLock(std::string_view name = "rlock");
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  // Lockable: returns at once when this thread already holds it (one level deeper),
  // otherwise blocks until it is free. Throws DeadlockError if this thread is chosen to
  // break a cycle of waiting threads.
  void lock();
  // Takes it (or one level deeper) if that needs no waiting; never blocks.
  bool try_lock();
  // One level less; the last one frees it. Throws std::runtime_error if the calling
  // thread does not hold it.
  void unlock();

  // Python's acquire(blocking=True, timeout=-1) and release().
  bool acquire(bool blocking = true, std::optional<double> timeout_s = std::nullopt);
  void release() { unlock(); }

  // True while some thread holds it (a snapshot).
  bool locked() const noexcept;
  // True when the calling thread holds it (Python's private _is_owned()).
  bool is_owned() const noexcept;
  // How many times the calling thread holds it now: 0 when it does not.
  std::size_t depth() const noexcept;

  const std::string& name() const { return name_; }

 private:
  void took_it();

  std::timed_mutex mu_;
  std::string name_;
  std::uint32_t waiting_label_;
  std::uint32_t holding_label_;
  // Which thread holds it (see this_thread_key() in core/actor.hpp); 0 when free. Written only by the
  // holder, just after taking mu_ and just before giving it back.
  std::atomic<std::uintptr_t> owner_{0};
  std::size_t count_ = 0;  // guarded by mu_: only the owner reads or writes it
};

}  // namespace concur
