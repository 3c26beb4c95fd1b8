#include "concur/mp/synchronize.hpp"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <exception>
#include <system_error>

#include "concur/core/clock.hpp"
#include "concur/core/jitter.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"
#include "concur/mp/process.hpp"
#include "spawn.hpp"
#include "stream_gap.hpp"

namespace concur::mp {

OwnerDiedError::OwnerDiedError(const std::string& lock, pid_t pid)
    : std::runtime_error(fmt::format("'{}' was held by process {}, which died holding it; the lock is free "
                                     "again, but what it guarded may be half-updated",
                                     lock, pid)),
      pid_(pid) {}

}  // namespace concur::mp

namespace concur::detail {
namespace {

// A deadline as steady-clock nanoseconds, the futex's and realtime_deadline()'s unit.
std::int64_t ns_of(std::chrono::steady_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
}

timespec to_timespec(std::int64_t ns) {
  return {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

// The deadline on CLOCK_REALTIME, which pthread_mutex_timedlock wants.
timespec realtime_deadline(std::int64_t steady_ns) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const std::int64_t left = std::max<std::int64_t>(0, steady_ns - steady_now_ns());
  return to_timespec(now.tv_sec * 1'000'000'000LL + now.tv_nsec + left);
}

// The calling thread's kernel id, cached per thread; a forked child has a new one.
std::atomic<std::uint64_t> g_fork_generation{0};
struct TidCache {
  std::uint64_t generation = ~std::uint64_t{0};
  std::int32_t tid = 0;
};
thread_local TidCache t_tid;
std::int32_t my_tid() {
  static const bool registered = [] {
    ::pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1); });
    return true;
  }();
  (void)registered;
  const std::uint64_t gen = g_fork_generation.load(std::memory_order_relaxed);
  if (t_tid.generation != gen) t_tid = {gen, static_cast<std::int32_t>(::gettid())};
  return t_tid.tid;
}

Locked settle(MutexCell& cell, int rc) {
  switch (rc) {
    case 0: {
      const std::int32_t me = my_tid();
      if (cell.owner_tid.load(std::memory_order_relaxed) == me) {
        ++cell.depth;  // a recursive lock taken again by its holder
      } else {
        cell.owner_tid.store(me, std::memory_order_relaxed);
        cell.owner_pid.store(mp::current_pid(), std::memory_order_relaxed);
        cell.depth = 1;
      }
      return Locked::yes;
    }
    case EBUSY:
    case ETIMEDOUT: return Locked::timed_out;
    case EDEADLK: return Locked::already_held;
    case EOWNERDEAD:
      // The holder died: the kernel handed the mutex to us. Mark it usable again and
      // forget the dead owner (owner_pid still names it, for the caller's message).
      ::pthread_mutex_consistent(&cell.mutex);
      cell.owner_tid.store(my_tid(), std::memory_order_relaxed);
      cell.depth = 1;
      return Locked::owner_died;
    default: throw std::system_error(rc, std::generic_category(), "pthread_mutex_lock");
  }
}

long futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t value, const timespec* ts) {
  // Not FUTEX_PRIVATE_FLAG: the word may be in memory another process maps.
  return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), op, value, ts, nullptr,
                   FUTEX_BITSET_MATCH_ANY);
}

}  // namespace

MutexCell::MutexCell(bool recursive) {
  pthread_mutexattr_t attr;
  ::pthread_mutexattr_init(&attr);
  ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  ::pthread_mutexattr_settype(&attr, recursive ? PTHREAD_MUTEX_RECURSIVE : PTHREAD_MUTEX_ERRORCHECK);
  const int rc = ::pthread_mutex_init(&mutex, &attr);
  ::pthread_mutexattr_destroy(&attr);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_mutex_init");
}

Locked lock_cell(MutexCell& cell, const Deadline& deadline) {
  if (!deadline) return settle(cell, ::pthread_mutex_lock(&cell.mutex));
  const timespec ts = realtime_deadline(ns_of(*deadline));
  return settle(cell, ::pthread_mutex_timedlock(&cell.mutex, &ts));
}

Locked try_lock_cell(MutexCell& cell) { return settle(cell, ::pthread_mutex_trylock(&cell.mutex)); }

bool unlock_cell(MutexCell& cell) {
  if (cell.owner_tid.load(std::memory_order_relaxed) != my_tid() || cell.depth == 0) return false;
  if (--cell.depth == 0) {
    cell.owner_tid.store(0, std::memory_order_relaxed);
    cell.owner_pid.store(0, std::memory_order_relaxed);
  }
  const int rc = ::pthread_mutex_unlock(&cell.mutex);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_mutex_unlock");
  return true;
}

namespace {

// When this thread's waits come in quick succession (the last one ended under 20 µs
// before this one began: a consumer keeping up with a producer), it looks four times
// whether it has been notified already before sleeping, yielding its core in between: a
// peer on the other core often answers within a microsecond or two, and on a shared core
// the yield lets the peer run first. A futex sleep and its wake-up cost two system calls
// and, across cores, 80 to 115 µs here (bench_process_queue: 0.3x the pipe floor before,
// above 1x after). An occasional wait goes straight to sleep: beside a busy program a
// yield can hand that program a whole time slice, which a woken waiter would not wait.
thread_local std::int64_t t_last_wait_end_ns = 0;

bool notified_soon(const WaitCell& cell, std::uint32_t seen) {
  if (!in_stream(t_last_wait_end_ns)) return false;
  constexpr int kLooks = 4;
  for (int i = 0; i < kLooks; ++i) {
    if (cell.seq.load(std::memory_order_acquire) != seen) return true;
    ::sched_yield();
  }
  return cell.seq.load(std::memory_order_acquire) != seen;
}

}  // namespace

bool wait_cell(WaitCell& cell, MutexCell& mutex, const Deadline& deadline, std::string_view object,
               std::string_view operation) {
  const std::uint32_t seen = cell.seq.load(std::memory_order_acquire);
  unlock_cell(mutex);
  if (notified_soon(cell, seen)) {
    lock_cell(mutex, {});
    t_last_wait_end_ns = steady_now_ns();
    return true;
  }
  // Announced only now, so a notifier that came during the spin made no system call. One
  // that comes between the spin and the announcement changed seq: the futex wait below
  // then returns at once.
  cell.waiters.fetch_add(1, std::memory_order_acq_rel);
  bool timed_out = false;
  std::exception_ptr peer_died;
  // Sleeps in slices: between two, a child of this process that died unexpectedly (it
  // may have been the one to wake us) ends the wait with PeerDiedError.
  for (;;) {
    std::int64_t until = steady_now_ns() + std::int64_t{mp::kPeerCheckMs} * 1'000'000;
    const bool last = deadline && ns_of(*deadline) <= until;
    if (last) until = ns_of(*deadline);
    // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline: the steady clock's.
    const timespec ts = to_timespec(until);
    if (!(futex(&cell.seq, FUTEX_WAIT_BITSET, seen, &ts) == -1 && errno == ETIMEDOUT)) break;  // woken (or EINTR): re-check
    if (last) {
      timed_out = true;
      break;
    }
    if (cell.seq.load(std::memory_order_acquire) != seen) break;
    try {
      // Named only here, after a whole slice: not on every wait.
      mp::throw_if_a_peer_died(object.empty() ? std::string("a shared object") : fmt::format("'{}' ({})", object, operation));
    } catch (...) {
      peer_died = std::current_exception();
      break;
    }
  }
  cell.waiters.fetch_sub(1, std::memory_order_acq_rel);
  lock_cell(mutex, {});  // a dead previous holder does not matter to a waiter
  t_last_wait_end_ns = steady_now_ns();
  if (peer_died) std::rethrow_exception(peer_died);  // with the mutex held, as the caller expects
  return !timed_out;
}

void notify_all(WaitCell& cell) {
  cell.seq.fetch_add(1, std::memory_order_acq_rel);
  if (cell.waiters.load(std::memory_order_acquire) > 0) futex(&cell.seq, FUTEX_WAKE, INT_MAX, nullptr);
}

CellGuard::CellGuard(MutexCell& cell) : cell_(cell) { lock_cell(cell_, {}); }
CellGuard::~CellGuard() { unlock_cell(cell_); }

}  // namespace concur::detail

namespace concur::mp {

// ---- Lock and RLock ----------------------------------------------------------------

Lock::Lock(detail::Placed<detail::MutexCell> placed, bool recursive)
    : placed_(std::move(placed)),
      recursive_(recursive),
      waiting_label_(Recorder::intern("waiting for " + placed_.name)),
      holding_label_(Recorder::intern("holding " + placed_.name)) {}

Lock::Lock(std::string_view name) : Lock(detail::create_placed<detail::MutexCell>("Lock", name, 0, false), false) {}

Lock Lock::adopt(detail::Fd fd) { return Lock(detail::adopt_placed<detail::MutexCell>(std::move(fd), "Lock"), false); }

RLock::RLock(std::string_view name)
    : Lock(detail::create_placed<detail::MutexCell>("RLock", name, 0, true), true) {}

RLock RLock::adopt(detail::Fd fd) {
  return RLock(detail::adopt_placed<detail::MutexCell>(std::move(fd), "RLock"), true);
}

void Lock::took_it(detail::Locked how) {
  detail::MutexCell& cell = *placed_.cell;
  if (how == detail::Locked::already_held)
    throw std::runtime_error(fmt::format("'{}' is already held by this thread: taking it again would wait "
                                         "forever (an RLock can be taken again)",
                                         placed_.name));
  if (how == detail::Locked::owner_died) {
    const pid_t dead = cell.owner_pid.load(std::memory_order_relaxed);
    detail::unlock_cell(cell);
    Recorder::instant(Recorder::intern(fmt::format("{} freed: its holder died", placed_.name)));
    throw OwnerDiedError(placed_.name, dead);
  }
  if (cell.depth == 1) Recorder::open(&cell, SpanKind::holding, holding_label_);
}

void Lock::lock() { acquire(true); }

bool Lock::try_lock() { return acquire(false); }

void Lock::unlock() {
  detail::MutexCell& cell = *placed_.cell;
  const bool last = cell.depth == 1;
  if (cell.owner_tid.load(std::memory_order_relaxed) == 0 || !detail::unlock_cell(cell))
    throw std::runtime_error(fmt::format("release of '{}', which this thread does not hold", placed_.name));
  if (last) Recorder::close(&cell);
  jitter::point();
}

bool Lock::acquire(bool blocking, std::optional<double> timeout_s) {
  jitter::point();
  detail::MutexCell& cell = *placed_.cell;
  detail::Locked how = detail::try_lock_cell(cell);
  if (how == detail::Locked::timed_out && blocking) {
    // Only a lock really contended gets a waiting span: the free case stays cheap.
    ScopedSpan waiting(SpanKind::waiting, waiting_label_);
    how = detail::lock_cell(cell, deadline_after(timeout_s));
  }
  if (how == detail::Locked::timed_out || (how == detail::Locked::already_held && !blocking)) return false;
  took_it(how);
  return true;
}

// ---- Semaphore --------------------------------------------------------------------

Semaphore::Semaphore(detail::Placed<detail::SemaphoreCell> placed)
    : placed_(std::move(placed)),
      waiting_label_(Recorder::intern("waiting for " + placed_.name)),
      release_label_(Recorder::intern(placed_.name + " released")) {}

Semaphore::Semaphore(std::int64_t permits, std::string_view name, bool bounded)
    : Semaphore(detail::create_placed<detail::SemaphoreCell>("Semaphore", name, 0)) {
  if (permits < 0) throw std::invalid_argument("Semaphore: the number of permits must be 0 or more");
  placed_.cell->value = permits;
  placed_.cell->initial = permits;
  placed_.cell->bounded = bounded;
}

Semaphore Semaphore::adopt(detail::Fd fd) {
  return Semaphore(detail::adopt_placed<detail::SemaphoreCell>(std::move(fd), "Semaphore"));
}

void Semaphore::acquire() { acquire(true); }

bool Semaphore::acquire(bool blocking, std::optional<double> timeout_s) {
  jitter::point();
  detail::SemaphoreCell& c = *placed_.cell;
  const Deadline deadline = deadline_after(blocking ? timeout_s : 0.0);
  detail::CellGuard guard(c.mutex);
  if (c.value == 0) {
    if (!blocking) return false;
    ScopedSpan waiting(SpanKind::waiting, waiting_label_);
    while (c.value == 0)
      if (!detail::wait_cell(c.freed, c.mutex, deadline, placed_.name, "acquire") && c.value == 0)
        return false;
  }
  --c.value;
  return true;
}

void Semaphore::release(std::int64_t n) {
  if (n < 1) throw std::invalid_argument("Semaphore::release: n must be at least 1");
  detail::SemaphoreCell& c = *placed_.cell;
  {
    detail::CellGuard guard(c.mutex);
    if (c.bounded && c.value + n > c.initial)
      throw std::logic_error(fmt::format("'{}' released more times than it was acquired", placed_.name));
    c.value += n;
    detail::notify_all(c.freed);
  }
  Recorder::instant(release_label_);
  jitter::point();
}

std::int64_t Semaphore::get_value() const {
  detail::CellGuard guard(placed_.cell->mutex);
  return placed_.cell->value;
}

// ---- Barrier ----------------------------------------------------------------------

Barrier::Barrier(detail::Placed<detail::BarrierCell> placed, std::function<void()> action)
    : placed_(std::move(placed)),
      action_(std::move(action)),
      waiting_label_(Recorder::intern("waiting at " + placed_.name)) {}

Barrier::Barrier(std::int64_t parties, std::function<void()> action, std::string_view name)
    : Barrier(detail::create_placed<detail::BarrierCell>("Barrier", name, 0), std::move(action)) {
  if (parties < 1) throw std::invalid_argument("Barrier: parties must be at least 1");
  placed_.cell->parties = parties;
}

Barrier Barrier::adopt(detail::Fd fd, std::function<void()> action) {
  return Barrier(detail::adopt_placed<detail::BarrierCell>(std::move(fd), "Barrier"), std::move(action));
}

void Barrier::break_locked() {
  placed_.cell->broken = true;
  detail::notify_all(placed_.cell->released);
}

std::int64_t Barrier::wait(std::optional<double> timeout_s) {
  jitter::point();
  detail::BarrierCell& c = *placed_.cell;
  const Deadline deadline = deadline_after(timeout_s);
  detail::CellGuard guard(c.mutex);
  if (c.broken) throw BrokenBarrierError(placed_.name);
  const std::int64_t index = c.arrived++;
  if (c.arrived == c.parties) {  // the last one: run the action, then let everyone go
    try {
      if (action_) action_();
    } catch (...) {
      break_locked();
      throw;
    }
    c.arrived = 0;
    ++c.generation;
    detail::notify_all(c.released);
    return index;
  }
  const std::uint64_t round = c.generation;
  ScopedSpan waiting(SpanKind::waiting, waiting_label_);
  try {
    while (c.generation == round && !c.broken)
      if (!detail::wait_cell(c.released, c.mutex, deadline, placed_.name, "wait") && c.generation == round) {
        break_locked();  // timed out: the others must not wait for us either
        break;
      }
  } catch (...) {  // a child died: whoever waits with us would wait for ever
    break_locked();
    throw;
  }
  if (c.generation != round) return index;
  throw BrokenBarrierError(placed_.name);
}

void Barrier::abort() {
  detail::CellGuard guard(placed_.cell->mutex);
  break_locked();
}

std::int64_t Barrier::parties() const { return placed_.cell->parties; }

bool Barrier::broken() const {
  detail::CellGuard guard(placed_.cell->mutex);
  return placed_.cell->broken;
}

// ---- Event ------------------------------------------------------------------------

Event::Event(detail::Placed<detail::EventCell> placed)
    : placed_(std::move(placed)),
      waiting_label_(Recorder::intern("waiting for " + placed_.name)),
      set_label_(Recorder::intern(placed_.name + " set")) {}

Event::Event(std::string_view name) : Event(detail::create_placed<detail::EventCell>("Event", name, 0)) {}

Event Event::adopt(detail::Fd fd) { return Event(detail::adopt_placed<detail::EventCell>(std::move(fd), "Event")); }

void Event::set() {
  {
    detail::CellGuard guard(placed_.cell->mutex);
    placed_.cell->flag = true;
    detail::notify_all(placed_.cell->changed);
  }
  Recorder::instant(set_label_);
  jitter::point();
}

void Event::clear() {
  detail::CellGuard guard(placed_.cell->mutex);
  placed_.cell->flag = false;
}

bool Event::is_set() const {
  jitter::point();
  detail::CellGuard guard(placed_.cell->mutex);
  return placed_.cell->flag;
}

bool Event::wait(std::optional<double> timeout_s) {
  jitter::point();
  detail::EventCell& c = *placed_.cell;
  const Deadline deadline = deadline_after(timeout_s);
  detail::CellGuard guard(c.mutex);
  if (c.flag) return true;
  ScopedSpan waiting(SpanKind::waiting, waiting_label_);
  while (!c.flag)
    if (!detail::wait_cell(c.changed, c.mutex, deadline, placed_.name, "wait")) break;
  return c.flag;
}

// ---- StartLine --------------------------------------------------------------------

StartLine::StartLine(std::ptrdiff_t count, std::string_view name)
    : placed_(detail::create_placed<concur::StartLine>("StartLine", name, 0, count, 20'000'000L)) {}

StartLine StartLine::adopt(detail::Fd fd) {
  return StartLine(detail::adopt_placed<concur::StartLine>(std::move(fd), "StartLine"));
}

}  // namespace concur::mp
