// concur/mp/synchronize.hpp - Lock, RLock, Semaphore and Event shared by processes.
//
// Play the roles of multiprocessing.Lock, RLock, Semaphore and Event: the same surface as
// the thread versions (lock/unlock, acquire(blocking, timeout), release, set/wait ...),
// but each lives in a SharedMemory block, so every process that has it shares one lock.
//
//     concur::mp::Lock lock("counter lock");
//     concur::mp::Process child([&] { std::lock_guard guard(lock); ... });   // fork: shared as is
//     concur::mp::Process other(Target{"work", {}, {lock.fileno()}}, ...);    // spawn: hand it over
//     // ... and in the entry:  auto lock = concur::mp::Lock::adopt(std::move(handed.at(0)));
//
// Underneath: Lock and RLock are POSIX mutexes made process-shared and robust. Robust
// matters between processes: a thread that dies holding a lock cannot release it, but a
// process can be killed at any instruction. With a robust mutex the kernel notices the
// death and the next acquire() learns of it (EOWNERDEAD) instead of waiting forever; here
// it throws OwnerDiedError naming the dead process, and the lock is free again. Whatever
// the lock guarded may be half-updated: that is for the caller to judge.
//
// Semaphore and Event wait on a futex (the kernel's wait-on-an-address call) in the shared
// block, because std::condition_variable and std::atomic::wait only work within one
// process. None of them can be left held by a dead process: they have no owner.
//
// A forked child keeps its parent's mapping, so the same object works in both. Unlike
// Python, releasing a Lock or RLock the calling thread does not hold throws
// std::runtime_error, and taking a Lock twice in one thread throws instead of hanging.
//
// Memory ordering: as for the thread primitives, across processes. Everything a process
// wrote to shared memory before release(), set() or notify is visible to the process
// whose acquire() or wait() returned after it: the robust mutex and the futex words live
// in the shared mapping and order both sides.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "concur/core/timeout.hpp"
#include "concur/mp/shared_memory.hpp"
#include "concur/threads/barrier.hpp"
#include "concur/threads/start_line.hpp"

namespace concur::mp {

// The process (or thread) that held a lock ended without releasing it.
class OwnerDiedError : public std::runtime_error {
 public:
  OwnerDiedError(const std::string& lock, pid_t pid);
  pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_;
};

}  // namespace concur::mp

namespace concur::detail {

// The waits below take concur::Deadline (concur/core/timeout.hpp): a steady-clock instant,
// or nullopt for none. The steady clock is CLOCK_MONOTONIC, the clock futexes take.

// A robust, process-shared mutex, placed in shared memory.
struct alignas(64) MutexCell {
  pthread_mutex_t mutex;
  // Written by the holder only: its kernel thread id and process id (0 when free; after a
  // holder died, its pid until the next holder), and how many times it took the lock.
  std::atomic<std::int32_t> owner_tid{0};
  std::atomic<std::int32_t> owner_pid{0};
  std::uint32_t depth = 0;
  explicit MutexCell(bool recursive);
};

enum class Locked { yes, timed_out, already_held, owner_died };
// Takes the mutex, waiting until the deadline. owner_died: taken, after its last holder
// died holding it (already made consistent again). already_held: a non-recursive mutex the
// calling thread holds.
Locked lock_cell(MutexCell& cell, const Deadline& deadline);
Locked try_lock_cell(MutexCell& cell);
// Releases it; false when the calling thread does not hold it.
bool unlock_cell(MutexCell& cell);

// Waiters sleeping on a futex until notify_all(): the shared-memory condition variable.
struct WaitCell {
  std::atomic<std::uint32_t> seq{0};
  std::atomic<std::uint32_t> waiters{0};
};
// Call holding `mutex`: releases it, sleeps until notified or the deadline, takes it again.
// Returns false when the deadline passed. Spurious wake-ups happen: re-check in a loop.
// Throws mp::PeerDiedError (with the mutex held again) when a child this process started
// dies unexpectedly meanwhile; `object` and `operation` ("work queue", "get") name what
// was waited for in its message.
bool wait_cell(WaitCell& cell, MutexCell& mutex, const Deadline& deadline, std::string_view object = {},
               std::string_view operation = {});
// Call holding the mutex the waiters use.
void notify_all(WaitCell& cell);

struct SemaphoreCell {
  MutexCell mutex{false};
  WaitCell freed;
  std::int64_t value = 0;    // guarded by mutex
  std::int64_t initial = 0;
  bool bounded = false;
};

struct EventCell {
  MutexCell mutex{false};
  WaitCell changed;
  bool flag = false;  // guarded by mutex
};

struct BarrierCell {
  MutexCell mutex{false};
  WaitCell released;
  std::int64_t parties = 0;
  std::int64_t arrived = 0;       // guarded by mutex: in this round so far
  std::uint64_t generation = 0;   // guarded by mutex: rounds completed
  bool broken = false;            // guarded by mutex
};

// Takes a mutex for a short internal step: an owner that died is forgotten (the steps
// guarded this way are written to leave the state whole at every instant that matters).
class CellGuard {
 public:
  explicit CellGuard(MutexCell& cell);
  ~CellGuard();
  CellGuard(const CellGuard&) = delete;
  CellGuard& operator=(const CellGuard&) = delete;

 private:
  MutexCell& cell_;
};

}  // namespace concur::detail

namespace concur::mp {

class Lock {
 public:
  explicit Lock(std::string_view name = "lock");
  // The lock a parent handed to this process (its fileno() listed in Target::fds).
  static Lock adopt(detail::Fd fd);

  // Lockable, for std::lock_guard and std::unique_lock. lock() throws OwnerDiedError
  // (and leaves the lock free) when its holder died holding it.
  void lock();
  bool try_lock();
  void unlock();
  // Python's acquire(blocking=True, timeout=None) and release().
  bool acquire(bool blocking = true, std::optional<double> timeout_s = std::nullopt);
  void release() { unlock(); }

  const std::string& name() const noexcept { return placed_.name; }
  int fileno() const noexcept { return placed_.block->fileno(); }

  // A lock living inside another shared object's block (Value, Array).
  Lock(detail::Placed<detail::MutexCell> placed, bool recursive);

 protected:
  void took_it(detail::Locked how);
  detail::Placed<detail::MutexCell> placed_;
  bool recursive_ = false;
  std::uint32_t waiting_label_ = 0;
  std::uint32_t holding_label_ = 0;
};

// A lock its holder may take again (each acquire needs its release): multiprocessing.RLock.
class RLock : public Lock {
 public:
  explicit RLock(std::string_view name = "rlock");
  static RLock adopt(detail::Fd fd);
  using Lock::Lock;
};

class Semaphore {
 public:
  // `permits` free at first. bounded: release() beyond that throws std::logic_error
  // (multiprocessing.BoundedSemaphore).
  explicit Semaphore(std::int64_t permits, std::string_view name = "semaphore", bool bounded = false);
  static Semaphore adopt(detail::Fd fd);

  void acquire();
  bool acquire(bool blocking, std::optional<double> timeout_s = std::nullopt);
  bool try_acquire() { return acquire(false); }
  void release(std::int64_t n = 1);

  // Python's `with semaphore:`: a permit taken now and released when the Permit is
  // destroyed, however the scope ends.
  //     { auto permit = room.hold(); work(); }
  class [[nodiscard]] Permit {
   public:
    explicit Permit(Semaphore& semaphore) : semaphore_(&semaphore) { semaphore_->acquire(); }
    ~Permit() { semaphore_->release(); }
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;

   private:
    Semaphore* semaphore_;
  };
  Permit hold() { return Permit(*this); }
  // Permits free right now (Python's get_value()).
  std::int64_t get_value() const;

  const std::string& name() const noexcept { return placed_.name; }
  int fileno() const noexcept { return placed_.block->fileno(); }

 private:
  explicit Semaphore(detail::Placed<detail::SemaphoreCell> placed);
  detail::Placed<detail::SemaphoreCell> placed_;
  std::uint32_t waiting_label_ = 0;
  std::uint32_t release_label_ = 0;
};

class Event {
 public:
  explicit Event(std::string_view name = "event");
  static Event adopt(detail::Fd fd);

  void set();
  void clear();
  bool is_set() const;
  // Waits until set, at most timeout_s seconds; returns the flag (false on timeout).
  bool wait(std::optional<double> timeout_s = std::nullopt);

  const std::string& name() const noexcept { return placed_.name; }
  int fileno() const noexcept { return placed_.block->fileno(); }

 private:
  explicit Event(detail::Placed<detail::EventCell> placed);
  detail::Placed<detail::EventCell> placed_;
  std::uint32_t waiting_label_ = 0;
  std::uint32_t set_label_ = 0;
};

// threading.Barrier for processes (multiprocessing.Barrier): `parties` processes call
// wait(), and all go on once the last has arrived; the action runs once per round, in the
// last process to arrive. Each process gives the action when it makes or adopts the
// barrier (a function cannot travel to a spawned child); it should change only shared
// memory, which every party sees after its wait(). A timeout, abort(), a throwing action
// or a dead child (PeerDiedError in the parent's wait) breaks the barrier, and every wait
// on it then throws concur::BrokenBarrierError.
class Barrier {
 public:
  explicit Barrier(std::int64_t parties, std::function<void()> action = {}, std::string_view name = "barrier");
  static Barrier adopt(detail::Fd fd, std::function<void()> action = {});

  // This process's arrival index in the round: 0 for the first, parties - 1 for the last.
  std::int64_t wait(std::optional<double> timeout_s = std::nullopt);
  void abort();
  std::int64_t parties() const;
  bool broken() const;

  const std::string& name() const noexcept { return placed_.name; }
  int fileno() const noexcept { return placed_.block->fileno(); }

 private:
  Barrier(detail::Placed<detail::BarrierCell> placed, std::function<void()> action);
  void break_locked();  // with the cell's mutex held
  detail::Placed<detail::BarrierCell> placed_;
  std::function<void()> action_;
  std::uint32_t waiting_label_ = 0;
};

// concur::StartLine for processes: `count` processes arrive, spin until the last one
// has, and go at the same instant (waking a sleeping process takes longer than the race
// in process-race lasts). It spins far longer before yielding than the thread version
// (about 20 ms): starting a process takes milliseconds, and a process that yields early
// lets the next one start on its own core, where the two then take turns instead of
// running side by side.
class StartLine {
 public:
  explicit StartLine(std::ptrdiff_t count, std::string_view name = "start line");
  static StartLine adopt(detail::Fd fd);

  void arrive_and_wait() noexcept { placed_.cell->arrive_and_wait(); }
  int fileno() const noexcept { return placed_.block->fileno(); }

 private:
  explicit StartLine(detail::Placed<concur::StartLine> placed) : placed_(std::move(placed)) {}
  detail::Placed<concur::StartLine> placed_;
};

}  // namespace concur::mp
