#include "concur/threads/rlock.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "concur/threads/control.hpp"
#include "concur/threads/deadlock.hpp"
#include "concur/threads/timed_lock.hpp"
#include "concur/core/jitter.hpp"
#include "concur/core/actor.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"

namespace concur {

RLock::RLock(std::string_view name)
    : name_(name),
      waiting_label_(Recorder::intern("waiting for " + name_)),
      holding_label_(Recorder::intern("holding " + name_)) {}

void RLock::took_it() {
  owner_.store(this_thread_key(), std::memory_order_relaxed);
  count_ = 1;
  Recorder::open(this, SpanKind::holding, holding_label_);
}

// As in Mutex, a jitter point comes before trying the lock, never while holding it.
void RLock::lock() {
  if (is_owned()) {  // re-entry: we hold mu_ already, just count
    ++count_;
    return;
  }
  jitter::point();
  if (control::active())  // in a controlled run: a step, taken once the lock is free
    control::point(control::Op::lock, this, "lock " + name_, [this] { return !locked(); });
  if (!mu_.try_lock()) {
    ScopedSpan waiting(SpanKind::waiting, waiting_label_);
    detail::lock_watching_for_deadlock(mu_, {&owner_, &name_});
  }
  took_it();
}

bool RLock::try_lock() {
  if (is_owned()) {
    ++count_;
    return true;
  }
  jitter::point();
  if (control::active()) control::point(control::Op::try_lock, this, "try to lock " + name_);
  if (!mu_.try_lock()) return false;
  took_it();
  return true;
}

void RLock::unlock() {
  if (!is_owned())
    throw std::runtime_error("release of '" + name_ + "', which this thread does not hold");
  if (--count_ > 0) return;
  if (control::active()) control::point(control::Op::unlock, this, "unlock " + name_);
  Recorder::close(this);
  owner_.store(0, std::memory_order_relaxed);
  mu_.unlock();
  jitter::point();
}

bool RLock::acquire(bool blocking, std::optional<double> timeout_s) {
  if (!blocking) return try_lock();
  if (!timeout_s || is_owned()) {
    lock();
    return true;
  }
  if (control::active() && control::current_thread_number() >= 0) {  // virtual time: free now, or timed out
    control::point(control::Op::try_lock, this, "lock " + name_ + " with a timeout", [this] { return !locked(); }, {},
                   timeout_duration(*timeout_s));
    if (!mu_.try_lock()) return false;
    took_it();
    return true;
  }
  if (try_lock()) return true;
  const bool got = detail::wait_within(mu_, *timeout_s, waiting_label_);
  if (got) took_it();
  return got;
}

bool RLock::locked() const noexcept { return owner_.load(std::memory_order_relaxed) != 0; }

// Only this thread ever stores its own key, so seeing it means we hold the lock.
bool RLock::is_owned() const noexcept { return owner_.load(std::memory_order_relaxed) == this_thread_key(); }

std::size_t RLock::depth() const noexcept { return is_owned() ? count_ : 0; }

}  // namespace concur
