#include "concur/mp/connection.hpp"
#include "concur/core/timeout.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
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

// read_exact and write_all with a deadline: each chunk waits for readiness first, so a
// peer dripping one byte at a time still runs out of time.
std::size_t read_exact_until(int fd, char* data, std::size_t size, std::chrono::steady_clock::time_point deadline) {
  std::size_t got = 0;
  while (got < size) {
    wait_until(fd, POLLIN, deadline, "waiting to receive");
    const ssize_t n = detail::retry_eintr([&] { return ::recv(fd, data + got, size - got, MSG_DONTWAIT); });
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) continue;
      detail::throw_errno("read");
    }
    got += static_cast<std::size_t>(n);
  }
  return got;
}

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

}  // namespace

Connection::Connection(detail::Fd fd, bool readable, bool writable, Codec codec)
    : fd_(std::move(fd)), readable_(readable), writable_(writable), codec_(codec) {}

// The locks are not moved: a connection is moved only before it is shared.
Connection::Connection(Connection&& other) noexcept
    : fd_(std::move(other.fd_)),
      readable_(other.readable_),
      writable_(other.writable_),
      codec_(other.codec_),
      max_frame_(other.max_frame_),
      deadline_(other.deadline_) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  fd_ = std::move(other.fd_);
  readable_ = other.readable_;
  writable_ = other.writable_;
  codec_ = other.codec_;
  max_frame_ = other.max_frame_;
  deadline_ = other.deadline_;
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
  saying.say();  // before the first byte: the receiver cannot have the message yet
  // Small frames go out in one system call (header and payload together), so a pipe
  // delivers them whole; large ones are streamed.
  if (deadline_) {
    std::string frame = header;
    frame.append(bytes);
    write_all_until(fd_.get(), frame.data(), frame.size(), *deadline_);
  } else if (bytes.size() <= 4096) {
    std::string frame = header;
    frame.append(bytes);
    detail::write_all(fd_.get(), frame.data(), frame.size());
  } else {
    detail::write_all(fd_.get(), header.data(), header.size());
    detail::write_all(fd_.get(), bytes.data(), bytes.size());
  }
}

std::string Connection::recv_bytes() {
  require(readable_, "recv");
  std::lock_guard guard(recv_mu_);
  auto read = [&](void* data, std::size_t size) {
    return deadline_ ? read_exact_until(fd_.get(), static_cast<char*>(data), size, *deadline_)
                     : detail::read_exact(fd_.get(), data, size);
  };
  std::array<unsigned char, 4> header{};
  const std::size_t got = read(header.data(), header.size());
  if (got == 0) throw EOFError();
  if (got < header.size())
    throw FrameError(FrameError::Kind::truncated,
                     fmt::format("truncated frame: the stream ended after {} of 4 header bytes", got));
  const std::size_t size = (std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                           (std::size_t{header[2]} << 8) | std::size_t{header[3]};
  if (size > max_frame_)
    throw FrameError(FrameError::Kind::oversized,
                     fmt::format("oversized frame: {} bytes announced, at most {} allowed", size, max_frame_));
  std::string payload(size, '\0');
  const std::size_t body = read(payload.data(), size);
  if (body < size)
    throw FrameError(FrameError::Kind::truncated,
                     fmt::format("truncated frame: the stream ended after {} of {} bytes", body, size));
  return payload;
}

void Connection::send(const nlohmann::json& value, const Saying& saying) {
  const std::vector<std::uint8_t> bytes =
      codec_ == Codec::cbor ? nlohmann::json::to_cbor(value) : nlohmann::json::to_msgpack(value);
  send_bytes({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, saying);
}

nlohmann::json Connection::recv() {
  const std::string bytes = recv_bytes();
  try {
    return codec_ == Codec::cbor ? nlohmann::json::from_cbor(bytes) : nlohmann::json::from_msgpack(bytes);
  } catch (const nlohmann::json::exception& e) {
    throw FrameError(FrameError::Kind::corrupt, fmt::format("corrupt frame: {}", e.what()));
  }
}

bool Connection::poll(std::optional<double> timeout_s) const {
  require(readable_, "poll");
  const int ms = timeout_ms(timeout_s);
  return detail::wait_readable(fd_.get(), ms);
}

void Connection::close() {
  if (closed()) throw std::logic_error("close on a closed connection");
  fd_.reset();
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
