#include "concur/threads/event.hpp"
#include "concur/threads/thread.hpp"

#include <chrono>

#include <fmt/format.h>

#include "concur/core/jitter.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"
#include "concur/threads/control.hpp"

namespace concur {

Event::Event(std::string_view name)
    : name_(name),
      waiting_label_(Recorder::intern("waiting for " + name_)),
      set_label_(Recorder::intern(name_ + " set()")),
      clear_label_(Recorder::intern(name_ + " clear()")) {}

void Event::set(const Saying& saying) {
  if (control::active()) control::point(control::Op::set, this, "set " + name_);
  {
    std::lock_guard guard(mu_);
    saying.say();  // before the flag: a waiter that finds it up comes after this line
    // The instant too: a waiter's "waiting" span cannot end before the set() it waited for.
    Recorder::instant(set_label_);
    flag_ = true;
  }
  cv_.notify_all();
  jitter::point();
}

void Event::clear() {
  jitter::point();
  if (control::active()) control::point(control::Op::clear, this, "clear " + name_);
  {
    std::lock_guard guard(mu_);
    flag_ = false;
  }
  Recorder::instant(clear_label_);
}

bool Event::is_set() const {
  jitter::point();
  if (control::active()) control::point(control::Op::read, this, "look at " + name_);
  std::lock_guard guard(mu_);
  return flag_;
}

bool Event::wait(std::optional<double> timeout_s) {
  jitter::point();
  if (control::active()) {  // in a controlled run: a step, taken once it is set (see control.hpp for timeouts)
    const auto is_up = [this] {
      std::lock_guard guard(mu_);
      return flag_;
    };
    if (timeout_s)
      control::point(control::Op::wait, this, fmt::format("wait for {} (at most {:g} s)", name_, *timeout_s), is_up, {},
                     timeout_duration(*timeout_s));
    else control::point(control::Op::wait, this, "wait for " + name_, is_up);
    if (timeout_s && control::current_thread_number() >= 0) return is_up();  // virtual time: set now, or timed out
  }
  std::unique_lock lock(mu_);
  if (flag_) return true;
  ScopedSpan waiting(SpanKind::waiting, waiting_label_);
  const std::stop_token stop = current_stop_token();
  const bool set = timeout_s ? cv_.wait_for(lock, stop, timeout_duration(*timeout_s), [&] { return flag_; })
                             : cv_.wait(lock, stop, [&] { return flag_; });
  if (!set && stop.stop_requested()) throw ThreadStopped();
  return set;
}

}  // namespace concur
