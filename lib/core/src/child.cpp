#include "concur/core/child.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "concur/core/fd.hpp"

extern char** environ;

namespace concur {
namespace {

sigset_t interrupt_signals() noexcept {
  sigset_t set;
  ::sigemptyset(&set);
  ::sigaddset(&set, SIGINT);
  ::sigaddset(&set, SIGTERM);
  return set;
}

// The child the interrupt handler stops: its pid, negative when it leads its own group
// (kill(-pgid) reaches the group). 0: none. Lock-free, so the handler may read it.
std::atomic<pid_t> g_running{0};
static_assert(std::atomic<pid_t>::is_always_lock_free);

// What OnInterrupt set: read by the handler only after it was installed.
const char* g_message = nullptr;
int g_status = 130;
void (*g_cleanup)() = nullptr;

int status_of(int wait_status) noexcept {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

// SIGTERM to `target` (a pid, or -pgid), up to a second for `pid` to end and be reaped,
// then SIGKILL. Returns the wait status. Async-signal-safe.
int terminate(pid_t pid, pid_t target) noexcept {
  int status = 0;
  ::kill(target, SIGTERM);
  for (int tick = 0; tick < 100; ++tick) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      if (target < 0) ::kill(target, SIGKILL);  // anything of its group still there
      return status;
    }
    const timespec ten_ms{0, 10'000'000};
    ::nanosleep(&ten_ms, nullptr);
  }
  ::kill(target, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

extern "C" void concur_stop_child_and_exit(int) {
  if (const pid_t target = g_running.load(); target != 0) terminate(target < 0 ? -target : target, target);
  if (g_cleanup != nullptr) g_cleanup();
  if (g_message != nullptr) {
    char line[256];
    std::size_t n = 0;
    for (const char* p = "\nconcur: "; *p != '\0';) line[n++] = *p++;
    for (const char* p = g_message; *p != '\0' && n < sizeof line - 1;) line[n++] = *p++;
    line[n++] = '\n';
    [[maybe_unused]] auto written = ::write(2, line, n);
  }
  ::_exit(g_status);
}

}  // namespace

InterruptsBlocked::InterruptsBlocked() noexcept {
  const sigset_t set = interrupt_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, &old_);
}

InterruptsBlocked::~InterruptsBlocked() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

void unblock_interrupts() noexcept {
  const sigset_t set = interrupt_signals();
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

sigset_t mask_for_new_child() noexcept {
  sigset_t mask;
  ::pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  ::sigdelset(&mask, SIGINT);
  ::sigdelset(&mask, SIGTERM);
  return mask;
}

ChildProgram::ChildProgram(const std::vector<std::string>& args, const ChildOptions& options)
    : own_group_(options.own_group) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&files);
  ::posix_spawnattr_init(&attr);
  if (!options.output.empty()) {
    ::posix_spawn_file_actions_addopen(&files, 1, options.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::posix_spawn_file_actions_adddup2(&files, 1, 2);
  }
  int err = 0;
  {
    const InterruptsBlocked until_recorded;
    ::posix_spawnattr_setsigmask(&attr, &until_recorded.before());
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | (own_group_ ? POSIX_SPAWN_SETPGROUP : 0));
    ::posix_spawnattr_setpgroup(&attr, 0);
    err = ::posix_spawnp(&pid_, argv[0], &files, &attr, argv.data(), environ);
    if (err == 0) g_running = own_group_ ? -pid_ : pid_;
  }
  ::posix_spawn_file_actions_destroy(&files);
  ::posix_spawnattr_destroy(&attr);
  if (err != 0) throw std::system_error(err, std::generic_category(), fmt::format("cannot run '{}'", args.at(0)));
}

ChildProgram::~ChildProgram() {
  if (!status_) stop();
}

// It ended (waited for with WNOWAIT, not yet reaped): forget it as the running child,
// then reap it, with interrupts held off so the handler cannot signal a reused pid.
void ChildProgram::ended(int wait_status) {
  const InterruptsBlocked forgetting;
  pid_t mine = own_group_ ? -pid_ : pid_;
  g_running.compare_exchange_strong(mine, 0);
  detail::retry_eintr([&] { return ::waitpid(pid_, &wait_status, 0); });
  if (own_group_) ::kill(-pid_, SIGKILL);  // nothing it started outlives it
  status_ = status_of(wait_status);
}

int ChildProgram::wait() {
  while (!status_) {
    siginfo_t info{};
    if (detail::retry_eintr([&] { return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT); }) < 0)
      detail::throw_errno("waitid");
    ended(0);
  }
  return *status_;
}

std::optional<int> ChildProgram::wait_for(std::chrono::nanoseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!status_) {
    siginfo_t info{};
    if (detail::retry_eintr([&] { return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT); }) < 0)
      detail::throw_errno("waitid");
    if (info.si_pid == pid_) {
      ended(0);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return status_;
}

int ChildProgram::stop() {
  if (status_) return *status_;
  const InterruptsBlocked stopping;
  pid_t mine = own_group_ ? -pid_ : pid_;
  g_running.compare_exchange_strong(mine, 0);
  status_ = status_of(terminate(pid_, own_group_ ? -pid_ : pid_));
  return *status_;
}

OnInterrupt::OnInterrupt(const char* message, int status, void (*cleanup)()) {
  g_message = message;
  g_status = status;
  g_cleanup = cleanup;
  struct sigaction sa {};
  sa.sa_handler = message == nullptr ? SIG_IGN : concur_stop_child_and_exit;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &before_int_);
  if (message != nullptr) ::sigaction(SIGTERM, &sa, &before_term_);
  else ::sigaction(SIGTERM, nullptr, &before_term_);
}

OnInterrupt::~OnInterrupt() {
  ::sigaction(SIGINT, &before_int_, nullptr);
  ::sigaction(SIGTERM, &before_term_, nullptr);
}

}  // namespace concur
