#include "concur/threads/gil.hpp"

#include <stdexcept>

#include "concur/core/actor.hpp"
#include "concur/core/clock.hpp"
#include "concur/core/timeline.hpp"

namespace concur {

Gil::Gil(std::chrono::nanoseconds switch_interval, std::string_view name)
    : interval_(switch_interval),
      name_(name),
      waiting_label_(Recorder::intern("waiting for " + name_)),
      holding_label_(Recorder::intern("holding " + name_)) {
  if (interval_.count() <= 0) throw std::invalid_argument("the GIL's switch interval must be positive");
}

Gil::PerThread& Gil::self() {
  const std::thread::id id = std::this_thread::get_id();
  const std::string& name = current_actor();
  // The name too: a finished thread's id may be given to a new thread.
  for (PerThread& t : threads_)
    if (t.id == id && t.stats.name == name) return t;
  threads_.push_back({id, {.name = name}, {}});
  return threads_.back();
}

void Gil::take(std::unique_lock<std::mutex>& lock, PerThread& me) {
  const Clock::time_point asked = Clock::now();
  if (locked_) {
    ScopedSpan waiting(SpanKind::waiting, waiting_label_);
    while (locked_) {
      const std::uint64_t seen = switch_number_;
      const bool timed_out = gil_free_.wait_for(lock, interval_) == std::cv_status::timeout;
      // A whole interval with the same holder: ask it to let go. A switch to somebody
      // else meanwhile means the GIL is moving; wait another interval first.
      if (timed_out && locked_ && switch_number_ == seen && !drop_request_.load(std::memory_order_relaxed)) {
        drop_request_.store(true, std::memory_order_relaxed);
        ++totals_.drop_requests;
      }
    }
  }
  locked_ = true;
  holder_ = me.id;
  if (last_holder_ != me.id) {
    if (last_holder_ != std::thread::id{}) ++totals_.switches;  // the very first take is no switch
    last_holder_ = me.id;
    ++switch_number_;
    switched_.notify_all();  // the thread that was made to let go may go on
  }
  drop_request_.store(false, std::memory_order_relaxed);  // whoever asked has it now, or it was us
  const Clock::time_point now = Clock::now();
  ++me.stats.acquisitions;
  ++totals_.acquisitions;
  me.stats.waited += now - asked;
  totals_.waited += now - asked;
  me.held_since = now;
  Recorder::open(this, SpanKind::holding, holding_label_);
}

void Gil::drop(std::unique_lock<std::mutex>& lock, PerThread& me) {
  Recorder::close(this);
  const auto held = Clock::now() - me.held_since;
  me.stats.held += held;
  totals_.held += held;
  locked_ = false;
  holder_ = std::thread::id{};
  gil_free_.notify_one();
  if (drop_request_.load(std::memory_order_relaxed)) {
    // FORCE_SWITCHING: somebody asked, so do not race it for the GIL we just let go;
    // wait until another thread has taken it. The request is honoured: clear it.
    drop_request_.store(false, std::memory_order_relaxed);
    if (last_holder_ == me.id) {
      ScopedSpan waiting(SpanKind::waiting, waiting_label_);
      switched_.wait(lock, [&] { return last_holder_ != me.id; });
    }
  }
}

void Gil::acquire() {
  std::unique_lock lock(mu_);
  PerThread& me = self();
  if (locked_ && holder_ == me.id) throw std::logic_error(name_ + ": acquire() by the thread that holds it");
  take(lock, me);
}

void Gil::release() {
  std::unique_lock lock(mu_);
  PerThread& me = self();
  if (!locked_ || holder_ != me.id) throw std::logic_error(name_ + ": release() by a thread that does not hold it");
  drop(lock, me);
}

void Gil::release_for_io() {
  std::unique_lock lock(mu_);
  PerThread& me = self();
  if (!locked_ || holder_ != me.id)
    throw std::logic_error(name_ + ": blocking I/O released a GIL this thread does not hold");
  ++me.stats.io_releases;
  ++totals_.io_releases;
  drop(lock, me);
}

bool Gil::yield_to_waiter() {
  std::unique_lock lock(mu_);
  PerThread& me = self();
  if (!locked_ || holder_ != me.id) throw std::logic_error(name_ + ": check() by a thread that does not hold it");
  if (!drop_request_.load(std::memory_order_relaxed)) return false;  // cleared since we looked
  ++me.stats.forced_drops;
  ++totals_.forced_drops;
  drop(lock, me);
  take(lock, me);
  return true;
}

bool Gil::held_by_me() const {
  std::lock_guard guard(mu_);
  return locked_ && holder_ == std::this_thread::get_id();
}

GilStats Gil::stats() const {
  std::lock_guard guard(mu_);
  GilStats copy = totals_;
  for (const PerThread& t : threads_) copy.threads.push_back(t.stats);
  return copy;
}

}  // namespace concur
