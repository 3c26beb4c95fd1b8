#include "concur/core/fd.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <optional>
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

// Writing to a pipe whose reader is gone raises SIGPIPE, which would kill the process.
// Block it on this thread for the write, and swallow one that became pending, so the
// failure arrives as EPIPE instead. Sockets use MSG_NOSIGNAL and need none of this.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_);
  }
  ~SigpipeBlocked() {
    if (!was_pending_) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_only, nullptr, &zero) > 0) {}
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t old_{};
  bool was_pending_ = false;
};

bool is_socket(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

void write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  const bool socket = is_socket(fd);
  std::optional<SigpipeBlocked> guard;
  if (!socket) guard.emplace();
  while (size > 0) {
    const ssize_t n = retry_eintr([&] {
      return socket ? ::send(fd, p, size, MSG_NOSIGNAL) : ::write(fd, p, size);
    });
    if (n < 0) throw_errno("write");
    p += n;
    size -= static_cast<std::size_t>(n);
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
