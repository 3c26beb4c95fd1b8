#include "concur/condition.hpp"

#include <stdexcept>

namespace concur {

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

void Condition::lock() {
  ops_->lock(lock_);
  owner_.store(this_thread_key());
}

bool Condition::try_lock() {
  if (!ops_->try_lock(lock_)) return false;
  owner_.store(this_thread_key());
  return true;
}

void Condition::unlock() {
  if (owner_.load() != this_thread_key())
    throw std::runtime_error("release of '" + name_ + "', which this thread does not hold");
  owner_.store(0);  // before the release: the next holder writes its own key after it
  ops_->unlock(lock_);
}

bool Condition::acquire(bool blocking) {
  if (!blocking) return try_lock();
  lock();
  return true;
}

void Condition::require_owned(const char* what) const {
  if (owner_.load() != this_thread_key())
    throw std::runtime_error(std::string("cannot ") + what + " on un-acquired lock");
}

bool Condition::wait(std::optional<double> timeout_s) {
  require_owned("wait");
  ScopedSpan waiting(SpanKind::waiting, waiting_label_);
  // cv_ releases and re-takes the lock through *this, so owner_ stays right throughout.
  if (!timeout_s) {
    cv_.wait(*this);
    return true;
  }
  return cv_.wait_for(*this, std::chrono::duration<double>(std::max(0.0, *timeout_s))) ==
         std::cv_status::no_timeout;
}

void Condition::notify(int n) {
  require_owned("notify");
  Recorder::instant(notify_label_);
  for (int i = 0; i < n; ++i) cv_.notify_one();
}

void Condition::notify_all() {
  require_owned("notify");
  Recorder::instant(notify_all_label_);
  cv_.notify_all();
}

}  // namespace concur
