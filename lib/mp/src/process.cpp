#include "concur/mp/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "concur/core/actor.hpp"
#include "concur/core/console.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"
#include "spawn.hpp"

namespace concur::mp {
namespace {

// Every started, unreaped child, in a fixed table of atomics a signal handler can read.
constexpr std::size_t kMaxChildren = 1024;
std::array<std::atomic<pid_t>, kMaxChildren> g_children{};

std::atomic<int> g_process_count{0};
std::atomic<bool> g_warned_fork_with_threads{false};
std::atomic<std::uint64_t> g_starts{0};  // how many processes this process has started (for Process::started_as())

// Every started Process of this process, for the dead-peer check of blocking waits.
// A forked child inherits a copy of its parent's list (and perhaps a locked mutex): the
// list belongs to the process that made it, and a child that starts processes of its own
// makes a fresh one (the old copy is left alone, never locked).
struct Started {
  pid_t owner = ::getpid();
  std::mutex mu;
  std::vector<Process*> processes;  // guarded by mu
};
std::atomic<Started*> g_started{nullptr};

Started* started_here() {
  Started* s = g_started.load(std::memory_order_acquire);
  return s != nullptr && s->owner == ::getpid() ? s : nullptr;
}

Started& started_here_or_new() {
  if (Started* s = started_here()) return *s;
  auto* fresh = new Started;  // lives as long as the process; an inherited one is not ours to free
  Started* seen = g_started.load(std::memory_order_acquire);
  while (seen == nullptr || seen->owner != fresh->owner)
    if (g_started.compare_exchange_weak(seen, fresh, std::memory_order_acq_rel)) return *fresh;
  delete fresh;  // another thread made this process's list first
  return *seen;
}

}  // namespace


void die_with_parent(pid_t parent, bool armed) noexcept {
  if (!armed) return;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // If the parent died before the line above, no signal will come: we have been
  // re-parented already, so leave now.
  if (::getppid() != parent) ::_exit(1);
}

void throw_if_a_peer_died(std::string_view waiting_for, const Process* except) {
  Started* s = started_here();
  if (s == nullptr) return;
  std::lock_guard guard(s->mu);
  // Which processes the waiter may be waiting on: the one it joins, or else every one whose
  // end it has not seen. A child whose end was seen before the oldest of them started
  // cannot be what they wait for (a child joined with exit code 7, then another started).
  std::uint64_t dependents_from = except != nullptr ? except->started_as() : UINT64_MAX;
  if (except == nullptr)
    for (const Process* q : s->processes)
      if (q->end_seen_after() == 0) dependents_from = std::min(dependents_from, q->started_as());
  for (Process* p : s->processes) {
    if (p == except) continue;
    if (const std::optional<std::pair<std::string, pid_t>> end = p->unexpected_end(dependents_from))
      throw PeerDiedError(fmt::format("{} while this process waited for {}", end->first, waiting_for), end->second);
  }
}

void register_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void unregister_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t mine = pid;
    if (slot.compare_exchange_strong(mine, 0)) return;
  }
}

int exit_code_of(int wait_status) noexcept {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return -WTERMSIG(wait_status);
  return -1;
}

void close_all_except(std::vector<int> keep) noexcept {
  keep.push_back(2);  // and stdin, stdout, stderr: 0 to 2 are never closed
  std::sort(keep.begin(), keep.end());
  unsigned first = 3;
  for (int fd : keep) {
    if (fd < static_cast<int>(first)) continue;
    if (static_cast<unsigned>(fd) > first) ::close_range(first, static_cast<unsigned>(fd) - 1, 0);
    first = static_cast<unsigned>(fd) + 1;
  }
  ::close_range(first, ~0U, 0);
}

namespace {
std::atomic<pid_t> g_pid{0};  // 0: not looked up yet in this process (a fork child starts there)
}  // namespace

// getpid() is a system call (glibc no longer caches it), and every lock taken on a shared
// object stamps its owner's pid: cached, and forgotten in a forked child.
pid_t current_pid() noexcept {
  pid_t pid = g_pid.load(std::memory_order_relaxed);
  if (pid != 0) return pid;
  [[maybe_unused]] static const int registered =
      ::pthread_atfork(nullptr, nullptr, [] { g_pid.store(0, std::memory_order_relaxed); });
  pid = ::getpid();
  g_pid.store(pid, std::memory_order_relaxed);
  return pid;
}
pid_t parent_pid() noexcept { return ::getppid(); }

std::string signal_name(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal);
}

Process::Process(std::function<void()> target, std::string name, bool daemon)
    : target_(std::move(target)),
      name_(name.empty() ? fmt::format("Process-{}", g_process_count.fetch_add(1) + 1) : std::move(name)),
      daemon_(daemon) {}

std::string_view to_string(StartMethod method) {
  switch (method) {
    case StartMethod::fork: return "fork";
    case StartMethod::spawn: return "spawn";
    case StartMethod::forkserver: return "forkserver";
  }
  return "?";
}

StartMethod start_method_named(std::string_view name) {
  for (StartMethod m : {StartMethod::fork, StartMethod::spawn, StartMethod::forkserver})
    if (to_string(m) == name) return m;
  throw std::invalid_argument(fmt::format("unknown start method '{}' (fork, spawn or forkserver)", name));
}

Process::Process(Target target, std::string name, std::optional<StartMethod> method, bool daemon)
    : entry_(std::move(target)),
      name_(name.empty() ? fmt::format("Process-{}", g_process_count.fetch_add(1) + 1) : std::move(name)),
      daemon_(daemon),
      method_(method.value_or(get_start_method())) {}

namespace {
std::mutex g_start_method_mu;
std::optional<StartMethod> g_start_method;  // guarded by g_start_method_mu: set_start_method()'s
}  // namespace

void set_start_method(StartMethod method, bool force) {
  std::lock_guard guard(g_start_method_mu);
  if (g_start_method && !force) throw std::runtime_error("context has already been set");
  g_start_method = method;
}

StartMethod get_start_method() {
  std::lock_guard guard(g_start_method_mu);
  return g_start_method.value_or(StartMethod::fork);
}

void reset_start_method() {
  std::lock_guard guard(g_start_method_mu);
  g_start_method.reset();
}

Context get_context(std::optional<StartMethod> method) { return Context(method.value_or(get_start_method())); }

Process::~Process() {
  if (Started* s = started_here()) {
    std::lock_guard guard(s->mu);
    std::erase(s->processes, this);
  }
  std::lock_guard guard(mu_);
  if (pid_ && !reap(false, 0)) {
    signal(SIGTERM);
    if (!reap(true, 1000)) {
      signal(SIGKILL);
      reap(true, -1);
    }
  }
}

void Process::start() {
  std::unique_lock guard(mu_);
  if (pid_) throw std::logic_error("Process::start: a process can only be started once");
  pid_t pid = -1;
  // While a run is recorded, the child records too and sends its tracks home at the end.
  if (Recorder::active()) timeline_ = make_timeline_file();
  Target launched = entry_ ? *entry_ : Target{};
  if (timeline_) {
    launched.fds.push_back(timeline_.get());
    launched.timeline = true;
  }
  const InterruptsBlocked no_interrupt_until_registered;
  const pid_t parent = ::getpid();
  const bool main_thread = on_main_thread();
  if (method_ == StartMethod::spawn) {
    pid = spawn_child(launched, name_);
  } else if (method_ == StartMethod::forkserver) {
    ServedChild child = forkserver_child(launched, name_);
    pid = child.pid;
    status_ = std::move(child.status);
  } else {
    if (entry_ && find_entry(entry_->entry) == nullptr)
      throw std::invalid_argument(fmt::format("no process entry named '{}' (register it with CONCUR_ENTRY)", entry_->entry));
    const int threads = process_thread_count();
    if (threads > 1 && !g_warned_fork_with_threads.exchange(true))
      say("warning: fork() while this process has {} threads: the child gets only the calling "
          "thread, and any lock another thread holds stays locked in it",
          threads);
    // The child names itself first thing: with this thread's name already made here, the
    // child only assigns it, without setting up a thread_local (which in libstdc++ means a
    // symbol search through every library, each page it reads a fault in the child).
    current_thread_actor();
    pid = ::fork();
    if (pid < 0) detail::throw_errno("fork");
    if (pid == 0) {
      die_with_parent(parent, main_thread);
      run_forked_child();  // never returns
    }
  }
  pid_ = pid;
  started_as_ = g_starts.fetch_add(1, std::memory_order_acq_rel) + 1;
  register_child(pid);
  pidfd_ = detail::Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  guard.unlock();  // the list's lock is never taken while holding a Process's (see unexpected_end)
  Started& here = started_here_or_new();
  std::lock_guard listed(here.mu);
  here.processes.push_back(this);
}

std::optional<std::pair<std::string, pid_t>> Process::unexpected_end(std::uint64_t dependents_from) {
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || !pid_ || signalled_ || supervised_) return std::nullopt;
  if (const std::uint64_t seen = end_seen_after(); seen != 0 && seen < dependents_from) return std::nullopt;
  if (!reap(false, 0)) return std::nullopt;
  if (!exitcode_) {  // a fork-server child whose server died: nobody could tell how it ended
    if (!server_died_) return std::nullopt;
    return std::pair(fmt::format("{} (pid {}) ended with its fork server, which died", name_, *pid_), *pid_);
  }
  if (*exitcode_ == 0) return std::nullopt;
  return std::pair(*exitcode_ < 0 ? fmt::format("{} (pid {}) was killed by {}", name_, *pid_, signal_name(-*exitcode_))
                                  : fmt::format("{} (pid {}) exited with {}", name_, *pid_, *exitcode_),
                   *pid_);
}

void Process::run_forked_child() {
  // It must never return into the parent's code: it leaves with _exit, so the parent's
  // atexit handlers and static destructors do not run twice.
  set_current_actor(child_actor_name(name_));
  // The parent's interrupt handler (stop the children, exit 130) is not the child's
  // business: a child ends by the signal itself, as a spawned child would.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  unblock_interrupts();  // start() held them off in the parent, and the mask is inherited
  if (timeline_) record_for_parent();
  int code = 0;
  try {
    // A label only when recording: interning writes to memory still shared with the parent.
    ScopedSpan running(SpanKind::running, timeline_ ? Recorder::intern("running " + (entry_ ? entry_->entry : name_)) : 0);
    if (entry_) {
      // The same hand-over as spawn: the entry gets its own copies of the descriptors.
      std::vector<detail::Fd> fds;
      for (int fd : entry_->fds) fds.emplace_back(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
      // ... and, like a spawned child, nothing else: a copy of some other pipe end kept
      // open here would stop its reader ever seeing end of file.
      std::vector<int> keep = {Console::get().fd(), timeline_.get()};
      for (const detail::Fd& fd : fds) keep.push_back(fd.get());
      if (!entry_->keep_all_fds) close_all_except(keep);
      find_entry(entry_->entry)(entry_->args, std::move(fds));
    } else if (target_) {
      target_();
    }
  } catch (const std::exception& e) {
    Console::get().event(current_actor(), fmt::format("raised an exception: {}", e.what()));
    code = 1;
  } catch (...) {
    code = 1;
  }
  if (timeline_) send_timeline_home(timeline_.get());
  ::_exit(code);
}

void Process::signal(int sig) {
  signalled_ = true;  // its end is then expected, not a dead peer
  // Through the pidfd when there is one: it names this child even if its pid has
  // already been reused by another process.
  if (pidfd_)
    ::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0);
  else
    ::kill(*pid_, sig);
}

bool Process::reap(bool block, int timeout_ms) {
  if (!pid_) return false;
  if (exitcode_ || reaped_elsewhere_) return true;
  if (status_) {
    // A fork-server child is not ours to waitpid: its exit code comes down the status pipe.
    if (!detail::wait_readable(status_.get(), block ? timeout_ms : 0)) return false;
    std::int32_t code = 0;
    if (detail::read_exact(status_.get(), &code, sizeof code) == sizeof code)
      exitcode_ = code;
    else
      reaped_elsewhere_ = server_died_ = true;  // the server went away without a word
    unregister_child(*pid_);
    status_.reset();
    pidfd_.reset();
    take_timeline();
    return true;
  }
  if (block && pidfd_) {
    // The pidfd becomes readable when the child ends: a timed wait with no polling loop.
    pollfd p{pidfd_.get(), POLLIN, 0};
    detail::retry_eintr([&] { return ::poll(&p, 1, timeout_ms); });
  } else if (block && timeout_ms != 0) {
    // No pidfd (an old kernel): poll waitpid every millisecond.
    for (int waited = 0; timeout_ms < 0 || waited < timeout_ms; ++waited) {
      int status = 0;
      const pid_t r = detail::retry_eintr([&] { return ::waitpid(*pid_, &status, WNOHANG); });
      if (r == *pid_ || (r < 0 && errno == ECHILD)) break;  // the final check below records it
      ::usleep(1000);
    }
  }
  int status = 0;
  const pid_t r = detail::retry_eintr([&] { return ::waitpid(*pid_, &status, WNOHANG); });
  if (r == *pid_) {
    exitcode_ = exit_code_of(status);
  } else if (r < 0 && errno == ECHILD) {
    reaped_elsewhere_ = true;  // terminate_all_from_signal() got there first
  } else {
    return false;
  }
  unregister_child(*pid_);
  pidfd_.reset();
  take_timeline();
  return true;
}

void Process::take_timeline() {
  if (!timeline_) return;
  collect_child_timeline(timeline_.get());
  timeline_.reset();
}

bool Process::join(std::optional<double> timeout_s) {
  std::lock_guard guard(mu_);
  if (!pid_) throw std::logic_error("Process::join: cannot join a process before it is started");
  const int ms = timeout_ms(timeout_s);
  // In slices: the child may be waiting for another child that has died, and would then
  // never end; that death fails the join instead.
  for (int waited = 0;; waited += kPeerCheckMs) {
    const int slice = ms < 0 ? kPeerCheckMs : std::min(kPeerCheckMs, ms - waited);
    if (reap(true, std::max(slice, 0))) {
      note_end_seen();
      return true;
    }
    if (ms >= 0 && waited + slice >= ms) return false;
    throw_if_a_peer_died(fmt::format("{} (pid {}) to end", name_, *pid_), this);
  }
}

bool Process::is_alive() {
  std::lock_guard guard(mu_);
  if (!pid_) return false;
  if (!reap(false, 0)) return true;
  note_end_seen();
  return false;
}

std::optional<int> Process::exitcode() {
  std::lock_guard guard(mu_);
  if (reap(false, 0)) note_end_seen();
  return exitcode_;
}

void Process::note_end_seen() {
  if (end_seen_after_.load(std::memory_order_relaxed) == 0)
    end_seen_after_.store(g_starts.load(std::memory_order_acquire), std::memory_order_release);
}

void Process::terminate() {
  std::lock_guard guard(mu_);
  if (pid_ && !reap(false, 0)) signal(SIGTERM);
}

void Process::kill() {
  std::lock_guard guard(mu_);
  if (pid_ && !reap(false, 0)) signal(SIGKILL);
}

int Process::sentinel() const {
  std::lock_guard guard(mu_);
  return pidfd_.get();
}

std::optional<pid_t> Process::pid() const {
  std::lock_guard guard(mu_);
  return pid_;
}

std::string Process::describe_exit() {
  const auto code = exitcode();
  if (!code) return is_alive() ? "running" : "ended (reaped by the interrupt handler)";
  if (*code < 0) return fmt::format("killed by {}", signal_name(-*code));
  return fmt::format("exited with {}", *code);
}

void terminate_all_from_signal(int grace_ms) noexcept {
  for (auto& slot : g_children)
    if (const pid_t pid = slot.load(); pid > 0) ::kill(pid, SIGTERM);
  // Reap what ends within the grace period; SIGKILL the rest and reap them too.
  for (int waited = 0; waited <= grace_ms; ++waited) {
    bool any = false;
    for (auto& slot : g_children) {
      const pid_t pid = slot.load();
      if (pid <= 0) continue;
      int status = 0;
      const pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid || (r < 0 && errno == ECHILD))
        slot.store(0);
      else
        any = true;
    }
    if (!any) return;
    const timespec ms{0, 1'000'000};
    ::nanosleep(&ms, nullptr);
  }
  for (auto& slot : g_children)
    if (const pid_t pid = slot.exchange(0); pid > 0) {
      ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
}

int live_children() noexcept {
  int n = 0;
  for (auto& slot : g_children) n += slot.load() > 0;
  return n;
}

}  // namespace concur::mp
