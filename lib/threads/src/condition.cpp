#include "concur/threads/condition.hpp"
#include "concur/core/timeout.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <stdexcept>
#include <vector>

namespace concur {
namespace {

// The locks the calling thread took through some Condition and still holds (a lock
// taken twice, e.g. a recursive one, is listed twice). Only its own thread touches it.
thread_local std::vector<const void*> t_held;

}  // namespace

Condition::Condition(std::string_view name)
    : Condition(name, nullptr, &ops_for<Mutex>) {}

Condition::Condition(std::string_view name, void* lock, const LockOps* ops)
    : name_(name),
      own_lock_(lock == nullptr ? std::make_unique<Mutex>(name_ + " lock") : nullptr),
      lock_(lock == nullptr ? own_lock_.get() : lock),
      ops_(ops),
      waiting_label_(Recorder::intern("waiting for " + name_)),
      notify_label_(Recorder::intern(name_ + " notify()")),
      notify_all_label_(Recorder::intern(name_ + " notify_all()")) {}

std::ptrdiff_t Condition::levels_held() const {
  const std::ptrdiff_t levels = ops_->held(lock_);
  return levels >= 0 ? levels : std::count(t_held.begin(), t_held.end(), lock_);
}

void Condition::lock() {
  ops_->lock(lock_);
  if (!lock_knows()) t_held.push_back(lock_);
}

bool Condition::try_lock() {
  if (!ops_->try_lock(lock_)) return false;
  if (!lock_knows()) t_held.push_back(lock_);
  return true;
}

void Condition::unlock() {
  if (levels_held() == 0) throw std::runtime_error("release of '" + name_ + "', which this thread does not hold");
  ops_->unlock(lock_);  // first: if the lock itself refuses, the note stays true
  if (lock_knows()) return;
  const auto it = std::find(t_held.rbegin(), t_held.rend(), lock_);
  t_held.erase(std::next(it).base());
}

bool Condition::acquire(bool blocking) {
  if (!blocking) return try_lock();
  lock();
  return true;
}

void Condition::require_owned(const char* what) const {
  if (levels_held() == 0) throw std::runtime_error(std::string("cannot ") + what + " on un-acquired lock");
}

void Condition::require_waitable() const {
  require_owned("wait");
  // Python's wait() releases a recursive lock all the way; ours would release one level
  // and sleep holding the rest, so every notifier would block on it for good.
  if (levels_held() > 1)
    throw std::runtime_error("cannot wait on a lock this thread holds more than once (wait releases one level)");
}

bool Condition::wait(std::optional<double> timeout_s) {
  require_waitable();
  if (control::active() && control::current_thread_number() >= 0) return wait_controlled(timeout_s);
  ScopedSpan waiting(SpanKind::waiting, waiting_label_);
  // cv_ releases and re-takes the lock through *this, so the note stays right throughout.
  if (!timeout_s) {
    cv_.wait(*this);
    return true;
  }
  return cv_.wait_for(*this, timeout_duration(*timeout_s)) ==
         std::cv_status::no_timeout;
}

// Three steps: the lock let go, the wait (offered once a notify chose this waiter, or its
// time is up), the lock taken back. The ticket is in line before the lock goes, so a
// notify right after it wakes this waiter, as Python's wait() promises.
bool Condition::wait_controlled(std::optional<double> timeout_s) {
  const std::uint64_t ticket = ++next_ticket_;
  pending_.push_back(ticket);
  const auto notified = [this, ticket] { return std::find(pending_.begin(), pending_.end(), ticket) == pending_.end(); };
  unlock();
  try {
    control::point(control::Op::wait, this,
                   timeout_s ? fmt::format("wait on {} (at most {:g} s)", name_, *timeout_s) : "wait on " + name_, notified,
                   {}, timeout_s ? std::optional(timeout_duration(*timeout_s)) : std::nullopt);
  } catch (...) {  // the run stopped: take the lock back for real, as the caller's guard expects
    const control::Bypass real;
    lock();  // first: every waiter is let go at once, and the line is shared
    std::erase(pending_, ticket);
    throw;
  }
  const bool woke = notified();
  if (!woke) std::erase(pending_, ticket);  // timed out: no longer in line
  lock();
  return woke;
}

void Condition::notify(int n) {
  require_owned("notify");
  if (control::active() && control::current_thread_number() >= 0) {
    control::point(control::Op::notify, this, n == 1 ? "notify " + name_ : fmt::format("notify {} on {}", n, name_));
    for (int i = 0; i < n && !pending_.empty(); ++i) pending_.pop_front();
    return;
  }
  Recorder::instant(notify_label_);
  for (int i = 0; i < n; ++i) cv_.notify_one();
}

void Condition::notify_all() {
  require_owned("notify");
  if (control::active() && control::current_thread_number() >= 0) {
    control::point(control::Op::notify, this, "notify_all " + name_);
    pending_.clear();
    return;
  }
  Recorder::instant(notify_all_label_);
  cv_.notify_all();
}

}  // namespace concur
