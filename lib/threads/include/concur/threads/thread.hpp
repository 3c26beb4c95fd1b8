// concur/threads/thread.hpp - a thread with the lecture's Thread surface, over std::jthread.
//
// Plays the role of Python's threading.Thread: give it a target (or subclass it and
// override run()), start() it, join() it, ask is_alive(). Its name appears in the
// narration's actor column and names its track on the timeline.
//
//     concur::Thread worker([&] { do_work(); }, "Worker-1");
//     worker.start();
//     worker.join();
//
// Differences from Python, on purpose:
// - The destructor joins a thread that is still running (a std::jthread does the same),
//   so a Thread never outlives the data it uses. A subclass whose run() uses its own
//   members must join() in its own destructor, before those members are destroyed.
// - Daemon threads are cut off cooperatively. Python kills a daemon thread wherever it
//   is when the program ends; C++ cannot do that safely (a thread killed mid-way could
//   leave a lock held or an object half-written for everyone else). Here "cut off" means:
//   when the owner ends (end_of_main(), or a daemon Thread's destructor), a daemon thread
//   gets a stop request and ends at its next check: stop_requested(), or a
//   concur::sleep_for() that returns early. The rest of its work never happens. Its work
//   must reach such a check now and then; a non-daemon thread is simply joined.
// - An exception escaping run() is reported on the console and kept (exception()); it
//   does not terminate the program.
// - A Thread destroyed while an exception unwinds the stack (say start() of the 17th
//   worker failed: out of threads or memory) is asked to stop before it is joined, like a
//   daemon. A concur::Queue wait it is blocked in then throws ThreadStopped, which ends
//   the thread quietly: the unwinding never waits on a worker nobody will feed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "concur/threads/stopped.hpp"  // ThreadStopped

namespace concur {

// A target together with the name of the function it calls: CONCUR_TARGET(task). A Thread
// given one and no name is called "Thread-N (task)", as Python 3.10 and later name it.
struct NamedTarget {
  // No default constructor: Thread({}, "name") stays the std::function one.
  NamedTarget(std::string function_name, std::function<void()> target)
      : function(std::move(function_name)), call(std::move(target)) {}
  std::string function;
  std::function<void()> call;
};
#define CONCUR_TARGET(f) ::concur::NamedTarget{#f, f}

class Thread {
 public:
  // A thread that will call `target`; the name defaults to "Thread-N".
  explicit Thread(std::function<void()> target = {}, std::string name = {}, bool daemon = false);
  // The same; the name defaults to "Thread-N (function)".
  explicit Thread(NamedTarget target, std::string name = {}, bool daemon = false);
  virtual ~Thread();

  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;

  // Starts run() on a new thread and returns once it is running (ident() is set).
  // Throws std::logic_error if called twice, and std::runtime_error naming the thread and
  // the limit when the system cannot start one ("cannot start thread 'Worker-17':
  // Resource temporarily unavailable (...ulimit -u...)"); the Thread is then not started.
  void start();

  // Blocks until the thread finishes, or at most `timeout_s` seconds. Returns true when
  // it has finished (like Python, check is_alive() after a timed join). Joining a thread
  // that was never started throws std::logic_error; joining yourself too.
  bool join(std::optional<double> timeout_s = std::nullopt);

  // True from start() until run() returns.
  bool is_alive() const;

  const std::string& name() const { return name_; }
  void set_name(std::string name);  // before start()
  bool daemon() const { return daemon_; }
  void set_daemon(bool daemon);  // before start(); throws std::logic_error after

  // Python's ident: a process-unique number for the running thread (pthread_self), and
  // native_id: the kernel's thread id. Empty before start().
  std::optional<std::uint64_t> ident() const;
  std::optional<long> native_id() const;

  // Set once run() has finished, if it threw.
  std::exception_ptr exception() const;

  // True when the owner asked the thread to stop (daemon threads at the end of main).
  bool stop_requested() const;
  // Asks the thread to stop: stop_requested() turns true and a concur::sleep_for() it is
  // in returns at once. Does not wait for the thread, which ends only when its code
  // looks. Not in Python (which has no way to ask); end_of_main() and the destructor use
  // it on daemons. Memory ordering: what the caller wrote before request_stop() is
  // visible to the thread once it sees stop_requested() true (or sleep_for() false).
  void request_stop();
  // The token a stop request shows on (empty for a thread concur did not start).
  std::stop_token stop_token() const;

 protected:
  // The thread's work. The default calls the target.
  virtual void run();

  // For current_thread()'s stand-in: describes the calling thread, already running.
  void adopt_calling_thread();

 private:
  void bootstrap(std::stop_token token);

  std::function<void()> target_;
  std::string name_;
  bool daemon_;
  std::jthread thread_;
  std::mutex join_mu_;  // serialises thread_.join() when several threads join at once

  mutable std::mutex mu_;
  std::condition_variable finished_cv_;  // signals started (ids set) and finished
  bool started_ = false;                  // guarded by mu_
  bool finished_ = false;                 // guarded by mu_
  bool foreign_ = false;                  // guarded by mu_: not started by concur
  std::optional<std::uint64_t> ident_;    // guarded by mu_
  std::optional<long> native_id_;         // guarded by mu_
  std::exception_ptr exception_;          // guarded by mu_
  std::stop_token stop_token_;            // guarded by mu_
  int control_number_ = -1;               // its number in a controlled run (control.hpp), set by start()
};

// The Thread object of the caller, like threading.current_thread(). For a thread concur
// did not start (the main thread, or a plain std::thread) it returns a stand-in that has
// a name ("MainThread", "Dummy-N") and ids but cannot be started or joined.
Thread& current_thread();

// threading.main_thread(): the stand-in of the process's main thread (current_thread()
// there). Throws std::logic_error when called on another thread before the main thread
// has ever asked for current_thread() (concur's runner always has).
Thread& main_thread();

// What threading.enumerate() lists, as a snapshot (a Thread object may end, or be
// destroyed, the moment after): the main thread, then every concur::Thread started and
// not yet finished, in the order they started.
struct ThreadInfo {
  std::string name;
  std::uint64_t ident = 0;
  long native_id = 0;
  bool daemon = false;
};
std::vector<ThreadInfo> enumerate();
// threading.active_count(): enumerate().size().
std::size_t active_count();
// threading.get_ident() and get_native_id() of the calling thread.
std::uint64_t get_ident() noexcept;
long get_native_id() noexcept;

// The stop token of the calling thread's concur::Thread; an empty one (never stops) on a
// thread concur did not start. Never blocks.
std::stop_token current_stop_token();

// Sleeps the calling thread for `duration`, unless its Thread is asked to stop: then it
// returns at once (and at once if a stop was already requested). Returns true when it
// slept the whole time, false when a stop request cut it short. On a thread concur did
// not start it is a plain sleep. Use it in a daemon's work so the cut-off lands here.
// In a controlled run (control.hpp) time is virtual: the sleep is a step, "sleep 0.5 s",
// always offered and taking no time; the schedule decides who runs meanwhile.
bool sleep_for(std::chrono::nanoseconds duration);

// What Python does when the main thread's code ends, made explicit: joins every
// non-daemon thread (each runs to completion), then asks every daemon thread to stop and
// joins it (each ends at its next check, its remaining work never done). Threads never
// started are skipped. Returns how many daemon threads were still running when cut off.
std::size_t end_of_main(std::initializer_list<std::reference_wrapper<Thread>> threads);

}  // namespace concur
