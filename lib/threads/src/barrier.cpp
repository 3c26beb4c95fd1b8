#include "concur/threads/barrier.hpp"

#include <fmt/format.h>

#include "concur/core/jitter.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"
#include "concur/threads/thread.hpp"

namespace concur {

BrokenBarrierError::BrokenBarrierError(std::string_view barrier)
    : std::runtime_error(fmt::format("'{}' is broken (a wait timed out, it was aborted, or its action failed)",
                                     barrier)) {}

Barrier::Barrier(std::ptrdiff_t parties, std::function<void()> action, std::string_view name,
                 std::optional<double> timeout_s)
    : parties_(parties),
      action_(std::move(action)),
      name_(name),
      timeout_s_(timeout_s),
      waiting_label_(Recorder::intern("waiting at " + name_)) {
  if (parties < 1) throw std::invalid_argument("Barrier: parties must be at least 1");
}

std::ptrdiff_t Barrier::wait(std::optional<double> timeout_s) {
  jitter::point();
  if (!timeout_s) timeout_s = timeout_s_;
  std::unique_lock lock(mu_);
  if (broken_) throw BrokenBarrierError(name_);
  const std::ptrdiff_t index = arrived_++;
  if (arrived_ == parties_) {  // the last one: run the action, then let everyone go
    if (action_) {
      try {
        action_();
      } catch (...) {
        broken_ = true;
        released_.notify_all();
        throw;
      }
    }
    arrived_ = 0;
    ++generation_;
    released_.notify_all();
    return index;
  }
  const std::uint64_t round = generation_;
  const std::stop_token stop = current_stop_token();
  auto over = [&] { return generation_ != round || broken_; };
  bool done;
  {
    ScopedSpan waiting(SpanKind::waiting, waiting_label_);
    done = timeout_s ? released_.wait_for(lock, stop, timeout_duration(*timeout_s), over)
                     : released_.wait(lock, stop, over);
  }
  if (generation_ != round) return index;  // the round filled, even if a timeout raced it
  if (!done) {  // timed out or asked to stop: nobody else may wait for us either
    broken_ = true;
    released_.notify_all();
    if (stop.stop_requested()) throw ThreadStopped();
  }
  throw BrokenBarrierError(name_);
}

void Barrier::abort() {
  std::lock_guard guard(mu_);
  broken_ = true;
  released_.notify_all();
}

std::ptrdiff_t Barrier::n_waiting() const {
  std::lock_guard guard(mu_);
  return arrived_;
}

bool Barrier::broken() const {
  std::lock_guard guard(mu_);
  return broken_;
}

}  // namespace concur
