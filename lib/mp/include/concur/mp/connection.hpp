// concur/mp/connection.hpp - Pipe() and Connection: messages between processes.
//
// Plays the role of Python's multiprocessing.Pipe() and its Connection objects.
// Pipe(true) is a socketpair: either end can send and receive. Pipe(false) is a one-way
// pipe (pipe2): the first end only receives, the second only sends, as in Python.
//
//     auto [parent_end, child_end] = concur::mp::Pipe();
//     child_end.send({{"n", 42}});             // any JSON value: the analog of pickle
//     nlohmann::json msg = parent_end.recv();  // blocks until a whole message is there
//
// On the wire every message is a frame: a 4-byte big-endian length, then that many
// bytes. send()/recv() carry a JSON value encoded as CBOR (or MessagePack, per
// connection); send_bytes()/recv_bytes() carry raw bytes. A receiver refuses a frame
// longer than its max_frame (FrameError: oversized), a stream that ends inside a frame
// (FrameError: truncated) and a payload that does not decode (FrameError: corrupt).
// The other end closing cleanly between frames is EOFError, the error a reader catches
// to know the conversation is over.
//
// A receiving end reads ahead: one read() takes as many bytes as the kernel holds (up to
// 64 KiB), and the frames among them are handed out by the following recv()s without a
// system call. So fileno() may look idle while a whole message already waits here: ask
// poll() or buffered(), never the descriptor alone. An end that also carries descriptors
// (SCM_RIGHTS, as the fork server's does) turns this off (set_readahead(false)), so that
// no read runs past a frame into the byte the descriptors travel with.
//
// Within one process, sends and receives on one Connection are serialised by locks, so
// threads sharing an end never tear a frame. Two processes writing to the same end are
// another matter (as in Python): give each writer its own end, or use a process Queue.
// Descriptors are close-on-exec; a child made by fork() inherits them.
//
// A socket end can carry a deadline (set_deadline): then every send and recv on it fails
// with DeadlineError once that instant has passed, however slowly the bytes drip, instead
// of blocking. A network server or client uses it so that no peer can hold it forever.
//
// Memory ordering: a message is a copy; processes share nothing through it but its bytes.
// Within one process, what a thread wrote before send() is visible to the thread whose
// recv() returned that message (the end's locks and the kernel's buffer order them).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/core/console.hpp"
#include "concur/core/fd.hpp"
#include "concur/core/timeout.hpp"

namespace concur::mp {

// The other end closed the connection (between two messages).
class EOFError : public std::runtime_error {
 public:
  EOFError() : std::runtime_error("end of file: the other end of the connection is closed") {}
};

// A frame that cannot be read: cut short, longer than allowed, or undecodable.
class FrameError : public std::runtime_error {
 public:
  enum class Kind { truncated, oversized, corrupt };
  FrameError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

// A send or recv did not finish before the connection's deadline. The stream may now be
// cut inside a frame: close the connection.
class DeadlineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Codec { cbor, msgpack };

class Connection {
 public:
  static constexpr std::size_t kDefaultMaxFrame = std::size_t{256} << 20;  // 256 MiB

  // Takes ownership of fd. `readable`/`writable` say which directions this end allows.
  Connection(detail::Fd fd, bool readable, bool writable, Codec codec = Codec::cbor);
  // Takes ownership of an end handed to a child process, its directions read off the
  // descriptor itself (a pipe's read or write end, or a socket).
  static Connection adopt(detail::Fd fd, Codec codec = Codec::cbor);
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one JSON value as one frame. Blocks while the OS buffer is full.
  // Throws std::logic_error on a receive-only or closed end; std::system_error (EPIPE)
  // when the other end has gone.
  //
  // `saying` (concur::says) is written when the frame starts to go out: encoded, under
  // this end's send lock, before its first byte is written. The receiver's line about
  // the message, written after its recv() returned, therefore always comes after it,
  // even from another process sharing the console. (If the write then fails, the line
  // has already been said.)
  //     conn.send(msg, says("sent {}", msg.dump()));
  void send(const nlohmann::json& value, const Saying& saying = {});
  // The same for a message written as an object literal, conn.send({{"i", n}}): encoded
  // straight from the list, without making the object first (a small message costs
  // about a third less to send). The bytes are the same as for the object made from it:
  // keys in order, the first of two equal keys kept. An empty list, send({}), sends null,
  // as it did before this overload existed.
  using Field = std::pair<std::string_view, nlohmann::json>;
  void send(std::initializer_list<Field> fields, const Saying& saying = {});
  // Blocks until a whole message has arrived and returns it. Throws EOFError when the
  // other end closed first, FrameError for a bad frame.
  nlohmann::json recv();

  void send_bytes(std::string_view bytes);
  void send_bytes(std::string_view bytes, const Saying& saying);
  std::string recv_bytes();

  // True when recv() would not block (a message, or end of file, is waiting); waits at
  // most timeout_s seconds (nullopt: forever; 0: just look).
  bool poll(std::optional<double> timeout_s = 0.0) const;
  // True when a whole message has been read ahead already: recv() returns it without a
  // system call. Whoever waits on fileno() must look here first.
  bool buffered() const noexcept { return frame_buffered_.load(std::memory_order_acquire); }
  // Off: every read stops at the end of the frame it needs (for an end that descriptors
  // also travel on). Set it while no other thread is using this end.
  void set_readahead(bool on) noexcept { readahead_ = on; }

  // Closes this end now. Further calls throw std::logic_error.
  void close();
  bool closed() const noexcept { return !fd_.valid(); }

  bool readable() const noexcept { return readable_; }
  bool writable() const noexcept { return writable_; }
  int fileno() const noexcept { return fd_.get(); }
  void set_max_frame(std::size_t bytes) noexcept { max_frame_ = bytes; }
  std::size_t max_frame() const noexcept { return max_frame_; }

  // From now on, send and recv throw DeadlineError rather than wait past `when` (nullopt:
  // wait as long as it takes, the default). For socket ends; set it while no other
  // thread is using this end.
  using Deadline = concur::Deadline;  // concur/core/timeout.hpp
  void set_deadline(Deadline when) noexcept { deadline_ = when; }
  Deadline deadline() const noexcept { return deadline_; }

 private:
  void require(bool direction, std::string_view what) const;
  void send_frame(std::string_view header, std::string_view payload);
  // Encodes with `encode` into this thread's frame buffer and sends it as one frame.
  template <typename Encode>
  void send_encoded(const Encode& encode, const Saying& saying);
  // The next frame's payload, read under recv_mu_: a view into in_ (valid until the next
  // read) when it fits there, else read whole into `big`, which the view then shows.
  std::string_view next_frame(std::string& big);
  // Makes `need` bytes available at in_[in_begin_...]; fewer only at end of file.
  std::size_t fill(std::size_t need);
  std::size_t read_some(char* data, std::size_t size);
  // What is there now, without waiting: false when nothing is, else `got` bytes (0 at
  // end of file). Under recv_mu_.
  bool read_now(char* data, std::size_t size, std::size_t& got);
  void note_buffered();
  bool streaming() const;  // the last frame came moments ago (recv_mu_)

  detail::Fd fd_;
  bool readable_;
  bool writable_;
  bool socket_ = false;
  bool readahead_ = true;
  bool grown_ = false;  // a pipe asked for more room once, at its first large message (send_mu_)
  Codec codec_;
  std::size_t max_frame_ = kDefaultMaxFrame;
  Deadline deadline_;
  std::mutex send_mu_;  // one frame at a time leaves this end
  std::mutex recv_mu_;  // one frame at a time is read from this end
  // Read ahead, not yet handed out: in_[in_begin_, in_end_). Guarded by recv_mu_.
  std::vector<char> in_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  std::atomic<bool> frame_buffered_{false};  // a whole frame lies in in_
  std::int64_t last_frame_ns_ = 0;            // steady clock, when the last recv ended (recv_mu_)
};

// A connected pair. duplex: both ends send and receive (a socketpair). Not duplex: the
// first end only receives and the second only sends (a pipe), as Python's Pipe(False).
std::pair<Connection, Connection> Pipe(bool duplex = true);

// os.pipe(): a plain OS pipe, no messages, just bytes (what a process's stdout often is).
// The read end first; both close-on-exec (hand the write end to a child in Target::fds).
std::pair<detail::Fd, detail::Fd> os_pipe();
// os.write(): every byte of `text`, checked (a reader gone is std::system_error, EPIPE).
// A write of at most PIPE_BUF (4096) bytes to a pipe lands in one piece; several writes
// from several processes may interleave between them.
void os_write(int fd, std::string_view text);
// What the pipe holds now, without waiting for more (os.read until it would block).
std::string os_read_available(int fd);

// The frame format, for tests and tools: the 4-byte big-endian header of a payload size.
std::string frame_header(std::uint32_t size);

}  // namespace concur::mp
