// The spawn start method: a fresh exec of this binary, told what to run over a
// socketpair on descriptor 3 (a frame with the entry's name and arguments, then the
// descriptors it is handed, passed with SCM_RIGHTS).
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <system_error>

#include "concur/core/actor.hpp"
#include "concur/core/clock.hpp"
#include "concur/core/console.hpp"
#include "concur/core/registry.hpp"
#include "concur/core/timeline.hpp"
#include "concur/mp/connection.hpp"
#include "concur/mp/entry.hpp"
#include "spawn.hpp"

extern char** environ;  // NOLINT: POSIX declares it nowhere

namespace concur::mp {
namespace {

Registry<Entry>& entries() {
  static Registry<Entry> all;
  return all;
}

}  // namespace

void send_fds(int socket, const std::vector<int>& fds) {
  if (fds.empty()) return;
  char byte = 'F';
  iovec iov{&byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  if (detail::retry_eintr([&] { return ::sendmsg(socket, &msg, MSG_NOSIGNAL); }) < 0) detail::throw_errno("sendmsg");
}

std::vector<detail::Fd> receive_fds(int socket, std::size_t count) {
  std::vector<detail::Fd> out;
  if (count == 0) return out;
  char byte = 0;
  iovec iov{&byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * count));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  if (detail::retry_eintr([&] { return ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC); }) <= 0)
    detail::throw_errno("recvmsg");
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    std::vector<int> fds(n);
    std::memcpy(fds.data(), CMSG_DATA(c), n * sizeof(int));
    for (int fd : fds) out.emplace_back(fd);
  }
  if (out.size() != count) throw std::runtime_error("spawn: descriptors were lost on the way");
  return out;
}

void register_entry(std::string name, Entry entry) {
  entries().add_unique(std::move(name), entry, "CONCUR_ENTRY");
}

Entry find_entry(std::string_view name) { return entries().get(name).value_or(nullptr); }

nlohmann::json start_order(const Target& target, const std::string& name) {
  const Console& con = Console::get();
  return {{"entry", target.entry},
          {"args", target.args},
          {"name", name},
          {"fds", target.fds.size()},
          {"timeline", target.timeline},
          // The child narrates like its parent: same stream, colour, quietness and clock.
          {"console", {{"fd", con.fd()}, {"color", con.color()}, {"narrate", con.narrating()}}},
          {"run_start_ns", RunClock::start_ns()}};
}

int run_order(const nlohmann::json& order, std::vector<detail::Fd> fds) {
  try {
    const nlohmann::json& console = order["console"];
    Console::get().configure(console["fd"], console["color"], console["narrate"]);
    RunClock::set_start_ns(order["run_start_ns"]);
    set_current_actor(child_actor_name(order["name"].get<std::string>()));
    detail::Fd timeline;
    if (order.value("timeline", false) && !fds.empty()) {
      timeline = std::move(fds.back());
      fds.pop_back();
      record_for_parent();
    }
    int code = 0;
    try {
      const Entry entry = find_entry(order["entry"].get<std::string>());
      if (entry == nullptr) throw std::runtime_error("no entry named " + order["entry"].dump());
      ScopedSpan running(SpanKind::running, timeline ? Recorder::intern("running " + order["entry"].get<std::string>()) : 0);
      entry(order["args"], std::move(fds));
    } catch (const std::exception& e) {
      Console::get().event(current_actor(), fmt::format("raised an exception: {}", e.what()));
      code = 1;
    }
    if (timeline) send_timeline_home(timeline.get());
    return code;
  } catch (const std::exception& e) {
    Console::get().event(current_actor(), fmt::format("could not start: {}", e.what()));
    return 1;
  }
}

// Plain string building, not fmt: a forked child reads every page of code it runs afresh
// (a fault each), and its parent may never have formatted anything.
std::string child_actor_name(const std::string& name) { return name + "[" + std::to_string(::getpid()) + "]"; }

void record_for_parent() { Recorder::begin_run(); }

void send_timeline_home(int fd) noexcept {
  try {
    const std::string bytes = encode_timeline(Recorder::end_run());
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = detail::retry_eintr(
          [&] { return ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done)); });
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  } catch (...) {
    // Out of memory while encoding: the parent's timeline just lacks this child.
  }
}

void collect_child_timeline(int fd) noexcept {
  try {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size <= 0) return;  // it recorded nothing, or was killed
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = detail::retry_eintr(
          [&] { return ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done)); });
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
    Recorder::adopt(decode_timeline(bytes));
  } catch (...) {
    // A child killed in the middle of writing leaves half a timeline: drop it.
  }
}

detail::Fd make_timeline_file() {
  detail::Fd fd(::memfd_create("concur-timeline", MFD_CLOEXEC));
  if (!fd) detail::throw_errno("memfd_create");
  return fd;
}

pid_t exec_self(const char* word, int socket) {
  // posix_spawn, not fork() then exec: the child borrows this process's memory until its
  // exec (vfork-style) instead of copying its page tables, and neither side takes a
  // copy-on-write fault for every page it touches meanwhile. Between the two there is
  // then no room for prctl(), so the new program arms its death signal itself, first
  // thing (run_if_spawned), told here who its parent is ("0": not armed, see
  // die_with_parent()).
  char exe[] = "/proc/self/exe";
  std::string w(word);
  std::string parent = on_main_thread() ? std::to_string(::getpid()) : "0";
  char* argv[] = {exe, w.data(), parent.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  // dup2 clears close-on-exec on the copy (even onto itself, since glibc 2.35).
  ::posix_spawn_file_actions_adddup2(&actions, socket, kBootFd);
  // Ours, with the interrupts (blocked until the child is registered) let in again.
  const sigset_t mask = mask_for_new_child();
  ::posix_spawnattr_setsigmask(&attr, &mask);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, exe, &actions, &attr, argv, environ);
  ::posix_spawnattr_destroy(&attr);
  ::posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "posix_spawn");
  return pid;
}

pid_t spawn_child(const Target& target, const std::string& name) {
  if (find_entry(target.entry) == nullptr)
    throw std::invalid_argument(fmt::format("no process entry named '{}' (register it with CONCUR_ENTRY)", target.entry));
  int boot[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, boot) != 0) detail::throw_errno("socketpair");
  detail::Fd parent_end(boot[0]), child_end(boot[1]);
  const pid_t pid = exec_self(kSpawnCommand.data(), child_end.get());
  child_end.reset();
  Connection boot_conn(std::move(parent_end), true, true);
  boot_conn.send(start_order(target, name));
  send_fds(boot_conn.fileno(), target.fds);
  return pid;
}

void run_if_spawned(int argc, char** argv) {
  if (argc < 2 || (kForkServerCommand != argv[1] && kSpawnCommand != argv[1])) return;
  // Started by exec_self(): die with the parent it names (a parent already gone: leave).
  const pid_t parent = argc >= 3 ? static_cast<pid_t>(std::strtol(argv[2], nullptr, 10)) : 0;
  die_with_parent(parent, parent != 0);
  if (kForkServerCommand == argv[1]) {
    ::fcntl(kBootFd, F_SETFD, FD_CLOEXEC);
    run_forkserver(kBootFd);
  }
  if (kSpawnCommand != argv[1]) return;
  int code = 1;
  try {
    ::fcntl(kBootFd, F_SETFD, FD_CLOEXEC);  // nothing this child starts should inherit it
    Connection boot(detail::Fd(kBootFd), true, true);
    boot.set_readahead(false);  // the descriptors follow the order on this socket
    const nlohmann::json order = boot.recv();
    std::vector<detail::Fd> fds = receive_fds(boot.fileno(), order["fds"].get<std::size_t>());
    boot.close();
    code = run_order(order, std::move(fds));
  } catch (const std::exception& e) {
    Console::get().event(current_actor(), fmt::format("could not start: {}", e.what()));
  }
  ::_exit(code);
}

}  // namespace concur::mp
