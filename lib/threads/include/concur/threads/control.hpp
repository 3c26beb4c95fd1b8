// concur/threads/control.hpp - controlled execution: a scheduler decides who runs next.
//
// A race or a deadlock is a fact about one interleaving. In a controlled run the machine
// does not choose it: the threads take turns, one at a time, and at each visible
// operation (a read or a write of a Shared value, a lock or an unlock, a join) the
// running thread stops and a Chooser picks which thread does its next visible operation.
// Between two visible operations a thread runs alone, so a run is decided entirely by its
// schedule: the thread of every visible step, in order ("1,1,2,2"). The same schedule
// gives the same run again.
//
//     concur::control::Controlled run(chooser);   // this thread becomes MainThread, 0
//     ... start concur::Threads, join them ...     // each started one gets 1, 2, ...
//     concur::control::Outcome what = run.finish();
//
// The visible operations so far: Shared<T> load, store and fetch_add; Mutex and RLock
// lock, try_lock, unlock (an RLock's re-entries are not steps); Semaphore (and
// BoundedSemaphore) acquire, try_acquire, release; Event set, clear, is_set, wait;
// Condition wait (its lock released, the wait, the lock taken back) and notify; Queue put,
// get, task_done and join; concur::sleep_for; Thread join; StartLine arrival.
//
// Time is virtual: a run never waits for the clock. It stands still while any thread can
// take a step, and when none can, it jumps to the earliest moment a sleeping thread wakes
// or a wait with a timeout times out. So a thread that sleeps 1 s lets every other thread
// do all it can first, and "hold the lock, sleep, ask for the other" deadlocks in every
// schedule, as it does for real; threads that wake at the same moment are a choice. A
// wait with a timeout is offered once its condition holds (it succeeds) or its time is up
// (it times out).
//
// A thread whose next operation cannot go on (a lock held by another, a join of a thread
// still running) is not offered to the Chooser until it can. When no thread can go on and
// some have not finished, that is a deadlock: the run is stopped. Every thread that was
// waiting gets ThreadStopped thrown out of its wait (a concur::Thread ends quietly with
// it, its guards releasing what it held), and the main thread's wait throws Deadlock
// naming each stuck thread, what it waits at, who holds that and what it holds itself:
// `Clerk-1 waits at "lock account B" (held by Clerk-2), holding account A; ...`.
//
// Only concur::Threads started during the run, and the thread that made it, take part.
// Starting a thread, the end of a join and passing a start line are not choices: a thread
// that has just been started, or whose join or start line lets it through, runs at once
// (lowest number first) until its next visible operation. So a race of 2 threads x 2 increments, whose only visible operations
// are the 8 reads and writes of the counter, has exactly C(8,4) = 70 schedules.
//
// Outside a controlled run, point() is one relaxed load and a branch.
//
// Memory ordering: one thread runs at a time, and the hand-over goes through the
// controller's mutex, so everything a thread did before its step is visible to the thread
// that runs next.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace concur::control {

// What a visible operation does to its object: reads and writes of shared data, and the
// operations of the synchronization primitives.
// `sleep` touches nothing; `join` and `arrive` (a StartLine) are never choices.
enum class Op : std::uint8_t {
  read, write, lock, try_lock, unlock, join, acquire, try_acquire, release, set, clear, wait, sleep, arrive,
  notify, put, get
};

// A controlled run found that no thread can go on.
class Deadlock : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a Chooser to end a run early and on purpose (exploring found the rest
// redundant; `concur step` restarts or quits). The run stops as for a deadlock, and the
// main thread's wait, or finish(), throws Abandoned.
class Abandoned : public std::runtime_error {
 public:
  Abandoned() : std::runtime_error("the controlled run was abandoned") {}
};

// One visible operation of one thread, as the chooser and the history show it.
struct Step {
  int thread = 0;      // 0 for MainThread, then 1, 2, ... in the order they were started
  Op op = Op::read;
  const void* object = nullptr;
  std::string text;    // "read counter", "lock account A"
  std::int64_t at_ns = 0;  // the virtual time it was taken at (ns since the run began)
};

// Whether the order of two steps of different threads cannot matter: each leaves the
// other able to go on and both orders end in the same state. True when one is a sleep, or
// they touch different objects, or both only read the same one.
bool independent(const Step& a, const Step& b) noexcept;

// The threads that can take the next step, each with the step it would take; never empty.
// In a Choice a step's `object` is not an address but a stand-in that names the same
// object in every run that took the same steps before (runs of an exploration make their
// objects anew, at other addresses): compare them, never follow them.
struct Choice {
  std::vector<Step> enabled;  // ordered by thread number
  std::vector<Step> waiting;  // the threads that cannot go on yet, at the step they wait to take
  std::size_t depth = 0;      // how many steps have been taken so far
  int last = -1;              // the thread of the step before (-1 at the first)
  std::vector<std::string> threads;  // names, by number
  // Each lock held now, by number: "Thread-1 holds counter lock".
  std::vector<std::pair<int, std::string>> held;
  // The watched values (watch()), by name, as text: {"counter", "3"}.
  std::vector<std::pair<std::string, std::string>> values;
  std::int64_t now_ns = 0;  // virtual time (ns since the run began)
};

// Picks the thread of the next step: one of choice.enabled[i].thread.
using Chooser = std::function<int(const Choice& choice)>;
// Told of each step as it is taken, before the operation happens, in order.
using Observer = std::function<void(const Step& step, const std::string& thread_name)>;

// What a controlled run did.
struct Outcome {
  std::vector<Step> steps;             // every visible step, in order
  std::vector<std::string> threads;    // names, by number (0: MainThread)
  // The thread of every step, "1,1,2,2": what --schedule replays.
  std::string schedule() const;
};

namespace detail {
inline std::atomic<bool> g_active{false};
void point_slow(Op op, const void* object, std::string_view what, const std::function<bool()>& ready,
                const std::function<std::string()>& found, std::optional<std::chrono::nanoseconds> timeout);
}  // namespace detail

// True while a controlled run is in progress in this process.
inline bool active() noexcept { return detail::g_active.load(std::memory_order_relaxed); }

// Before a visible operation on `object`: in a controlled run, waits until the chooser
// picks this thread and `ready()` holds (no `ready`: it always can), then returns, and the
// caller does the operation. `found`, when given, is called as the step is taken and adds
// what the operation will find to its text ("read counter" + " → 3"). `timeout`, for a
// sleep or a wait with a timeout: the step can also be taken once that much virtual time
// has passed (the caller then finds `ready()` false: timed out). Called by a thread
// outside the run, or outside a controlled run, it returns at once. Throws ThreadStopped
// (a thread of the run) or Deadlock (its main thread) when the run is stopped while it
// waits.
inline void point(Op op, const void* object, std::string_view what, const std::function<bool()>& ready = {},
                  const std::function<std::string()>& found = {},
                  std::optional<std::chrono::nanoseconds> timeout = std::nullopt) {
  if (active()) detail::point_slow(op, object, what, ready, found, timeout);
}

// A value `concur step` shows while a run is in progress (Shared<T> registers itself):
// `value` is called, with every thread of the run waiting, at each choice. unwatch() when
// the object goes. Both do nothing outside a controlled run.
void watch(const void* object, std::string name, std::function<std::string()> value);
void unwatch(const void* object) noexcept;

// The calling thread's number in the controlled run, or -1.
int current_thread_number() noexcept;

// While one exists, the calling thread takes no steps: its operations happen for real. For
// taking a lock back while an exception unwinds (a Condition's wait cut short), when the
// run has stopped and every other thread is unwinding too.
class Bypass {
 public:
  Bypass() noexcept;
  ~Bypass();
  Bypass(const Bypass&) = delete;
  Bypass& operator=(const Bypass&) = delete;

 private:
  int saved_;
};



// concur::Thread's hooks. created(): in start(), on the starting thread; returns the new
// thread's number, or -1 when no run is in progress (or the starter is not in it).
// begins(): first thing on the new thread, waits for its first turn. ends(): last thing.
int created(const std::string& name);
void begins(int number);
void ends(int number);
// Thread::join()'s visible operation: waits until thread `number` has ended.
void join_point(int number, std::string_view name);
// Stops the run in progress, if any, as Controlled::stop() does: for a Thread destroyed
// while an exception unwinds, whose thread would otherwise wait for a turn forever.
void abandon() noexcept;

// A controlled run, on the calling thread, which takes part as MainThread (number 0).
// One at a time per process. Every thread started in it must be joined before finish().
class Controlled {
 public:
  explicit Controlled(Chooser chooser, Observer observer = {});
  ~Controlled();
  Controlled(const Controlled&) = delete;
  Controlled& operator=(const Controlled&) = delete;

  // Ends the run (the main thread's part is over) and says what happened. Throws Deadlock
  // when the run ended in one (if the main thread's own wait did not already).
  Outcome finish();
  // Stops the run: every thread waiting for its turn gets ThreadStopped (for `q` in step).
  void stop();
};

// ---- exploring every schedule ---------------------------------------------------------

struct ExploreOptions {
  // At most this many preemptions per schedule (switching away from a thread that could
  // have gone on); nullopt: no bound.
  std::optional<int> preemptions;
  // Sleep sets (Godefroid): after exploring a step, leave its thread asleep in the sibling
  // branches until something it depends on happens, since running it there first only
  // gives a schedule equivalent to one already explored. Every outcome is still reached.
  bool reduce = true;
  // Stop after this many schedules (a safety net); 0: no limit.
  long max_schedules = 0;
};

// Random exploration by PCT (Burckhardt et al., ASPLOS 2010): each run gives the threads
// random distinct priorities, always runs the highest-priority thread that can go on, and
// at depth - 1 random steps lowers the running thread below all others. A bug that needs
// `depth` ordering constraints is found by each run with probability at least
// 1 / (threads x steps^(depth - 1)).
struct PctOptions {
  int depth = 2;
  long runs = 1000;
  std::uint64_t seed = 1;
};

// What one run of an explored program says: its outcome ("counter = 3"), the claims it
// found broken (claims every schedule must keep: the names of failed checks) and the ones
// it showed (claims some schedule should show, "updates were lost": the names of those
// that held).
struct Verdict {
  std::string outcome;
  std::vector<std::string> broken;
  std::vector<std::string> shown;
};

struct Explored {
  long schedules = 0;      // complete schedules run
  long pruned = 0;         // runs the reduction cut short: every step left was redundant
  long deadlocks = 0;      // schedules that ended in a deadlock
  bool complete = true;    // false when max_schedules cut the search short (or PCT)
  long distinct = 0;       // PCT: how many of the runs' schedules differ
  // For each outcome (the text the run returned, or "deadlock"), and for each broken
  // claim: how many schedules gave it, and the shortest schedule that did (first found
  // among the shortest).
  struct Seen {
    long count = 0;
    std::string shortest;
    std::size_t length = 0;
  };
  std::vector<std::pair<std::string, Seen>> outcomes;  // in the order first seen
  std::vector<std::pair<std::string, Seen>> broken;    // in the order first seen
  std::vector<std::pair<std::string, Seen>> shown;     // in the order first seen
  std::optional<std::string> first_deadlock;           // who waits for what ("Thread-1 waits at ...")
  double seconds = 0;
};

// Runs `once` (one controlled run: it makes a Controlled with the chooser it is given,
// starts and joins its threads, and says what happened) for every schedule, depth first,
// each choice point's alternatives in thread order. While it explores, this thread and the
// threads it starts run on one core: a controlled run is sequential anyway, and a
// hand-over on one core costs a few microseconds instead of a cross-core wake-up.
Explored explore(const std::function<Verdict(const Chooser&)>& once, const ExploreOptions& options = {});
// The same for a run that only has an outcome.
Explored explore(const std::function<std::string(const Chooser&)>& once, const ExploreOptions& options = {});
// `pct.runs` runs of `once`, each with PCT's random priorities (on one core too).
Explored explore_pct(const std::function<Verdict(const Chooser&)>& once, const PctOptions& pct);

// A chooser that replays `schedule` ("1,1,2,2") and then picks the lowest enabled thread.
// Throws std::invalid_argument (at the step) when the schedule names a thread that cannot
// go on there.
Chooser replay(const std::vector<int>& schedule);
// "1, 1,2" -> {1, 1, 2}; throws std::invalid_argument naming the bad entry.
std::vector<int> parse_schedule(std::string_view text);

}  // namespace concur::control
