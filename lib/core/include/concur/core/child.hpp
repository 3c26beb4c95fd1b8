// concur/core/child.hpp - another program run as a child process, and Ctrl-C that never
// leaves one behind.
//
// Everything in concur that starts a child goes through here: the process layer (mp/)
// blocks interrupts around fork() with InterruptsBlocked; the commands that run a program
// (`concur check` runs the student's build, `concur edit` and `concur watch` run an editor,
// cmake and concur itself) use ChildProgram and OnInterrupt:
//
//     const OnInterrupt on_ctrl_c("check interrupted", 130, remove_scratch);
//     ChildProgram run({program, "race", "--quiet"}, {.own_group = true, .output = log});
//     if (const std::optional<int> status = run.wait_for(limit)) ...  // ended
//     else run.stop();                                                  // hung
//
// Ctrl-C while an OnInterrupt is alive stops the child running now (the most recent
// ChildProgram still alive), its whole process group if it has one, then runs the cleanup,
// says so on stderr and exits with the status given. A child is known to the handler from
// the moment it exists: interrupts are blocked from just before the spawn until it is
// recorded.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace concur {

// Holds off SIGINT and SIGTERM on this thread while it lives, so that a child started
// meanwhile is recorded before the interrupt handler can run (it would not know the child
// and leave it running). A signal that comes meanwhile is delivered when this ends.
class InterruptsBlocked {
 public:
  InterruptsBlocked() noexcept;
  ~InterruptsBlocked();
  InterruptsBlocked(const InterruptsBlocked&) = delete;
  InterruptsBlocked& operator=(const InterruptsBlocked&) = delete;

  // The signal mask from before the block: the one a new child should start with.
  const sigset_t& before() const { return old_; }

 private:
  sigset_t old_;
};

// In a new child (after fork, before exec or the entry): lets SIGINT and SIGTERM in.
// Async-signal-safe.
void unblock_interrupts() noexcept;
// The signal mask for a child that starts with an exec (posix_spawn's attribute): this
// thread's, with SIGINT and SIGTERM let in, as unblock_interrupts() leaves a forked one.
sigset_t mask_for_new_child() noexcept;

struct ChildOptions {
  bool own_group = false;  // its own process group: stop() reaches all it started
  std::string output;      // its stdout and stderr go to this file (created or
                           // truncated); "" keeps ours
};

// A program started with posix_spawnp (PATH searched): args[0] is the program, args the
// whole argument vector. It starts with the signal mask its parent had before the spawn.
// Destroying a ChildProgram still running stops it (stop()); nothing outlives it.
class ChildProgram {
 public:
  // std::system_error "cannot run 'PROGRAM': why" when it cannot be started.
  explicit ChildProgram(const std::vector<std::string>& args, const ChildOptions& options = {});
  ~ChildProgram();
  ChildProgram(const ChildProgram&) = delete;
  ChildProgram& operator=(const ChildProgram&) = delete;

  pid_t pid() const { return pid_; }

  // Blocks until it ends; its exit status, 128+signal when a signal ended it.
  int wait();
  // The same, giving up after `limit`: nullopt while it is still running (stop() it).
  // Checks every 2 ms.
  std::optional<int> wait_for(std::chrono::nanoseconds limit);
  // SIGTERM (to its group if it has one), up to a second for it to end and be reaped,
  // then SIGKILL. Returns as wait() does. Safe to call when it has already ended.
  int stop();

 private:
  void ended(int wait_status);

  pid_t pid_ = -1;
  bool own_group_ = false;
  std::optional<int> status_;
};

// While it lives, SIGINT and SIGTERM stop the running ChildProgram (as stop() does), call
// `cleanup` (async-signal-safe, may be null), write "\nconcur: MESSAGE\n" to stderr and
// _exit(status). With a null message Ctrl-C (SIGINT) is ignored instead: the child (an
// editor) decides what it means. The previous handlers come back when it ends.
class OnInterrupt {
 public:
  OnInterrupt(const char* message, int status, void (*cleanup)() = nullptr);
  ~OnInterrupt();
  OnInterrupt(const OnInterrupt&) = delete;
  OnInterrupt& operator=(const OnInterrupt&) = delete;

 private:
  struct sigaction before_int_ {}, before_term_ {};
};

}  // namespace concur
