// concur/mp/process.hpp - a child process with the lecture's Process surface.
//
// Plays the role of Python's multiprocessing.Process: give it a target, start() it,
// join() it, read its exitcode. Same names as concur::Thread (name, daemon, start,
// join with timeout, is_alive) plus pid, exitcode, terminate() and kill().
//
//     concur::mp::Process child([] { concur::say("hello from the child"); }, "Worker");
//     child.start();
//     child.join();
//     child.exitcode();   // 0; 1 if the target threw; -15 if SIGTERM ended it
//
// Start methods:
// - fork: the child is a copy of the parent made by fork(): it starts at once, with the
//   parent's memory as it was (copy-on-write), but with only the thread that called
//   fork(). A lock another thread held at that moment stays locked in the child forever,
//   which is why forking a process that has threads is risky; start() says so once, in
//   the narration, as CPython 3.12 warns.
// - spawn: a fresh exec of this binary that runs a registered entry (entry.hpp) with
//   arguments sent to it: slower to start, but it inherits no threads and no state.
// - forkserver: a server process, started once as a fresh exec (so it has one thread),
//   forks each child on request; the descriptors a child is handed travel to the server
//   with SCM_RIGHTS. The server is the child's real parent and reports its exit code back
//   through a status pipe. Faster than spawn, safer than fork from a threaded parent.
// A closure can only be forked; a Target (entry name, arguments, descriptors) can be
// started any way.
//
// Nothing is left behind: the destructor of a started, unjoined Process terminates and
// reaps it; every child started is registered, so a Ctrl-C handler can stop and reap
// them all (terminate_all_from_signal()).
//
// Memory ordering: fork() gives the child a copy of the parent's memory as it was at
// start(); after that the two share only what is mapped shared (shared_memory.hpp).
// Everything the child wrote to shared memory is visible to the parent once join()
// returned (or is_alive() said false).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <sys/types.h>

#include "concur/core/fd.hpp"
#include "concur/mp/entry.hpp"

namespace concur::mp {

// A child process ended (killed by a signal nobody here sent, or exited with an error)
// while this process waited for something only the children could give: an item, a
// task_done(), an event, a permit, another child's end. Python would wait forever.
class PeerDiedError : public std::runtime_error {
 public:
  PeerDiedError(const std::string& what, pid_t pid) : std::runtime_error(what), pid_(pid) {}
  pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_;
};

enum class StartMethod { fork, spawn, forkserver };
std::string_view to_string(StartMethod method);
// "fork", "spawn" or "forkserver"; std::invalid_argument for anything else.
StartMethod start_method_named(std::string_view name);

class Process {
 public:
  // A forked process that will run `target`; the name defaults to "Process-N".
  explicit Process(std::function<void()> target, std::string name = {}, bool daemon = false);
  // A process that runs a registered entry, started by `method`.
  // Without a method: the program's, get_start_method().
  explicit Process(Target target, std::string name = {}, std::optional<StartMethod> method = std::nullopt,
                   bool daemon = false);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts the child, which runs the target and exits (0, or 1 if the target threw).
  // Throws std::logic_error if called twice; std::system_error if the OS refuses;
  // std::invalid_argument for an entry name nobody registered.
  void start();

  // Waits until the child ends, or at most timeout_s seconds; true when it has ended.
  // Throws PeerDiedError when another child of this process dies unexpectedly meanwhile
  // (this one may be waiting for it).
  bool join(std::optional<double> timeout_s = std::nullopt);

  // True from start() until the child has ended.
  bool is_alive();

  // The exit status once it has ended: the code it exited with, or minus the signal
  // that killed it (-9 for SIGKILL), as Python reports it. Empty while it runs.
  std::optional<int> exitcode();

  // Asks it to stop (SIGTERM) / forces it (SIGKILL). No effect once it has ended.
  void terminate();
  void kill();

  const std::string& name() const { return name_; }
  bool daemon() const { return daemon_; }
  StartMethod start_method() const { return method_; }
  // The child's process id; empty before start().
  std::optional<pid_t> pid() const;

  // "killed by SIGTERM", "exited with 0", or "running".
  std::string describe_exit();

  // A descriptor that becomes readable when the child ends, to poll() along with others
  // (Python's Process.sentinel); -1 before start() and once it has been reaped. Owned by
  // the Process: do not close it.
  int sentinel() const;

  // Its owner watches for its death and handles it (mp::Pool replaces a dead worker), so
  // it is not reported to the waits of this process as a dead peer.
  void set_supervised() { supervised_ = true; }

  // Internal (the waits' dead-peer check): "Consumer-1 (pid 42) was killed by SIGKILL" if
  // it has ended unexpectedly: by a signal not sent through this object, or with a
  // nonzero exit code. Empty while it runs, after a normal end, or while another thread
  // holds it (a join in progress learns of the end itself).
  // Returns the sentence and the pid. A child whose end this process already saw (join(),
  // exitcode(), is_alive()) before the start of every process the wait may depend on is
  // not reported: `dependents_from` is the start number (started_as()) of the oldest of
  // those.
  std::optional<std::pair<std::string, pid_t>> unexpected_end(std::uint64_t dependents_from);

  // Internal: this process's start number here (1 for the first started, then 2, ...; 0
  // before start()), and the number of starts there had been when its end was first seen
  // (0 while not seen).
  std::uint64_t started_as() const { return started_as_; }
  std::uint64_t end_seen_after() const { return end_seen_after_.load(std::memory_order_acquire); }

 private:
  bool reap(bool block, int timeout_ms);  // call with mu_ held; true once it has ended
  void signal(int sig);                   // call with mu_ held, while it runs
  [[noreturn]] void run_forked_child();
  void take_timeline();  // call with mu_ held, once it has ended

  std::function<void()> target_;   // a closure, for fork
  std::optional<Target> entry_;    // or a registered entry, for any method
  std::string name_;
  bool daemon_;
  StartMethod method_ = StartMethod::fork;
  mutable std::mutex mu_;
  std::optional<pid_t> pid_;       // guarded by mu_
  std::optional<int> exitcode_;    // guarded by mu_
  bool reaped_elsewhere_ = false;  // guarded by mu_: by terminate_all_from_signal()
  detail::Fd pidfd_;               // guarded by mu_: readable once the child has ended
  detail::Fd status_;              // guarded by mu_: forkserver's report of the exit code
  detail::Fd timeline_;            // guarded by mu_: where the child writes its timeline
  bool signalled_ = false;         // guarded by mu_: terminate(), kill() or the destructor
  bool server_died_ = false;    // guarded by mu_: its fork server died before reporting
  bool supervised_ = false;        // set before start()
  std::uint64_t started_as_ = 0;   // set by start(), before it is listed
  std::atomic<std::uint64_t> end_seen_after_{0};  // see end_seen_after()
  void note_end_seen();            // call with mu_ held, once it has ended
};

// multiprocessing.set_start_method(): the method every Process made without one uses, for
// the rest of the program (fork until then, Linux's default up to Python 3.13). Like
// Python, only once: a second call throws std::runtime_error ("context has already been
// set") unless `force`. concur's runner starts each run as a fresh program would.
void set_start_method(StartMethod method, bool force = false);
StartMethod get_start_method();
void reset_start_method();  // the runner's: back to "not set" (fork)

// multiprocessing.get_context(method): the start method chosen for some uses only, the
// program's default left alone.
//     auto ctx = mp::get_context(mp::StartMethod::spawn);
//     mp::Process child = ctx.Process(Target{"work", {}}, "Child");   // spawned
class Context {
 public:
  explicit Context(StartMethod method) : method_(method) {}
  StartMethod get_start_method() const { return method_; }
  // ctx.Process(...): a Process started by this context's method.
  mp::Process Process(Target target, std::string name = {}, bool daemon = false) const {
    return mp::Process(std::move(target), std::move(name), method_, daemon);
  }

 private:
  StartMethod method_;
};
// Without a method: the program's current one.
Context get_context(std::optional<StartMethod> method = std::nullopt);

// The calling process's id and its parent's (Python's os.getpid() and os.getppid()).
pid_t current_pid() noexcept;
pid_t parent_pid() noexcept;

// Starts the fork server now if it is not running (Python's forkserver.ensure_running()),
// so the first forkserver child does not pay for starting it.
void ensure_forkserver_running();

// The signal's name: "SIGTERM" for 15.
std::string signal_name(int signal);

// For a SIGINT/SIGTERM handler that then exits: sends SIGTERM to every running child,
// waits for them (SIGKILL after `grace_ms`), and reaps them. Async-signal-safe. The
// Process objects learn only that their child has ended, not its exit code.
void terminate_all_from_signal(int grace_ms) noexcept;

// How many children are started and not yet reaped (for tests and hygiene checks).
int live_children() noexcept;

}  // namespace concur::mp
