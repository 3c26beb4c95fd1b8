#include "concur/threads/semaphore.hpp"

#include <stdexcept>

#include "concur/core/jitter.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"
#include "concur/threads/control.hpp"

namespace concur {

namespace {
std::ptrdiff_t checked(std::ptrdiff_t permits) {
  if (permits < 0) throw std::invalid_argument("Semaphore: the number of permits must be >= 0");
  return permits;
}
}  // namespace

Semaphore::Semaphore(std::ptrdiff_t permits, std::string_view name) : Semaphore(permits, name, false) {}

Semaphore::Semaphore(std::ptrdiff_t permits, std::string_view name, bool bounded)
    : free_(checked(permits)),
      initial_(permits),
      bounded_(bounded),
      name_(name),
      waiting_label_(Recorder::intern("waiting for " + name_)),
      holding_label_(Recorder::intern("holding " + name_)),
      in_use_label_(Recorder::intern(name_ + " in use")),
      release_label_(Recorder::intern("release " + name_)) {}

void Semaphore::took_one() {
  const auto now_in_use = in_use_.fetch_add(1, std::memory_order_relaxed) + 1;
  // Relaxed: a statistic read after the holders are joined (their join orders it).
  std::ptrdiff_t most = most_in_use_.load(std::memory_order_relaxed);
  while (now_in_use > most && !most_in_use_.compare_exchange_weak(most, now_in_use, std::memory_order_relaxed)) {}
  Recorder::counter(in_use_label_, now_in_use);
  Recorder::open(this, SpanKind::holding, holding_label_);
}

bool Semaphore::take_if_free() {
  jitter::point();  // every acquire starts here
  std::lock_guard guard(mu_);
  if (free_ == 0) return false;
  --free_;
  return true;
}

void Semaphore::acquire() {
  if (control::active())  // in a controlled run: a step, taken once a permit is free
    control::point(control::Op::acquire, this, "acquire " + name_, [this] { return value() > 0; });
  if (!take_if_free()) {
    ScopedSpan waiting(SpanKind::waiting, waiting_label_);
    std::unique_lock lock(mu_);
    freed_.wait(lock, [&] { return free_ > 0; });
    --free_;
  }
  took_one();
}

bool Semaphore::try_acquire() {
  if (control::active()) control::point(control::Op::try_acquire, this, "try to acquire " + name_);
  if (!take_if_free()) return false;
  took_one();
  return true;
}

bool Semaphore::try_acquire_for(std::chrono::nanoseconds timeout) {
  if (control::active()) {
    control::point(control::Op::try_acquire, this, "acquire " + name_ + " with a timeout", [this] { return value() > 0; },
                   {}, timeout);
    if (control::current_thread_number() >= 0) {  // virtual time: a permit now, or timed out
      if (!take_if_free()) return false;
      took_one();
      return true;
    }
  }
  if (!take_if_free()) {
    ScopedSpan waiting(SpanKind::waiting, waiting_label_);
    std::unique_lock lock(mu_);
    if (!freed_.wait_for(lock, timeout, [&] { return free_ > 0; })) return false;
    --free_;
  }
  took_one();
  return true;
}

std::ptrdiff_t Semaphore::value() const {
  std::lock_guard guard(mu_);
  return free_;
}

bool Semaphore::acquire(bool blocking, std::optional<double> timeout_s) {
  if (!blocking) return try_acquire();
  if (!timeout_s) {
    acquire();
    return true;
  }
  return try_acquire_for(timeout_duration(*timeout_s));
}

void Semaphore::release(std::ptrdiff_t n) { release(Saying{}, n); }

void Semaphore::release(const Saying& saying, std::ptrdiff_t n) {
  if (n < 1) throw std::invalid_argument("Semaphore::release: n must be >= 1");
  if (control::active()) control::point(control::Op::release, this, "release " + name_);
  std::ptrdiff_t now_in_use = 0;
  {
    std::lock_guard guard(mu_);
    // Checked and counted in one critical section, so two racing over-releases cannot
    // both pass the check.
    if (bounded_ && free_ + n > initial_) throw std::invalid_argument("Semaphore released too many times");
    // The holding spans end before the permits are free again: the next holder's span
    // cannot start before this one's ends, so the timeline never shows more holders
    // than permits. A permit released by the thread that took it closes its holding
    // span; one released by another thread (a signal, not a return) is an instant.
    for (std::ptrdiff_t i = 0; i < n; ++i)
      if (!Recorder::close(this)) {  // a permit from a thread that took none: a signal
        Recorder::instant(release_label_);
        Recorder::released_elsewhere(this);
      }
    now_in_use = in_use_.fetch_sub(n, std::memory_order_relaxed) - n;
    saying.say();  // before the permits are free: the next holder's line comes after it
    free_ += n;
  }
  Recorder::counter(in_use_label_, now_in_use);
  // Wake as many waiters as permits came back; each re-checks the count under the lock.
  if (n == 1)
    freed_.notify_one();
  else
    freed_.notify_all();
  jitter::point();
}

}  // namespace concur
