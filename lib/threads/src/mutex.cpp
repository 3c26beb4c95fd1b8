#include "concur/threads/mutex.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "concur/core/actor.hpp"
#include "concur/core/clock.hpp"
#include "concur/threads/control.hpp"
#include "concur/threads/timed_lock.hpp"
#include "concur/core/jitter.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"

namespace concur {

Mutex::Mutex(std::string_view name)
    : name_(name),
      waiting_label_(Recorder::intern("waiting for " + name_)),
      holding_label_(Recorder::intern("holding " + name_)) {}

void Mutex::took_it() {
  owner_.store(this_thread_key(), std::memory_order_relaxed);
  Recorder::open(this, SpanKind::holding, holding_label_);
}

// Only this thread ever stores its own key, so seeing it means we hold the lock.
bool Mutex::held_by_me() const noexcept {
  return owner_.load(std::memory_order_relaxed) == this_thread_key();
}

// Every way in passes a jitter point before it tries the lock, not while holding it: a
// holder that sleeps would make every other thread queue behind it (a convoy of wake-ups
// that turned a 0.3 s check run into 20 s on a loaded machine).
void Mutex::lock() {
  jitter::point();
  // Locking a std::timed_mutex we already own is undefined: report it before touching mu_.
  if (held_by_me()) throw DeadlockError::self(current_actor(), name_);
  if (control::active())  // in a controlled run: a step, taken once the lock is free
    control::point(control::Op::lock, this, "lock " + name_, [this] { return !locked(); });
  // Only a lock that is really contended gets a waiting span: the free case stays cheap.
  if (!mu_.try_lock()) {
    ScopedSpan waiting(SpanKind::waiting, waiting_label_);
    detail::lock_watching_for_deadlock(mu_, {&owner_, &name_});
  }
  took_it();
}

bool Mutex::try_lock() {
  jitter::point();
  if (control::active()) control::point(control::Op::try_lock, this, "try to lock " + name_);
  if (held_by_me() || !mu_.try_lock()) return false;
  took_it();
  return true;
}

void Mutex::unlock() {
  if (owner_.load(std::memory_order_relaxed) != this_thread_key())
    throw std::runtime_error("release of '" + name_ + "', which this thread does not hold");
  if (control::active()) control::point(control::Op::unlock, this, "unlock " + name_);
  Recorder::close(this);
  owner_.store(0, std::memory_order_relaxed);
  mu_.unlock();
  jitter::point();  // another thread may take it now, before this one goes on
}

bool Mutex::acquire(bool blocking, std::optional<double> timeout_s) {
  if (!blocking) return try_lock();
  if (!timeout_s) {
    lock();
    return true;
  }
  if (control::active() && control::current_thread_number() >= 0) {  // virtual time: free now, or timed out
    control::point(control::Op::try_lock, this, "lock " + name_ + " with a timeout", [this] { return !locked(); }, {},
                   timeout_duration(*timeout_s));
    if (held_by_me() || !mu_.try_lock()) return false;
    took_it();
    return true;
  }
  if (held_by_me()) {  // it can only fail; wait as Python would, without touching mu_
    std::this_thread::sleep_for(timeout_duration(*timeout_s));
    return false;
  }
  jitter::point();
  if (mu_.try_lock()) {
    took_it();
    return true;
  }
  const bool got = detail::wait_within(mu_, *timeout_s, waiting_label_);
  if (got) took_it();
  return got;
}

bool Mutex::locked() const noexcept { return owner_.load(std::memory_order_relaxed) != 0; }

}  // namespace concur
