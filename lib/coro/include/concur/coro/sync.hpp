// concur/coro/sync.hpp - waiting for each other without blocking the loop: a semaphore
// and a queue for coroutines (asyncio.Semaphore, asyncio.Queue).
//
// A coroutine must never block its thread (every other coroutine on the loop would stop
// with it), so these are not concur::Semaphore and concur::Queue: their waits are
// co_awaits. A coroutine that must wait is suspended and the loop runs the others; it is
// resumed when a permit or an item is there.
// - Semaphore(n): an Asio experimental::channel (a bounded buffer of messages between
//   coroutines) with room for n empty messages. acquire() sends one (and waits while all
//   n slots are taken); release() takes one out, freeing a slot.
// - Queue<T>(n): as asyncio.Queue is built: a deque of at most n items and two lists of
//   waiting coroutines (Asio timers that never fire; cancel_one() wakes one waiter). put()
//   waits while it is full, get() while it is empty. Its depth is exact at every moment.
// Use them from the loop's coroutines only (one thread): they are not thread-safe.
// They record on the timeline like their thread counterparts: a counter of permits in use
// or of items queued, and the waits, labelled with the object's name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>
#include <boost/system/error_code.hpp>

#include "concur/core/coroutine.hpp"
#include "concur/core/timeline.hpp"
#include "concur/coro/loop.hpp"

namespace concur::coro {

class Semaphore {
 public:
  // `permits` >= 1 (std::invalid_argument otherwise). Make it inside a coroutine on the
  // loop (it belongs to Loop::current()).
  Semaphore(std::string name, std::size_t permits);

  // Waits until a permit is free and takes it.
  Task<void> acquire();
  // Gives a permit back; throws std::logic_error when none is taken.
  void release();

  // async with semaphore: `auto permit = co_await sem.hold();` releases when `permit` dies.
  class Permit {
   public:
    explicit Permit(Semaphore* owner) noexcept : owner_(owner) {}
    Permit(Permit&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
    Permit& operator=(Permit&&) = delete;
    ~Permit() {
      if (owner_ != nullptr) owner_->release();
    }

   private:
    Semaphore* owner_;
  };
  Task<Permit> hold();

  std::size_t in_use() const noexcept { return in_use_; }
  std::size_t max_in_use() const noexcept { return max_in_use_; }
  std::size_t permits() const noexcept { return permits_; }
  const std::string& name() const noexcept { return name_; }

 private:
  std::string name_;
  std::size_t permits_;
  asio::experimental::channel<void(boost::system::error_code)> slots_;
  std::size_t in_use_ = 0, max_in_use_ = 0;
  std::uint32_t wait_label_, counter_label_;
};

template <typename T>
class Queue {
 public:
  // Room for `capacity` >= 1 items. Make it inside a coroutine on the loop.
  Queue(std::string name, std::size_t capacity)
      : name_(std::move(name)),
        capacity_(capacity == 0 ? throw std::invalid_argument("a queue needs room for at least one item") : capacity),
        not_full_(Loop::current().context().get_executor(), asio::steady_timer::time_point::max()),
        not_empty_(Loop::current().context().get_executor(), asio::steady_timer::time_point::max()),
        full_label_(Recorder::intern("waiting for " + name_ + " (full)")),
        empty_label_(Recorder::intern("waiting for " + name_ + " (empty)")),
        counter_label_(Recorder::intern(name_ + " depth")) {}

  // Waits while the queue is full, then adds `item`.
  Task<void> put(T item) {
    while (items_.size() >= capacity_) co_await wait(not_full_, full_label_);
    items_.push_back(std::move(item));
    Recorder::counter(counter_label_, static_cast<std::int64_t>(items_.size()));
    not_empty_.cancel_one();  // wakes one waiting get(), if any
  }
  // Waits while the queue is empty, then takes the oldest item.
  Task<T> get() {
    while (items_.empty()) co_await wait(not_empty_, empty_label_);
    T item = std::move(items_.front());
    items_.pop_front();
    Recorder::counter(counter_label_, static_cast<std::int64_t>(items_.size()));
    not_full_.cancel_one();  // wakes one waiting put(), if any
    co_return item;
  }
  std::size_t size() const noexcept { return items_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }
  const std::string& name() const noexcept { return name_; }

 private:
  // Sleeps on `waiters` until another coroutine's cancel_one() wakes it. A cancellation
  // from outside (gather() giving up) ends the wait with operation_aborted instead.
  static Task<void> wait(asio::steady_timer& waiters, std::uint32_t label) {
    Coroutine::will_wait_for(label);
    auto [woken] = co_await waiters.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)woken;  // operation_aborted: that is how cancel_one() wakes us
    const auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none)
      throw boost::system::system_error(asio::error::operation_aborted, "the wait was cancelled");
  }

  // Single-threaded (the loop's thread), so the checks in put() and get() and the wake-ups
  // cannot race: a coroutine only waits after seeing the queue full or empty, and the
  // change that ends its wait happens in another coroutine's turn, after it is waiting.
  std::string name_;
  std::size_t capacity_;
  std::deque<T> items_;
  asio::steady_timer not_full_, not_empty_;  // timers that never fire: lists of waiting coroutines
  std::uint32_t full_label_, empty_label_, counter_label_;
};

}  // namespace concur::coro
