#include "concur/coro/sync.hpp"

#include <stdexcept>

namespace concur::coro {

namespace {
std::size_t checked(std::size_t permits) {
  if (permits == 0) throw std::invalid_argument("a semaphore needs at least one permit");
  return permits;
}
}  // namespace

Semaphore::Semaphore(std::string name, std::size_t permits)
    : name_(std::move(name)),
      permits_(checked(permits)),
      slots_(Loop::current().context().get_executor(), permits),
      wait_label_(Recorder::intern("waiting for " + name_)),
      counter_label_(Recorder::intern(name_ + " in use")) {}

Task<void> Semaphore::acquire() {
  Coroutine::will_wait_for(wait_label_);
  co_await slots_.async_send(boost::system::error_code{}, asio::use_awaitable);  // waits while all slots are full
  ++in_use_;
  if (in_use_ > max_in_use_) max_in_use_ = in_use_;
  Recorder::counter(counter_label_, static_cast<std::int64_t>(in_use_));
}

void Semaphore::release() {
  if (in_use_ == 0 || !slots_.try_receive([](boost::system::error_code) {}))
    throw std::logic_error("release() of " + name_ + " with no permit taken");
  --in_use_;
  Recorder::counter(counter_label_, static_cast<std::int64_t>(in_use_));
}

Task<Semaphore::Permit> Semaphore::hold() {
  co_await acquire();
  co_return Permit(this);
}

}  // namespace concur::coro
