// concur/threads/gil.hpp - a simulated global interpreter lock, scheduled the way CPython's is.
//
// C++ has no GIL: every thread runs on its own core. Gil brings one back, on purpose, so
// a demo can show what CPython's lock does to CPU-bound threads. It follows the "new GIL"
// of CPython 3.2 and later (Python/ceval_gil.c):
//
// - A thread runs "bytecode" only while it holds the GIL: it calls acquire() (or makes a
//   Gil::Held) before its work and release() after it.
// - The holder's work calls check() between small units of work, as the interpreter's
//   loop looks at its eval-breaker flag between bytecodes. check() costs one relaxed load
//   unless somebody asked for the GIL.
// - A thread that wants the GIL while another holds it waits on a condition variable for
//   at most the switch interval (sys.getswitchinterval(), 5 ms by default). If the
//   interval passes and the GIL has not changed hands meanwhile, the waiter sets the drop
//   request; the holder sees it at its next check(), releases the GIL, and (CPython's
//   FORCE_SWITCHING) waits until another thread has taken it, so it cannot grab it back
//   at once. Then it queues for the GIL like anyone else.
// - Blocking I/O releases the GIL for its duration (Py_BEGIN_ALLOW_THREADS): a
//   Gil::Released scope, or gil.blocking_io([&] { ... }).
//
//     concur::Gil gil;                         // one interpreter, one GIL
//     concur::Thread t([&] {
//       concur::Gil::Held running(gil);        // a Python thread runs holding it
//       for (...) { one_unit_of_work(); gil.check(); }
//       gil.blocking_io([&] { sleep_or_read(); });   // others run meanwhile
//     });
//
// So with the GIL, two CPU-bound threads take turns of about one switch interval each
// and finish no sooner than one thread doing all the work; a process has its own GIL.
//
// While a run is recorded, each hold is a "holding <name>" span and each wait that blocks
// a "waiting for <name>" span on the thread's track, so the timeline shows the turns.
//
// Memory ordering: everything a thread wrote while holding the GIL (or before acquire())
// is visible to the next thread that acquires it, as with a mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace concur {

// One thread's share of a Gil's history.
struct GilThreadStats {
  std::string name;                // the thread's actor name ("Thread-1")
  long long acquisitions = 0;      // times it took the GIL
  long long forced_drops = 0;      // times it let go at check() because a waiter asked
  long long io_releases = 0;       // Released scopes / blocking_io calls
  std::chrono::nanoseconds waited{0};  // time spent waiting for the GIL
  std::chrono::nanoseconds held{0};    // time spent holding it
};

// The whole history; the per-thread figures add up to the totals.
struct GilStats {
  long long acquisitions = 0;   // every take of the GIL
  long long switches = 0;       // takes by a thread other than the previous holder
  long long drop_requests = 0;  // times a waiter's interval ran out and it asked
  long long forced_drops = 0;   // times a holder honoured a request at check()
  long long io_releases = 0;
  std::chrono::nanoseconds waited{0};
  std::chrono::nanoseconds held{0};
  std::vector<GilThreadStats> threads;  // in the order they first asked for the GIL
};

class Gil {
 public:
  static constexpr std::chrono::nanoseconds kDefaultSwitchInterval = std::chrono::milliseconds(5);

  // `switch_interval`: how long a waiter waits before asking the holder to drop the GIL
  // (sys.setswitchinterval()); std::invalid_argument unless positive. It is not
  // multiplied by --time-scale. Destroy it only once no thread holds or wants it.
  explicit Gil(std::chrono::nanoseconds switch_interval = kDefaultSwitchInterval,
               std::string_view name = "GIL");
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

  // Blocks until the calling thread holds the GIL, asking the holder to drop it each time
  // a switch interval passes without a switch. Throws std::logic_error if the calling
  // thread already holds it (CPython would deadlock).
  void acquire();

  // Lets go of the GIL and wakes one waiter. If a waiter had asked for it, blocks until
  // another thread has taken it (FORCE_SWITCHING). Throws std::logic_error if the calling
  // thread does not hold it.
  void release();

  // The eval-breaker check, for the holder to call between units of work. Returns at once
  // unless a waiter asked for the GIL; then releases it, waits for the switch, and blocks
  // until it holds the GIL again. Returns true when it let go. Call it only while holding
  // the GIL (std::logic_error otherwise, noticed only when a request is pending).
  bool check() {
    if (!drop_request_.load(std::memory_order_relaxed)) [[likely]]
      return false;
    return yield_to_waiter();
  }

  // True when the calling thread holds the GIL.
  bool held_by_me() const;

  // The switch interval it was built with.
  std::chrono::nanoseconds switch_interval() const { return interval_; }

  // A copy of the figures so far (consistent: taken under the lock).
  GilStats stats() const;

  const std::string& name() const { return name_; }

  // Holds the GIL for a scope: a Python thread running bytecode.
  class Held {
   public:
    explicit Held(Gil& gil) : gil_(gil) { gil_.acquire(); }
    ~Held() { gil_.release(); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    Gil& gil_;
  };

  // Releases the GIL for a scope and takes it back at the end: what C code does around a
  // blocking call (Py_BEGIN_ALLOW_THREADS ... Py_END_ALLOW_THREADS). The calling thread
  // must hold it.
  class Released {
   public:
    explicit Released(Gil& gil) : gil_(gil) { gil_.release_for_io(); }
    ~Released() { gil_.acquire(); }
    Released(const Released&) = delete;
    Released& operator=(const Released&) = delete;

   private:
    Gil& gil_;
  };

  // Runs `io` with the GIL released (see Released) and returns what it returns.
  template <class F>
  decltype(auto) blocking_io(F&& io) {
    Released released(*this);
    return std::forward<F>(io)();
  }

 private:
  struct PerThread {
    std::thread::id id;
    GilThreadStats stats;
    std::chrono::steady_clock::time_point held_since;
  };

  bool yield_to_waiter();
  void release_for_io();
  // These three are called with mu_ held (through `lock`).
  void take(std::unique_lock<std::mutex>& lock, PerThread& self);  // waits, then holds
  void drop(std::unique_lock<std::mutex>& lock, PerThread& self);  // lets go; maybe waits for the switch
  PerThread& self();  // the calling thread's entry, made on first use

  const std::chrono::nanoseconds interval_;
  const std::string name_;
  const std::uint32_t waiting_label_;
  const std::uint32_t holding_label_;

  mutable std::mutex mu_;
  std::condition_variable gil_free_;     // signalled (one waiter) when the GIL is let go
  std::condition_variable switched_;     // signalled when a thread takes it (FORCE_SWITCHING)
  bool locked_ = false;                  // guarded by mu_
  std::thread::id holder_;               // guarded by mu_: the holder, or none
  std::thread::id last_holder_;          // guarded by mu_: who took it last
  std::uint64_t switch_number_ = 0;      // guarded by mu_: times it changed hands
  GilStats totals_;                      // guarded by mu_ (threads stays empty: see threads_)
  // guarded by mu_; a few threads, searched linearly. A deque: entries never move, so a
  // thread keeps its reference across waits while others add theirs.
  std::deque<PerThread> threads_;
  // The eval breaker: written under mu_, read by check() without it. Relaxed is enough:
  // it is only a hint to come and take mu_, where everything is decided again.
  std::atomic<bool> drop_request_{false};
};

}  // namespace concur
