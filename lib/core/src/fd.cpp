#include "concur/core/fd.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace concur::detail {

void throw_errno(std::string_view what) {
  throw std::system_error(errno, std::generic_category(), std::string(what));
}

void Fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

sigset_t sigpipe_only() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  return set;
}

// Whether the process ignores SIGPIPE, looked up at the first pipe write.
bool sigpipe_ignored() {
  static const bool ignored = [] {
    struct sigaction now {};
    return ::sigaction(SIGPIPE, nullptr, &now) == 0 && now.sa_handler == SIG_IGN;
  }();
  return ignored;
}

// Writing to a pipe whose reader is gone raises SIGPIPE, which would kill the process.
// Block it on this thread for the write and swallow the one the write raised, so the
// failure arrives as EPIPE instead. Not needed when the process ignores SIGPIPE, nor
// for sockets (MSG_NOSIGNAL). A SIGPIPE only becomes pending while blocked, so one
// pending before we blocked it can only belong to a caller that blocked it already:
// then we leave the mask and the pending signal alone.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    const sigset_t pipe_only = sigpipe_only();
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_);
    blocked_here_ = sigismember(&old_, SIGPIPE) == 0;
  }
  // Call after a write failed with EPIPE: takes the signal it raised.
  void swallow() const {
    if (!blocked_here_) return;
    const sigset_t pipe_only = sigpipe_only();
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &zero) > 0) {}
  }
  ~SigpipeBlocked() {
    if (blocked_here_) pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t old_{};
  bool blocked_here_ = false;
};

bool is_socket(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

void write_all(int fd, const void* data, std::size_t size) { write_all(fd, {Piece{data, size}}, is_socket(fd)); }

void write_all(int fd, std::initializer_list<Piece> pieces, bool socket) {
  constexpr std::size_t kMaxPieces = 4;
  if (pieces.size() > kMaxPieces) throw std::invalid_argument("write_all: at most 4 pieces");
  iovec iov[kMaxPieces];
  int count = 0;
  for (const Piece& piece : pieces)
    if (piece.size > 0) iov[count++] = {const_cast<void*>(piece.data), piece.size};
  std::optional<SigpipeBlocked> guard;
  if (!socket && !sigpipe_ignored()) guard.emplace();
  iovec* next = iov;
  while (count > 0) {
    const ssize_t n = retry_eintr([&] {
      if (count == 1)  // one piece: the plain call, cheaper than its vector form
        return socket ? ::send(fd, next->iov_base, next->iov_len, MSG_NOSIGNAL) : ::write(fd, next->iov_base, next->iov_len);
      if (!socket) return ::writev(fd, next, count);
      msghdr message{};
      message.msg_iov = next;
      message.msg_iovlen = static_cast<std::size_t>(count);
      return ::sendmsg(fd, &message, MSG_NOSIGNAL);
    });
    if (n < 0) {
      const int error = errno;
      if (error == EPIPE && guard) guard->swallow();
      errno = error;
      throw_errno("write");
    }
    // Step over what went out: whole pieces, then part of one.
    auto left = static_cast<std::size_t>(n);
    while (count > 0 && left >= next->iov_len) {
      left -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + left;
      next->iov_len -= left;
    }
  }
}

std::size_t read_exact(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = retry_eintr([&] { return ::read(fd, p + got, size - got); });
    if (n < 0) throw_errno("read");
    if (n == 0) break;  // end of file
    got += static_cast<std::size_t>(n);
  }
  return got;
}

std::string read_available(int fd) {
  std::string all;
  char buffer[4096];
  while (wait_readable(fd, 0)) {
    const ssize_t n = retry_eintr([&] { return ::read(fd, buffer, sizeof buffer); });
    if (n < 0) throw_errno("read");
    if (n == 0) break;  // end of file
    all.append(buffer, static_cast<std::size_t>(n));
  }
  return all;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  const int n = retry_eintr([&] { return ::poll(&p, 1, timeout_ms); });
  if (n < 0) throw_errno("poll");
  return n > 0;
}

}  // namespace concur::detail
