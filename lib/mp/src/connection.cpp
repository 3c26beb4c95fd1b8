#include "concur/mp/connection.hpp"
#include "concur/core/timeout.hpp"

#include "cbor.hpp"
#include "stream_gap.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

namespace concur::mp {
namespace {

// Waits until fd is ready for `events` or the deadline passes (DeadlineError).
void wait_until(int fd, short events, std::chrono::steady_clock::time_point deadline, std::string_view what) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw DeadlineError(fmt::format("timed out {}", what));
    pollfd p{fd, events, 0};
    const int n = detail::retry_eintr([&] { return ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 60'000))); });
    if (n < 0) detail::throw_errno("poll");
    if (n > 0) return;  // ready, or an error the next call reports
  }
}

// write_all with a deadline: each chunk waits for readiness first, so a peer reading one
// byte at a time still runs out of time.
void write_all_until(int fd, const char* data, std::size_t size, std::chrono::steady_clock::time_point deadline) {
  while (size > 0) {
    wait_until(fd, POLLOUT, deadline, "waiting to send");
    const ssize_t n = detail::retry_eintr([&] { return ::send(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL); });
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) continue;
      detail::throw_errno("write");
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// How much one read may take ahead: a pipe's default capacity. A frame longer than this
// is read straight into its own string instead, never through the buffer.
constexpr std::size_t kReadahead = std::size_t{64} << 10;
constexpr int kLargePipe = 1 << 20;
constexpr int kLooks = 4;

// Where send() encodes a frame: one per thread, shared by every connection.
thread_local std::string send_buffer;

bool is_socket(int fd) {
  struct stat st {};
  return fd >= 0 && ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

std::size_t frame_size(const char* header) {
  const auto byte = [&](int i) { return std::size_t{static_cast<unsigned char>(header[i])}; };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

}  // namespace

Connection::Connection(detail::Fd fd, bool readable, bool writable, Codec codec)
    : fd_(std::move(fd)), readable_(readable), writable_(writable), socket_(is_socket(fd_.get())), codec_(codec) {}

// The locks are not moved: a connection is moved only before it is shared.
Connection::Connection(Connection&& other) noexcept
    : fd_(std::move(other.fd_)),
      readable_(other.readable_),
      writable_(other.writable_),
      socket_(other.socket_),
      readahead_(other.readahead_),
      grown_(other.grown_),
      codec_(other.codec_),
      max_frame_(other.max_frame_),
      deadline_(other.deadline_),
      in_(std::move(other.in_)),
      in_begin_(std::exchange(other.in_begin_, 0)),
      in_end_(std::exchange(other.in_end_, 0)),
      frame_buffered_(other.frame_buffered_.exchange(false)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  fd_ = std::move(other.fd_);
  readable_ = other.readable_;
  writable_ = other.writable_;
  socket_ = other.socket_;
  readahead_ = other.readahead_;
  grown_ = other.grown_;
  codec_ = other.codec_;
  max_frame_ = other.max_frame_;
  deadline_ = other.deadline_;
  in_ = std::move(other.in_);
  in_begin_ = std::exchange(other.in_begin_, 0);
  in_end_ = std::exchange(other.in_end_, 0);
  frame_buffered_.store(other.frame_buffered_.exchange(false));
  return *this;
}

Connection Connection::adopt(detail::Fd fd, Codec codec) {
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0) detail::throw_errno("fcntl");
  const int mode = flags & O_ACCMODE;
  return Connection(std::move(fd), mode != O_WRONLY, mode != O_RDONLY, codec);
}

void Connection::require(bool direction, std::string_view what) const {
  if (closed()) throw std::logic_error(fmt::format("{} on a closed connection", what));
  if (!direction)
    throw std::logic_error(fmt::format("{} on a {} end of a one-way Pipe", what,
                                       readable_ ? "receive-only" : "send-only"));
}

std::string frame_header(std::uint32_t size) {
  return {static_cast<char>(size >> 24), static_cast<char>(size >> 16), static_cast<char>(size >> 8),
          static_cast<char>(size)};
}

void Connection::send_bytes(std::string_view bytes) { send_bytes(bytes, Saying{}); }

void Connection::send_bytes(std::string_view bytes, const Saying& saying) {
  require(writable_, "send");
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("send: a message is limited to 4 GiB");
  const std::string header = frame_header(static_cast<std::uint32_t>(bytes.size()));
  std::lock_guard guard(send_mu_);
  if (!socket_ && !grown_ && bytes.size() > kReadahead) {
    // A pipe that carries a large message gets room for a megabyte (the kernel's limit
    // for an unprivileged process, /proc/sys/fs/pipe-max-size): 64 KiB at a time, each
    // 64 MiB takes a thousand hand-offs between writer and reader; 1 MiB, sixty-four.
    // Refused (a user over the pipe memory limit), it keeps the size it has.
    grown_ = true;
    (void)::fcntl(fd_.get(), F_SETPIPE_SZ, kLargePipe);
  }
  saying.say();  // before the first byte: the receiver cannot have the message yet
  send_frame(header, bytes);
}

// Header and payload leave in one system call (writev): a frame of up to PIPE_BUF (4096)
// bytes lands in a pipe whole, however many processes write to it.
void Connection::send_frame(std::string_view header, std::string_view payload) {
  if (deadline_) {
    std::string frame(header);
    frame.append(payload);
    write_all_until(fd_.get(), frame.data(), frame.size(), *deadline_);
  } else {
    detail::write_all(fd_.get(), {{header.data(), header.size()}, {payload.data(), payload.size()}}, socket_);
  }
}

std::size_t Connection::read_some(char* data, std::size_t size) {
  for (;;) {
    // With a deadline, wait for readiness first: a peer dripping bytes still runs out of time.
    if (deadline_) wait_until(fd_.get(), POLLIN, *deadline_, "waiting to receive");
    const ssize_t n = detail::retry_eintr([&] {
      return deadline_ ? ::recv(fd_.get(), data, size, MSG_DONTWAIT) : ::read(fd_.get(), data, size);
    });
    if (n >= 0) return static_cast<std::size_t>(n);
    if (deadline_ && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    detail::throw_errno("read");
  }
}

bool Connection::read_now(char* data, std::size_t size, std::size_t& got) {
  if (!socket_) {
    if (!detail::wait_readable(fd_.get(), 0)) return false;
    got = read_some(data, size);
    return true;
  }
  const ssize_t n = detail::retry_eintr([&] { return ::recv(fd_.get(), data, size, MSG_DONTWAIT); });
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    detail::throw_errno("read");
  }
  got = static_cast<std::size_t>(n);
  return true;
}

std::size_t Connection::fill(std::size_t need) {
  if (in_.size() < kReadahead) in_.resize(kReadahead);
  if (in_begin_ + need > in_.size()) {  // make room behind what is left
    std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  while (in_end_ - in_begin_ < need) {
    const std::size_t want = readahead_ ? in_.size() - in_end_ : need - (in_end_ - in_begin_);
    // Nothing here, in the middle of a stream (the last frame came under 20 µs ago): look
    // a few times whether bytes are there, giving the core away in between, before
    // sleeping in read(). A writer on the other core usually answers within the looks, so
    // neither side pays a sleep and a wake-up (bench_pipe round trip on two cores: from
    // 1.9x the pipe ping-pong floor to 0.65x, with four looks instead of one); a writer
    // sharing this core runs in the yield and writes a batch that one read takes whole
    // (one way on one core: from 0.56x the 12-byte floor to 0.95x). Not for an
    // occasional message: beside a busy program a yield can hand that program a whole
    // time slice, and a reply would wait for it.
    //
    // A look on a socket is a recv() that does not wait and takes what is there; on a
    // pipe it is poll(), then a read() of what poll saw. (A pipe read that does not wait,
    // preadv2 with RWF_NOWAIT, takes the pipe's lock, which the writer needs for every
    // message: one way on two cores went from 0.75x the floor to 0.66-0.72x with it.)
    std::size_t n = 0;
    bool got = false;
    if (readahead_ && !deadline_ && in_end_ == in_begin_ && streaming())
      for (int look = 0; look < kLooks && !got; ++look) {
        if (look > 0) ::sched_yield();
        got = read_now(in_.data() + in_end_, want, n);
      }
    if (!got) n = read_some(in_.data() + in_end_, want);
    if (n == 0) break;  // end of file
    in_end_ += n;
  }
  return in_end_ - in_begin_;
}

bool Connection::streaming() const { return detail::in_stream(last_frame_ns_); }

void Connection::note_buffered() {
  last_frame_ns_ = detail::steady_now_ns();
  const std::size_t left = in_end_ - in_begin_;
  const bool whole = left >= 4 && left - 4 >= frame_size(in_.data() + in_begin_);
  frame_buffered_.store(whole, std::memory_order_release);
}

std::string_view Connection::next_frame(std::string& big) {
  struct Noted {  // however this ends: is a whole frame still waiting in the buffer?
    Connection* conn;
    ~Noted() { conn->note_buffered(); }  // looks only: the frame handed out stays where it is
  } noted{this};
  const std::size_t got = fill(4);
  if (got == 0) throw EOFError();
  if (got < 4)
    throw FrameError(FrameError::Kind::truncated,
                     fmt::format("truncated frame: the stream ended after {} of 4 header bytes", got));
  const std::size_t size = frame_size(in_.data() + in_begin_);
  in_begin_ += 4;
  if (size > max_frame_)
    throw FrameError(FrameError::Kind::oversized,
                     fmt::format("oversized frame: {} bytes announced, at most {} allowed", size, max_frame_));
  const auto truncated = [&](std::size_t body) {
    return FrameError(FrameError::Kind::truncated,
                      fmt::format("truncated frame: the stream ended after {} of {} bytes", body, size));
  };
  if (4 + size <= in_.size()) {
    in_begin_ -= 4;  // keep the header with its payload while filling
    const std::size_t have = fill(4 + size);
    if (have < 4 + size) {
      in_begin_ = in_end_;
      throw truncated(have - 4);
    }
    const std::string_view payload(in_.data() + in_begin_ + 4, size);
    in_begin_ += 4 + size;
    return payload;
  }
  // Longer than the buffer: what was read ahead, then the rest straight into `big`.
  big.assign(size, '\0');
  std::size_t body = std::min(size, in_end_ - in_begin_);
  std::memcpy(big.data(), in_.data() + in_begin_, body);
  in_begin_ += body;
  while (body < size) {
    const std::size_t n = read_some(big.data() + body, size - body);
    if (n == 0) throw truncated(body);
    body += n;
  }
  return big;
}

std::string Connection::recv_bytes() {
  require(readable_, "recv");
  std::lock_guard guard(recv_mu_);
  std::string big;
  const std::string_view payload = next_frame(big);
  if (!big.empty() && payload.data() == big.data()) return big;
  return std::string(payload);
}

template <typename Encode>
void Connection::send_encoded(const Encode& encode, const Saying& saying) {
  require(writable_, "send");
  // Encoded behind room for the header, into this thread's buffer (its memory is kept
  // from one message to the next, up to 64 KiB): the frame is written in one call.
  std::string& frame = send_buffer;
  frame.assign(4, '\0');
  encode(frame);
  struct Shrink {  // a huge message's buffer is not kept
    std::string& frame;
    ~Shrink() {
      if (frame.capacity() > kReadahead) std::string().swap(frame);
    }
  } shrink{frame};
  const std::size_t size = frame.size() - 4;
  if (size > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("send: a message is limited to 4 GiB");
  frame.replace(0, 4, frame_header(static_cast<std::uint32_t>(size)));
  std::lock_guard guard(send_mu_);
  saying.say();  // before the first byte: the receiver cannot have the message yet
  send_frame({}, frame);
}

void Connection::send(const nlohmann::json& value, const Saying& saying) {
  send_encoded(
      [&](std::string& out) {
        if (codec_ == Codec::cbor) wire::append_cbor(value, out);
        else nlohmann::json::to_msgpack(value, out);
      },
      saying);
}

void Connection::send(std::initializer_list<Field> fields, const Saying& saying) {
  if (fields.size() == 0) return send(nlohmann::json(), saying);
  if (codec_ != Codec::cbor) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [key, value] : fields) object.emplace(key, value);
    return send(object, saying);
  }
  send_encoded([&](std::string& out) { wire::append_cbor_object({fields.begin(), fields.size()}, out); }, saying);
}

nlohmann::json Connection::recv() {
  require(readable_, "recv");
  std::lock_guard guard(recv_mu_);
  std::string big;
  const std::string_view bytes = next_frame(big);  // decoded here, before the buffer moves on
  try {
    return codec_ == Codec::cbor ? wire::parse_cbor(bytes) : nlohmann::json::from_msgpack(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    throw FrameError(FrameError::Kind::corrupt, fmt::format("corrupt frame: {}", e.what()));
  }
}

bool Connection::poll(std::optional<double> timeout_s) const {
  require(readable_, "poll");
  if (buffered()) return true;
  const int ms = timeout_ms(timeout_s);
  return detail::wait_readable(fd_.get(), ms);
}

void Connection::close() {
  if (closed()) throw std::logic_error("close on a closed connection");
  fd_.reset();
  in_ = {};  // what was read ahead goes with the descriptor
  in_begin_ = in_end_ = 0;
  frame_buffered_.store(false);
}

std::pair<Connection, Connection> Pipe(bool duplex) {
  if (duplex) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) detail::throw_errno("socketpair");
    return {Connection(detail::Fd(sv[0]), true, true), Connection(detail::Fd(sv[1]), true, true)};
  }
  auto [read_end, write_end] = os_pipe();
  return {Connection(std::move(read_end), true, false), Connection(std::move(write_end), false, true)};
}

void os_write(int fd, std::string_view text) { detail::write_all(fd, text.data(), text.size()); }

std::string os_read_available(int fd) { return detail::read_available(fd); }

std::pair<detail::Fd, detail::Fd> os_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) detail::throw_errno("pipe2");
  return {detail::Fd(fds[0]), detail::Fd(fds[1])};
}

}  // namespace concur::mp
