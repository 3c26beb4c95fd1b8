#include "concur/mp/queue.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "concur/core/jitter.hpp"
#include "concur/core/timeline.hpp"
#include "concur/mp/process.hpp"

#include "cbor.hpp"

namespace concur::mp {

BrokenQueueError::BrokenQueueError(const std::string& queue, pid_t pid)
    : std::runtime_error(fmt::format("'{}' is broken: process {} died in the middle of changing it, so "
                                     "its contents cannot be trusted",
                                     queue, pid)) {}

class Queue::Guard {
 public:
  explicit Guard(const Queue& q) : q_(q), cell_(*q.placed_.cell) {
    detail::lock_cell(cell_.mutex, {});
    try {
      check();
    } catch (...) {
      detail::unlock_cell(cell_.mutex);  // no destructor runs for a constructor that throws
      throw;
    }
  }
  ~Guard() { detail::unlock_cell(cell_.mutex); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  // Waits on `on` (the mutex is released meanwhile); false at the deadline.
  bool wait(detail::WaitCell& on, const Deadline& deadline, std::string_view what) {
    const bool woken = detail::wait_cell(on, cell_.mutex, deadline, q_.placed_.name, what);
    check();
    return woken;
  }
  // Brackets a change: if this process dies in between, the next Guard sees `updating`.
  void begin_change() { cell_.updating = static_cast<std::int32_t>(current_pid()); }
  void end_change() { cell_.updating = 0; }

 private:
  // `updating` is only non-zero while its writer holds the mutex: seeing it set when we
  // have just taken the mutex means the writer died mid-change.
  void check() {
    if (cell_.updating != 0) throw BrokenQueueError(q_.placed_.name, cell_.updating);
  }

  const Queue& q_;
  detail::QueueCell& cell_;
};

namespace {

// Copies into / out of the ring at byte position `pos`, wrapping at the end.
void ring_write(unsigned char* ring, std::uint64_t capacity, std::uint64_t pos, const void* src, std::size_t n) {
  const std::size_t at = static_cast<std::size_t>(pos % capacity);
  const std::size_t first = std::min<std::size_t>(n, static_cast<std::size_t>(capacity) - at);
  std::memcpy(ring + at, src, first);
  std::memcpy(ring, static_cast<const unsigned char*>(src) + first, n - first);
}

void ring_read(const unsigned char* ring, std::uint64_t capacity, std::uint64_t pos, void* dst, std::size_t n) {
  const std::size_t at = static_cast<std::size_t>(pos % capacity);
  const std::size_t first = std::min<std::size_t>(n, static_cast<std::size_t>(capacity) - at);
  std::memcpy(dst, ring + at, first);
  std::memcpy(static_cast<unsigned char*>(dst) + first, ring, n - first);
}

bool no_room(const detail::QueueCell& c, std::uint64_t need) {
  return (c.maxsize != 0 && c.items >= c.maxsize) || c.capacity - (c.tail - c.head) < need;
}

}  // namespace

Queue::Queue(detail::Placed<detail::QueueCell> placed)
    : placed_(std::move(placed)),
      waiting_get_label_(Recorder::intern("waiting for " + placed_.name + " (get)")),
      waiting_put_label_(Recorder::intern("waiting for room in " + placed_.name)),
      waiting_join_label_(Recorder::intern("waiting for " + placed_.name + " join()")),
      depth_label_(Recorder::intern(placed_.name + " depth")) {}

Queue::Queue(std::size_t maxsize, std::string_view name, std::size_t buffer_bytes, bool joinable)
    : Queue(detail::create_placed<detail::QueueCell>(joinable ? "JoinableQueue" : "Queue", name, buffer_bytes)) {
  if (buffer_bytes < 64) throw std::invalid_argument("Queue: buffer_bytes must be at least 64");
  placed_.cell->capacity = buffer_bytes;
  placed_.cell->maxsize = maxsize;
  placed_.cell->joinable = joinable;
}

Queue::Queue(std::size_t maxsize, std::string_view name, std::size_t buffer_bytes)
    : Queue(maxsize, name, buffer_bytes, false) {}

// A JoinableQueue is a Queue too: a producer that only puts may adopt it as one.
Queue Queue::adopt(detail::Fd fd) {
  return Queue(detail::adopt_placed<detail::QueueCell>(std::move(fd), "Queue", "JoinableQueue"));
}

void Queue::put(const nlohmann::json& item, bool block, std::optional<double> timeout_s) {
  put(item, Saying{}, block, timeout_s);
}

void Queue::put(const nlohmann::json& item, const Saying& saying, bool block, std::optional<double> timeout_s) {
  jitter::point();
  // Encode before taking the lock: the lock guards the copy, not the encoding.
  std::string payload;
  wire::append_cbor(item, payload);
  detail::QueueCell& c = *placed_.cell;
  const std::uint64_t need = sizeof(std::uint32_t) + payload.size();
  if (need > c.capacity)
    throw std::length_error(fmt::format("'{}': an item of {} bytes does not fit in its {}-byte buffer",
                                        placed_.name, payload.size(), c.capacity));
  const Deadline deadline = deadline_after(block ? timeout_s : 0.0);
  std::int64_t depth = 0;
  {
    Guard guard(*this);
    if (no_room(c, need)) {
      if (!block) throw Full();
      ScopedSpan waiting(SpanKind::waiting, waiting_put_label_);
      while (no_room(c, need))
        if (!guard.wait(c.not_full, deadline, "put") && no_room(c, need)) throw Full();
    }
    const auto size = static_cast<std::uint32_t>(payload.size());
    // Said before the item is in, and before begin_change(): a put killed while it
    // writes its line leaves the queue unchanged, not broken.
    saying.say();
    guard.begin_change();
    ring_write(placed_.extra(), c.capacity, c.tail, &size, sizeof size);
    ring_write(placed_.extra(), c.capacity, c.tail + sizeof size, payload.data(), payload.size());
    c.tail += need;
    ++c.items;
    ++c.unfinished;
    guard.end_change();
    detail::notify_all(c.not_empty);
    depth = static_cast<std::int64_t>(c.items);
  }
  Recorder::counter(depth_label_, depth);
}

nlohmann::json Queue::get(bool block, std::optional<double> timeout_s) {
  jitter::point();
  detail::QueueCell& c = *placed_.cell;
  const Deadline deadline = deadline_after(block ? timeout_s : 0.0);
  std::string payload;
  std::int64_t depth = 0;
  {
    Guard guard(*this);
    if (c.items == 0) {
      if (!block) throw Empty();
      ScopedSpan waiting(SpanKind::waiting, waiting_get_label_);
      while (c.items == 0)
        if (!guard.wait(c.not_empty, deadline, "get") && c.items == 0) throw Empty();
    }
    std::uint32_t size = 0;
    ring_read(placed_.extra(), c.capacity, c.head, &size, sizeof size);
    payload.resize(size);
    ring_read(placed_.extra(), c.capacity, c.head + sizeof size, payload.data(), size);
    guard.begin_change();
    c.head += sizeof size + size;
    --c.items;
    guard.end_change();
    detail::notify_all(c.not_full);
    depth = static_cast<std::int64_t>(c.items);
  }
  Recorder::counter(depth_label_, depth);
  return wire::parse_cbor(payload);
}

std::size_t Queue::qsize() const {
  jitter::point();
  Guard guard(*this);
  return static_cast<std::size_t>(placed_.cell->items);
}

bool Queue::full() const {
  Guard guard(*this);
  const detail::QueueCell& c = *placed_.cell;
  return c.maxsize != 0 && c.items >= c.maxsize;
}

JoinableQueue::JoinableQueue(std::size_t maxsize, std::string_view name, std::size_t buffer_bytes)
    : Queue(maxsize, name, buffer_bytes, true) {}

JoinableQueue JoinableQueue::adopt(detail::Fd fd) {
  return JoinableQueue(detail::adopt_placed<detail::QueueCell>(std::move(fd), "JoinableQueue"));
}

void JoinableQueue::task_done() {
  detail::QueueCell& c = *placed_.cell;
  Guard guard(*this);
  if (c.unfinished == 0)
    throw std::logic_error(fmt::format("'{}': task_done() called more times than items were put", placed_.name));
  if (--c.unfinished == 0) detail::notify_all(c.all_done);
}

void JoinableQueue::join() {
  detail::QueueCell& c = *placed_.cell;
  Guard guard(*this);
  if (c.unfinished == 0) return;
  ScopedSpan waiting(SpanKind::waiting, waiting_join_label_);
  while (c.unfinished > 0) guard.wait(c.all_done, {}, "join");
}

}  // namespace concur::mp
