// concur/core/fd.hpp - file descriptors that close themselves, and the one place
// where system calls interrupted by a signal (EINTR) are retried.
#pragma once

#include <cerrno>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace concur::detail {

// Calls fn() until it does not fail with EINTR; returns its last result.
template <typename Fn>
auto retry_eintr(Fn fn) {
  for (;;) {
    auto r = fn();
    if (!(r == -1 && errno == EINTR)) return r;
  }
}

// A std::system_error for the current errno: "what: strerror".
[[noreturn]] void throw_errno(std::string_view what);

// Owns a file descriptor: closes it when destroyed. Move-only.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  // Closes now (close(2) is never retried: the descriptor is gone even on EINTR).
  void reset() noexcept;
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// Writes every byte (retrying short writes and EINTR). A reader that has gone away is
// reported as std::system_error(EPIPE), never as a SIGPIPE that kills the process.
void write_all(int fd, const void* data, std::size_t size);

// The same for several pieces written as one (writev: a frame's header and its payload
// leave in one system call), when the caller already knows whether fd is a socket.
//
// SIGPIPE: a socket write says MSG_NOSIGNAL. A pipe write blocks SIGPIPE on this thread
// around the write (and swallows the one it raised), unless the process ignores SIGPIPE
// (as concur and CPython do from the start): that is looked up once, at the first pipe
// write, so a program that starts ignoring it later still pays for the guard.
struct Piece {
  const void* data;
  std::size_t size;
};
void write_all(int fd, std::initializer_list<Piece> pieces, bool socket);

// Reads exactly `size` bytes unless end of file comes first; returns how many were read
// (less than size only at end of file).
std::size_t read_exact(int fd, void* data, std::size_t size);

// Everything that can be read now, without waiting: up to end of file, or until nothing
// more is there (the writers may still be open).
std::string read_available(int fd);

// Waits until fd is readable (data or end of file), at most timeout_ms (< 0: forever).
bool wait_readable(int fd, int timeout_ms);

}  // namespace concur::detail
