#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include <concur/harness/example.hpp>

namespace concur::cli {
namespace {

namespace fs = std::filesystem;

// The temporary file being written, for the signal handler: the name is stored before
// the file is created and `g_temp_active` set, and cleared after the rename.
char g_temp_path[PATH_MAX + 1] = {};
std::atomic<bool> g_temp_active{false};
static_assert(std::atomic<bool>::is_always_lock_free, "read from a signal handler");

// How long a FIFO with no reader is waited for after the run before the report is lost.
constexpr auto kFifoReaderWait = std::chrono::seconds(3);

// The directory a path's file would be created in ("." for a bare name).
fs::path directory_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// The file a path names once symbolic links are followed, even a link to a file not
// there yet (which the report will create), as an absolute path.
std::string resolved(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  for (int hops = 0; hops < 40 && fs::is_symlink(p, ec); ++hops) {
    const fs::path to = fs::read_symlink(p, ec);
    if (ec) break;
    p = to.is_absolute() ? to : p.parent_path() / to;
  }
  const fs::path real = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal().string() : real.string();
}

// The descriptor a path names when it is this process's stdout or stderr by another name
// (/dev/stdout, /dev/fd/2, ...), else -1. Such a path is written through the descriptor:
// opened anew it would start at offset 0 of a redirected file, and a rename would replace
// the file the shell opened.
int standard_stream(const std::string& path) {
  if (path == "/dev/stdout" || path == "/dev/fd/1" || path == "/proc/self/fd/1") return 1;
  if (path == "/dev/stderr" || path == "/dev/fd/2" || path == "/proc/self/fd/2") return 2;
  return -1;
}

// Writes all of `text` to `fd`, retrying short writes and EINTR. Returns 0 or the errno.
int write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

}  // namespace

void remove_partial_output_from_signal() {
  if (g_temp_active.load()) ::unlink(g_temp_path);
}

OutputFile::OutputFile(std::string path, std::string option, bool allow_stdout)
    : path_(std::move(path)), option_(std::move(option)) {
  const mode_t mask = ::umask(0);  // read it: there is no call that only reads it
  ::umask(mask);
  mode_ = 0666 & ~mask;
  if (path_.empty() || path_ == "-" || standard_stream(path_) >= 0) {
    if (path_ == "-" && !allow_stdout)
      throw BadUsage(fmt::format("{} needs a file path ('-' is only for --json)", option_));
    return;
  }
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw BadUsage(fmt::format("cannot write the {} file '{}': it is a directory", option_, path_));
    if (::access(path_.c_str(), W_OK) != 0)
      throw BadUsage(fmt::format("cannot write the {} file '{}': {}", option_, path_, std::strerror(errno)));
    if (!S_ISREG(st.st_mode)) return;  // a device or a FIFO: written directly, after the run
  }
  // A regular file is replaced by a rename, so its directory must take a new file.
  const fs::path dir = directory_of(resolved(path_));  // where the link leads, if it is one
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode))
    throw BadUsage(fmt::format("cannot write the {} file '{}': there is no directory '{}'", option_, path_, dir.string()));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw BadUsage(fmt::format("cannot write the {} file '{}': directory '{}': {}", option_, path_, dir.string(),
                               std::strerror(errno)));
}

void OutputFile::refuse_shared(const std::vector<const OutputFile*>& outputs) {
  // The file a path means: its resolved name, and its device and inode when it exists.
  struct Identity {
    std::string resolved;
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
  };
  const auto identity = [](const std::string& path) {
    Identity id;
    struct stat st {};
    if (path == "-" || standard_stream(path) >= 0) return std::optional<Identity>();  // a stream, written in turn
    if (::stat(path.c_str(), &st) == 0) {
      // Two writes to one pipe, terminal or device follow each other whole; only a file
      // that one report would replace under the other is a conflict.
      if (!S_ISREG(st.st_mode)) return std::optional<Identity>();
      id.exists = true, id.dev = st.st_dev, id.ino = st.st_ino;
    }
    if (path != "-") id.resolved = resolved(path);
    return std::optional<Identity>(id);
  };
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i]->given()) continue;
    const auto a = identity(outputs[i]->path_);
    if (!a) continue;
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      if (!outputs[j]->given()) continue;
      const auto b = identity(outputs[j]->path_);
      if (!b) continue;
      const bool same = (a->exists && b->exists) ? (a->dev == b->dev && a->ino == b->ino)
                                                 : (!a->resolved.empty() && a->resolved == b->resolved);
      if (same)
        throw BadUsage(fmt::format("{} '{}' and {} '{}' are the same file: give each output its own path",
                                   outputs[i]->option_, outputs[i]->path_, outputs[j]->option_, outputs[j]->path_));
    }
  }
}

void OutputFile::write(std::string_view text) const {
  if (!given()) return;
  const auto lost = [&](const std::string& why) {
    return OutputLost(fmt::format("the {} report is lost: cannot write {}: {}", option_,
                                  to_stdout() ? std::string("stdout") : fmt::format("'{}'", path_), why));
  };
  if (const int fd = to_stdout() ? 1 : standard_stream(path_); fd >= 0) {
    std::cout.flush();
    std::fflush(stdout);
    if (const int err = write_all(fd, text)) throw lost(std::strerror(err));
    return;
  }

  struct stat st {};
  const bool exists = ::stat(path_.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) throw lost("it is a directory");
  if (exists && !S_ISREG(st.st_mode)) {
    // A device, a FIFO or a socket: written in place. A FIFO with no reader would block
    // the open forever, so it is opened without blocking and retried for a while.
    const auto give_up = std::chrono::steady_clock::now() + kFifoReaderWait;
    int fd = -1;
    for (;;) {
      fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0 || errno != ENXIO || std::chrono::steady_clock::now() >= give_up) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (fd < 0)
      throw lost(errno == ENXIO ? fmt::format("no one opened the FIFO for reading within {} s", kFifoReaderWait.count())
                                : std::string(std::strerror(errno)));
    const int flags = ::fcntl(fd, F_GETFL);
    int err = flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ? errno : write_all(fd, text);
    if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
    if (err != 0) throw lost(std::strerror(err));
    return;
  }

  // A regular file (or none yet): a temporary file beside it, renamed over it when whole.
  // A symbolic link keeps pointing where it did: the file it names is the one replaced.
  const std::string target = resolved(path_);
  const fs::path dir = directory_of(target);
  const std::string temp =
      (dir / fmt::format(".{}.{}.concur-tmp", fs::path(target).filename().string(), ::getpid())).string();
  if (temp.size() > PATH_MAX) throw lost("the path is too long");
  std::memcpy(g_temp_path, temp.c_str(), temp.size() + 1);
  g_temp_active.store(true);
  const auto fail = [&](int err) {
    ::unlink(temp.c_str());
    g_temp_active.store(false);
    return lost(std::strerror(err));
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    g_temp_active.store(false);  // not ours to remove: someone else's file of that name
    throw lost(std::strerror(err));
  }
  // The new report gets the old one's permissions, or a new file's.
  int err = ::fchmod(fd, exists ? (st.st_mode & 07777) : mode_) != 0 ? errno : write_all(fd, text);
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err != 0) throw fail(err);
  if (::rename(temp.c_str(), target.c_str()) != 0) throw fail(errno);
  g_temp_active.store(false);
}

}  // namespace concur::cli
