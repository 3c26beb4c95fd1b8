// concur/threads/queue.hpp - queues between threads: FIFO, LIFO, priority and simple.
//
// Plays the role of Python's queue.Queue: put() at the back, get() from the front, an
// optional maxsize that makes put() block while the queue is full, and the task
// accounting of task_done() / join() that lets a producer wait until every item it put
// has been processed. The other kinds of the queue module differ only in which item get()
// takes:
// - LifoQueue<T> (queue.LifoQueue): the newest item, as a stack.
// - PriorityQueue<T> (queue.PriorityQueue): the smallest item (operator<), as heapq; put
//   std::pair{priority, item} to order by a priority of your own. Equal items come out in
//   no promised order, as in Python.
// - SimpleQueue<T> (queue.SimpleQueue): FIFO, unbounded, and no task_done()/join().
//
//     concur::Queue<int> tasks;           // unbounded; Queue<int> q(5) holds at most 5
//     tasks.put(42);
//     int task = tasks.get();             // blocks while empty
//     tasks.task_done();                  // one per get(), when the work on it is done
//     tasks.join();                       // blocks until every put() item is done
//
// put/get with block=false or a timeout throw concur::Full / concur::Empty, as Python
// raises queue.Full / queue.Empty. put() can carry a narration line (concur::says) that
// it writes at the moment the item goes in. While a run is recorded, a put or get that has to
// block records a waiting span, and the queue's depth is recorded as a counter.
//
// A concur::Thread asked to stop (its owner is unwinding after an error) does not stay
// blocked in get(), put() or join(): the wait throws concur::ThreadStopped.
//
// Memory ordering: everything a thread wrote before put(x) is visible to the thread
// whose get() returns x; everything before the last task_done() is visible to join()'s
// caller after it returns.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>
#include <fmt/format.h>

#include "concur/core/timeout.hpp"
#include "concur/core/console.hpp"
#include "concur/core/jitter.hpp"
#include "concur/threads/control.hpp"
#include "concur/threads/thread.hpp"
#include "concur/core/timeline.hpp"

namespace concur {

// Raised by put() on a full queue (no block, or the timeout passed).
class Full : public std::runtime_error {
 public:
  Full() : std::runtime_error("queue is full") {}
};

// Raised by get() on an empty queue (no block, or the timeout passed).
class Empty : public std::runtime_error {
 public:
  Empty() : std::runtime_error("queue is empty") {}
};

namespace queue_order {

// Which item get() takes: each keeps the items and gives back the one due next.
// Items join at the back and leave at the front (FIFO) or the back (LIFO).
template <typename T, bool kNewestFirst>
class Ends {
 public:
  void push(T item) { items_.push_back(std::move(item)); }
  T pop() {
    T item = std::move(kNewestFirst ? items_.back() : items_.front());
    if constexpr (kNewestFirst) items_.pop_back();
    else items_.pop_front();
    return item;
  }
  std::size_t size() const { return items_.size(); }
  const T& peek() const { return kNewestFirst ? items_.back() : items_.front(); }  // not empty
  const std::deque<T>& items() const { return items_; }  // oldest first

 private:
  std::deque<T> items_;
};
template <typename T>
using Fifo = Ends<T, false>;
template <typename T>
using Lifo = Ends<T, true>;

// A binary heap with the smallest item on top (std::push_heap makes the largest the top,
// so it is given std::greater).
template <typename T>
class Smallest {
 public:
  void push(T item) {
    items_.push_back(std::move(item));
    std::push_heap(items_.begin(), items_.end(), std::greater<>{});
  }
  T pop() {
    std::pop_heap(items_.begin(), items_.end(), std::greater<>{});
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }
  std::size_t size() const { return items_.size(); }
  const T& peek() const { return items_.front(); }  // not empty
  const std::vector<T>& items() const { return items_; }  // in heap order

 private:
  std::vector<T> items_;
};

}  // namespace queue_order

template <typename T, typename Order = queue_order::Fifo<T>>
class BasicQueue {
 public:
  // maxsize <= 0 means unbounded, as in Python.
  explicit BasicQueue(std::ptrdiff_t maxsize = 0, std::string_view name = "queue")
      : maxsize_(maxsize),
        name_(name),
        waiting_get_label_(Recorder::intern("waiting for " + name_ + " (get)")),
        waiting_put_label_(Recorder::intern("waiting for room in " + name_)),
        depth_label_(Recorder::intern(name_ + " depth")),
        join_label_(Recorder::intern("waiting for " + name_ + " join()")) {
    if (control::active()) control::watch(this, name_, [this] { return contents(); });  // `concur step` shows it
  }
  ~BasicQueue() {
    if (control::active()) control::unwatch(this);
  }

  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;

  // Adds an item at the back. With block, waits for room (at most timeout_s seconds if
  // given); without, or when the timeout passes, throws Full.
  void put(T item, bool block = true, std::optional<double> timeout_s = std::nullopt) {
    put(std::move(item), Saying{}, block, timeout_s);
  }
  // The same, and says `saying` once there is room, under the queue's lock, before the
  // item goes in: a getter's line about this item always comes after it, and the lines
  // of several putters keep the queue's order. Says nothing when it throws Full.
  //     tasks.put(task, says("put task {}", task));
  void put(T item, const Saying& saying, bool block = true, std::optional<double> timeout_s = std::nullopt) {
    jitter::point();
    const bool controlled = control::active() && control::current_thread_number() >= 0;
    if (controlled)  // a step, offered once there is room (or, with a timeout, once its time is up)
      control::point(control::Op::put, this, step_text("put", item, "into"), block ? room_ : std::function<bool()>{}, {},
                     timeout_s ? std::optional(timeout_duration(*timeout_s)) : std::nullopt);
    std::unique_lock lock(mu_);
    if (full_locked()) {
      if (controlled) throw Full();  // virtual time: no room when its turn came
      if (!block) throw Full();
      ScopedSpan waiting(SpanKind::waiting, waiting_put_label_);
      ++putters_waiting_;
      const bool room = wait_until(not_full_, lock, timeout_s, [&] { return !full_locked(); });
      --putters_waiting_;
      if (!room) throw Full();
    }
    saying.say();  // before push_back: no getter can have the item yet
    items_.push(std::move(item));
    ++unfinished_;
    Recorder::counter(depth_label_, static_cast<std::int64_t>(items_.size()));
    // Wake a getter only if one sleeps: most puts then cost no system call. And after
    // letting go of the lock: woken under it, the getter would at once sleep again on the
    // mutex (this made a 1 -> 1 hand-off three times slower than a plain mutex + deque).
    const bool wake = getters_waiting_ > 0;
    lock.unlock();
    if (wake) not_empty_.notify_one();
  }
  void put_nowait(T item) { put(std::move(item), false); }

  // Removes and returns the front item. With block, waits for one (at most timeout_s
  // seconds if given); without, or when the timeout passes, throws Empty.
  T get(bool block = true, std::optional<double> timeout_s = std::nullopt) {
    jitter::point();
    const bool controlled = control::active() && control::current_thread_number() >= 0;
    if (controlled)
      control::point(control::Op::get, this, "get from " + name_, block ? some_ : std::function<bool()>{}, next_,
                     timeout_s ? std::optional(timeout_duration(*timeout_s)) : std::nullopt);
    std::unique_lock lock(mu_);
    if (items_.size() == 0) {
      if (controlled) throw Empty();
      if (!block) throw Empty();
      ScopedSpan waiting(SpanKind::waiting, waiting_get_label_);
      ++getters_waiting_;
      const bool any = wait_until(not_empty_, lock, timeout_s, [&] { return items_.size() > 0; });
      --getters_waiting_;
      if (!any) throw Empty();
    }
    T item = items_.pop();
    Recorder::counter(depth_label_, static_cast<std::int64_t>(items_.size()));
    const bool wake = putters_waiting_ > 0;
    lock.unlock();
    if (wake) not_full_.notify_one();  // after letting go of the lock, as in put()
    return item;
  }
  T get_nowait() { return get(false); }

  // Marks one item got earlier as processed. Throws std::logic_error when called more
  // times than items were put (Python's ValueError).
  void task_done() {
    if (control::active()) control::point(control::Op::release, this, "task_done on " + name_);
    std::lock_guard guard(mu_);
    if (unfinished_ == 0) throw std::logic_error("task_done() called more times than items were put");
    if (--unfinished_ == 0) all_done_.notify_all();
  }

  // Blocks until every item ever put has had its task_done().
  void join() {
    if (control::active())
      control::point(control::Op::wait, this, "join " + name_, [this] {
        std::lock_guard guard(mu_);
        return unfinished_ == 0;
      });
    std::unique_lock lock(mu_);
    if (unfinished_ == 0) return;
    ScopedSpan waiting(SpanKind::waiting, join_label_);
    wait_until(all_done_, lock, std::nullopt, [&] { return unfinished_ == 0; });
  }

  // Snapshots: by the time the caller looks, another thread may have changed them.
  std::size_t qsize() const {
    jitter::point();
    if (control::active()) control::point(control::Op::read, this, "look at the size of " + name_);
    std::lock_guard guard(mu_);
    return items_.size();
  }
  bool empty() const { return qsize() == 0; }
  bool full() const {
    std::lock_guard guard(mu_);
    return full_locked();
  }
  std::ptrdiff_t maxsize() const { return maxsize_; }
  const std::string& name() const { return name_; }

 private:
  bool full_locked() const {
    return maxsize_ > 0 && items_.size() >= static_cast<std::size_t>(maxsize_);
  }

  // A controlled run's step texts: "put 3 into tasks" (the item when it can be printed).
  std::string step_text(std::string_view verb, const T& item, std::string_view where) const {
    if constexpr (fmt::is_formattable<T>::value) return fmt::format("{} {} {} {}", verb, item, where, name_);
    else return fmt::format("{} an item {} {}", verb, where, name_);
  }
  // "[3, 4]", or "2 items" when an item cannot be printed.
  std::string contents() const {
    std::lock_guard guard(mu_);
    if constexpr (fmt::is_formattable<T>::value) return fmt::format("[{}]", fmt::join(items_.items(), ", "));
    else return fmt::format("{} item{}", items_.size(), items_.size() == 1 ? "" : "s");
  }

  // What a controlled run asks of the queue (under its lock): room, an item, the next one.
  const std::function<bool()> room_ = [this] {
    std::lock_guard guard(mu_);
    return !full_locked();
  };
  const std::function<bool()> some_ = [this] {
    std::lock_guard guard(mu_);
    return items_.size() > 0;
  };
  const std::function<std::string()> next_ = [this] {
    std::lock_guard guard(mu_);
    if constexpr (fmt::is_formattable<T>::value)
      return items_.size() > 0 ? fmt::format(" → {}", items_.peek()) : std::string();
    else
      return std::string();
  };

  // Waits for `ready`; false when the timeout passed first. Throws ThreadStopped when the
  // calling concur::Thread is asked to stop meanwhile.
  template <typename Pred>
  static bool wait_until(std::condition_variable_any& cv, std::unique_lock<std::mutex>& lock,
                         std::optional<double> timeout_s, Pred ready) {
    const std::stop_token stop = current_stop_token();
    const bool got = timeout_s ? cv.wait_for(lock, stop, timeout_duration(*timeout_s), ready)
                               : cv.wait(lock, stop, ready);
    if (!got && stop.stop_requested()) throw ThreadStopped();
    return got;
  }

  const std::ptrdiff_t maxsize_;
  const std::string name_;
  const std::uint32_t waiting_get_label_;
  const std::uint32_t waiting_put_label_;
  const std::uint32_t depth_label_;
  const std::uint32_t join_label_;

  mutable std::mutex mu_;
  std::condition_variable_any not_empty_;
  std::condition_variable_any not_full_;
  std::condition_variable_any all_done_;
  Order items_;                       // guarded by mu_
  std::size_t unfinished_ = 0;        // guarded by mu_: put minus task_done
  std::size_t getters_waiting_ = 0;   // guarded by mu_
  std::size_t putters_waiting_ = 0;   // guarded by mu_
};

template <typename T>
using Queue = BasicQueue<T, queue_order::Fifo<T>>;
template <typename T>
using LifoQueue = BasicQueue<T, queue_order::Lifo<T>>;
template <typename T>
using PriorityQueue = BasicQueue<T, queue_order::Smallest<T>>;

// queue.SimpleQueue: FIFO and unbounded, without task accounting.
template <typename T>
class SimpleQueue {
 public:
  explicit SimpleQueue(std::string_view name = "simple queue") : queue_(0, name) {}
  void put(T item) { queue_.put(std::move(item)); }
  void put(T item, const Saying& saying) { queue_.put(std::move(item), saying); }
  void put_nowait(T item) { queue_.put(std::move(item)); }
  T get(bool block = true, std::optional<double> timeout_s = std::nullopt) {
    T item = queue_.get(block, timeout_s);
    queue_.task_done();  // nobody joins a SimpleQueue: keep its count at zero
    return item;
  }
  T get_nowait() { return get(false); }
  std::size_t qsize() const { return queue_.qsize(); }
  bool empty() const { return queue_.empty(); }
  const std::string& name() const { return queue_.name(); }

 private:
  Queue<T> queue_;
};

}  // namespace concur
