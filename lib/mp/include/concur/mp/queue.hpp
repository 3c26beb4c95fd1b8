// concur/mp/queue.hpp - Queue and JoinableQueue shared by processes.
//
// Play the roles of multiprocessing.Queue and JoinableQueue: many producers and many
// consumers in any processes, FIFO, put/get with block and timeout raising concur::Full
// and concur::Empty (the same exceptions as the thread Queue, as Python reuses queue.Full
// and queue.Empty), maxsize, and for JoinableQueue task_done() and join().
//
//     concur::mp::Queue q;
//     concur::mp::Process producer([&] { for (int i = 0; i < 3; ++i) q.put(i); });
//     producer.start();
//     for (int i = 0; i < 3; ++i) say("got {}", q.get().get<int>());
//
// Items are JSON values, encoded as CBOR: like pickle, what comes out is a copy rebuilt
// from bytes, never the object that went in.
//
// The design, and why it is not CPython's. CPython's queue is a pipe plus a lock plus a
// feeder thread in each producer: put() hands the object to the thread, which pickles it
// and writes it to the pipe later. That is why a Python producer cannot be joined while
// what it put is still unread, and why a put() returns before anything happened. Here
// the queue is a ring of bytes in one SharedMemory block, guarded by a robust process-
// shared mutex, with futex waits for "not empty", "not full" and "all done":
// - put() encodes the item first, then copies it whole into the ring under the lock, so
//   messages are never torn or interleaved, and when put() returns, the item is in.
// - No background thread and no system call at all unless someone must wait.
// - The ring has a size in bytes (buffer_bytes, 1 MiB by default), on top of maxsize in
//   items: when it is full, put() waits as it does on a full bounded queue. A single item
//   larger than the ring is refused (std::length_error): send big payloads over a Pipe.
// - A process killed in the middle of a put() or get() (terminate() can strike anywhere)
//   leaves a half-changed queue. The next user sees it and gets BrokenQueueError, naming
//   the process, instead of reading garbage. CPython says only that the data "is likely to
//   become corrupted"; here you are told.
//
// Passing one to a spawn or forkserver child: list fileno() in Target::fds and adopt() it
// in the entry. A forked child uses the parent's object as it is.
//
// Memory ordering: an item is a copy. Everything a process wrote before put() (to shared
// memory too) is visible to the process whose get() returned that item: the ring's
// process-shared mutex orders them, as a thread Queue's mutex does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/types.h>

#include <nlohmann/json.hpp>

#include "concur/threads/queue.hpp"
#include "concur/mp/shared_memory.hpp"
#include "concur/mp/synchronize.hpp"

namespace concur::detail {

struct alignas(64) QueueCell {
  MutexCell mutex{false};
  WaitCell not_empty;
  WaitCell not_full;
  WaitCell all_done;
  // All below guarded by mutex.
  std::uint64_t capacity = 0;    // bytes in the ring
  std::uint64_t maxsize = 0;     // items; 0: only the ring bounds it
  std::uint64_t head = 0;        // byte position of the oldest item (grows for ever)
  std::uint64_t tail = 0;        // byte position after the newest item
  std::uint64_t items = 0;
  std::uint64_t unfinished = 0;  // put and not yet task_done()
  std::int32_t updating = 0;     // the pid changing the fields above, 0 between changes
  bool joinable = false;
};

}  // namespace concur::detail

namespace concur::mp {

// A process died in the middle of changing the queue; its contents cannot be trusted.
class BrokenQueueError : public std::runtime_error {
 public:
  BrokenQueueError(const std::string& queue, pid_t pid);
};

class Queue {
 public:
  static constexpr std::size_t kDefaultBufferBytes = std::size_t{1} << 20;

  // maxsize 0: as many items as fit in buffer_bytes.
  explicit Queue(std::size_t maxsize = 0, std::string_view name = "queue",
                 std::size_t buffer_bytes = kDefaultBufferBytes);
  // The queue a parent handed to this process (a JoinableQueue may be adopted as a Queue).
  static Queue adopt(detail::Fd fd);

  // Puts one item. When full: waits (block, at most timeout_s seconds), else throws Full.
  void put(const nlohmann::json& item, bool block = true, std::optional<double> timeout_s = std::nullopt);
  // The same, and says `saying` (concur::says) once there is room, under the queue's
  // lock, just before the item goes in: a consumer's line about the item, in any
  // process sharing the console, comes after it. Says nothing when it throws Full.
  //     work.put(item, says("put {}", item));
  // The line is written while the queue's lock is held: see concur::Saying for the
  // trade-off.
  void put(const nlohmann::json& item, const Saying& saying, bool block = true,
           std::optional<double> timeout_s = std::nullopt);
  void put_nowait(const nlohmann::json& item) { put(item, false); }
  // Takes the oldest item. When empty: waits (block, at most timeout_s), else throws Empty.
  nlohmann::json get(bool block = true, std::optional<double> timeout_s = std::nullopt);
  nlohmann::json get_nowait() { return get(false); }

  // Items in it right now (exact here; approximate in Python, where some may still be in
  // a feeder thread).
  std::size_t qsize() const;
  bool empty() const { return qsize() == 0; }
  bool full() const;
  std::size_t maxsize() const noexcept { return static_cast<std::size_t>(placed_.cell->maxsize); }

  const std::string& name() const noexcept { return placed_.name; }
  int fileno() const noexcept { return placed_.block->fileno(); }

 protected:
  explicit Queue(detail::Placed<detail::QueueCell> placed);
  Queue(std::size_t maxsize, std::string_view name, std::size_t buffer_bytes, bool joinable);
  // Takes the queue's mutex and refuses a queue someone died changing.
  class Guard;

  detail::Placed<detail::QueueCell> placed_;
  std::uint32_t waiting_get_label_ = 0;
  std::uint32_t waiting_put_label_ = 0;
  std::uint32_t waiting_join_label_ = 0;
  std::uint32_t depth_label_ = 0;
};

// A Queue that also counts unfinished work: each get() item is finished with task_done(),
// and join() waits until every item ever put has been.
class JoinableQueue : public Queue {
 public:
  explicit JoinableQueue(std::size_t maxsize = 0, std::string_view name = "queue",
                         std::size_t buffer_bytes = kDefaultBufferBytes);
  static JoinableQueue adopt(detail::Fd fd);

  // Marks one item taken with get() as done. Throws std::logic_error when called more
  // times than items were put (Python's ValueError).
  void task_done();
  // Waits until every item put has been marked done.
  void join();

 private:
  explicit JoinableQueue(detail::Placed<detail::QueueCell> placed) : Queue(std::move(placed)) {}
};

}  // namespace concur::mp
