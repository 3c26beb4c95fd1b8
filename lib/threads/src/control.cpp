#include "concur/threads/control.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "concur/threads/stopped.hpp"

namespace concur::control {
namespace {

enum class State : std::uint8_t { starting, running, parked, finished };

struct Member {
  std::string name;
  State state = State::starting;
  Step next;                                  // while parked
  const std::function<bool()>* ready = nullptr;  // while parked: the caller's, alive until it returns
};

// One controlled run. Everything is guarded by mu.
struct Run {
  std::mutex mu;
  std::condition_variable turn;    // `current` changed, or the run is stopping
  std::deque<Member> members;      // by number; a deque, so references stay valid
  int current = 0;                 // whose turn it is; -1: nobody's (all finished)
  bool stopping = false;           // a deadlock, a failed chooser or stop(): no more turns
  std::optional<std::string> deadlock;
  std::optional<std::string> failure;  // what the chooser threw
  Chooser chooser;
  std::vector<Step> steps;
  std::map<const void*, std::pair<int, std::string>> holders;  // each lock held: by whom, its name
};

std::atomic<Run*> g_run{nullptr};
thread_local int t_number = -1;

bool can_go(const Member& m) { return m.state == State::parked && (m.ready == nullptr || (*m.ready)()); }

// The object a lock-like step names: "lock account A" and "try to lock account A" both
// name "account A".
std::string object_named(const Step& s) {
  for (std::string_view verb : {"try to lock ", "lock ", "unlock "})
    if (s.text.starts_with(verb)) return s.text.substr(verb.size());
  return s.text;
}

// "Thread-1 waits at "lock B" (held by Thread-2), holding A; Thread-2 ...": the threads that
// are stuck on something other than a join (or, when only joins are stuck, those).
std::string describe_deadlock(const Run& run) {
  const bool only_joins = std::all_of(run.members.begin(), run.members.end(), [](const Member& m) {
    return m.state != State::parked || m.next.op == Op::join;
  });
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < run.members.size(); ++i) {
    const Member& m = run.members[i];
    if (m.state != State::parked || (m.next.op == Op::join && !only_joins)) continue;
    std::vector<std::string> held;
    for (const auto& [object, holder] : run.holders)
      if (holder.first == static_cast<int>(i)) held.push_back(holder.second);
    std::string line = fmt::format("{} waits at \"{}\"", m.name, m.next.text);
    if (const auto it = run.holders.find(m.next.object); m.next.object != nullptr && it != run.holders.end())
      line += fmt::format(" (held by {})", run.members[static_cast<std::size_t>(it->second.first)].name);
    if (!held.empty()) line += fmt::format(", holding {}", fmt::join(held, " and "));
    lines.push_back(std::move(line));
  }
  return fmt::format("{}", fmt::join(lines, "; "));
}

// Called with run.mu held by the thread giving up its turn (parking or ending): decides
// whose turn is next and wakes it.
void hand_on(Run& run) {
  if (run.stopping) return;
  // A thread just started runs to its first visible step; a join that can return returns.
  // Neither is a choice: they change nothing another thread could see.
  for (std::size_t i = 0; i < run.members.size(); ++i) {
    const Member& m = run.members[i];
    if (m.state == State::starting || (m.state == State::parked && m.next.op == Op::join && can_go(m))) {
      run.current = static_cast<int>(i);
      run.turn.notify_all();
      return;
    }
  }
  Choice choice;
  choice.depth = run.steps.size();
  choice.last = run.steps.empty() ? -1 : run.steps.back().thread;
  bool waiting = false;
  for (const Member& m : run.members) {
    if (m.state != State::parked) continue;
    if (m.next.op != Op::join && can_go(m)) choice.enabled.push_back(m.next);
    else waiting = true;
  }
  if (choice.enabled.empty()) {
    run.current = -1;
    if (waiting) {  // nobody can go on, and somebody has not finished
      run.deadlock = describe_deadlock(run);
      run.stopping = true;
    }
    run.turn.notify_all();
    return;
  }
  std::vector<int> can;
  for (const Step& s : choice.enabled) can.push_back(s.thread);
  int pick = -1;
  try {
    pick = run.chooser(choice);
    if (std::find(can.begin(), can.end(), pick) == can.end())
      throw std::invalid_argument(fmt::format("step {}: thread {} cannot go on here (it can: {})", choice.depth + 1, pick,
                                              fmt::join(can, ", ")));
  } catch (const std::exception& e) {
    run.failure = e.what();
    run.stopping = true;
    run.current = -1;
    run.turn.notify_all();
    return;
  }
  run.current = pick;
  run.turn.notify_all();
}

// Whether a thread of a stopped run may still go on with its operation, uncontrolled: yes
// when the operation cannot block (an unlock, a read; often called from a destructor,
// which must not throw) or can complete now. A wait that could last forever throws
// instead: ThreadStopped in a thread of the run, in its main thread the reason.
void go_on_uncontrolled(const Run& run, int me, const std::function<bool()>* ready) {
  if (ready == nullptr) return;
  // The main thread learns of a deadlock even when the threads' unwinding has let its own
  // wait end meanwhile (a join of a thread that has now ended).
  if (me == 0 && run.deadlock) throw Deadlock("deadlock: " + *run.deadlock);
  if ((*ready)()) return;
  if (me != 0) throw ThreadStopped();
  if (run.failure) throw std::invalid_argument(*run.failure);
  throw ThreadStopped();
}

// Waits for the thread's turn. Returns true when it came, false when the run stopped first
// and the operation may go on uncontrolled (go_on_uncontrolled()).
bool wait_for_turn(Run& run, std::unique_lock<std::mutex>& lock, int me, const std::function<bool()>* ready) {
  run.turn.wait(lock, [&] { return run.current == me || run.stopping; });
  if (run.current == me && !run.stopping) return true;
  run.members[static_cast<std::size_t>(me)].state = State::running;
  run.members[static_cast<std::size_t>(me)].ready = nullptr;
  go_on_uncontrolled(run, me, ready);
  return false;
}

void take_step(Run& run, Member& me) {
  me.state = State::running;
  me.ready = nullptr;
  if (me.next.op == Op::join) return;
  const Step& s = run.steps.emplace_back(me.next);
  if (s.op == Op::lock || (s.op == Op::try_lock && !run.holders.contains(s.object)))
    run.holders[s.object] = {s.thread, object_named(s)};
  if (s.op == Op::unlock) run.holders.erase(s.object);
}

// One choice point of an explored schedule: the threads offered, and which was taken.
struct Frame {
  std::vector<int> options;
  std::size_t chosen = 0;
};

std::string join_numbers(const std::vector<int>& numbers) { return fmt::format("{}", fmt::join(numbers, ",")); }

}  // namespace

std::string Outcome::schedule() const {
  std::vector<int> numbers;
  for (const Step& s : steps) numbers.push_back(s.thread);
  return join_numbers(numbers);
}

void detail::point_slow(Op op, const void* object, std::string_view what, const std::function<bool()>& ready) {
  Run* run = g_run.load(std::memory_order_acquire);
  const int me = t_number;
  if (run == nullptr || me < 0) return;
  std::unique_lock lock(run->mu);
  const std::function<bool()>* can = ready ? &ready : nullptr;
  if (run->stopping) return go_on_uncontrolled(*run, me, can);  // no more turns
  Member& m = run->members[static_cast<std::size_t>(me)];
  m.state = State::parked;
  m.next = Step{me, op, object, std::string(what)};
  m.ready = can;
  hand_on(*run);
  if (wait_for_turn(*run, lock, me, can)) take_step(*run, m);
}

int current_thread_number() noexcept { return t_number; }

int created(const std::string& name) {
  Run* run = g_run.load(std::memory_order_acquire);
  if (run == nullptr || t_number < 0) return -1;
  std::lock_guard guard(run->mu);
  run->members.push_back(Member{name});
  return static_cast<int>(run->members.size() - 1);
}

void begins(int number) {
  Run* run = g_run.load(std::memory_order_acquire);
  if (run == nullptr || number < 0) return;
  t_number = number;
  std::unique_lock lock(run->mu);
  // Stopped before its first turn, it does nothing at all.
  static const std::function<bool()> never = [] { return false; };
  wait_for_turn(*run, lock, number, &never);
  run->members[static_cast<std::size_t>(number)].state = State::running;
}

void ends(int number) {
  Run* run = g_run.load(std::memory_order_acquire);
  if (run == nullptr || number < 0) return;
  t_number = -1;
  std::lock_guard guard(run->mu);
  run->members[static_cast<std::size_t>(number)].state = State::finished;
  if (run->current == number) hand_on(*run);
  run->turn.notify_all();  // finish() waits for every thread to end
}

void join_point(int number, std::string_view name) {
  Run* run = g_run.load(std::memory_order_acquire);
  if (run == nullptr || number < 0) return;
  const std::function<bool()> ended = [run, number] {
    return run->members[static_cast<std::size_t>(number)].state == State::finished;  // under run->mu
  };
  detail::point_slow(Op::join, nullptr, fmt::format("join {}", name), ended);
}

Controlled::Controlled(Chooser chooser) {
  auto run = std::make_unique<Run>();
  run->chooser = std::move(chooser);
  run->members.push_back(Member{"MainThread", State::running});
  Run* expected = nullptr;
  if (!g_run.compare_exchange_strong(expected, run.get(), std::memory_order_acq_rel))
    throw std::logic_error("control::Controlled: a controlled run is already in progress");
  run.release();
  t_number = 0;
  detail::g_active.store(true, std::memory_order_release);
}

Controlled::~Controlled() {
  Run* run = g_run.load(std::memory_order_acquire);
  if (run == nullptr) return;
  {
    std::unique_lock lock(run->mu);
    run->stopping = true;
    run->turn.notify_all();
    // The threads of the run are joined before this (they were made after it); wait for
    // any that still unwind all the same, so none touches the run once it is gone.
    run->turn.wait(lock, [&] {
      for (std::size_t i = 1; i < run->members.size(); ++i)
        if (run->members[i].state != State::finished && run->members[i].state != State::starting) return false;
      return true;
    });
  }
  t_number = -1;
  detail::g_active.store(false, std::memory_order_release);
  g_run.store(nullptr, std::memory_order_release);
  delete run;
}

Outcome Controlled::finish() {
  Run* run = g_run.load(std::memory_order_acquire);
  Outcome out;
  std::unique_lock lock(run->mu);
  run->members[0].state = State::finished;
  if (run->current == 0) hand_on(*run);
  run->turn.wait(lock, [&] {
    return run->stopping ||
           std::all_of(run->members.begin(), run->members.end(), [](const Member& m) { return m.state == State::finished; });
  });
  if (run->failure) throw std::invalid_argument(*run->failure);
  if (run->deadlock) throw Deadlock("deadlock: " + *run->deadlock);
  out.steps = run->steps;
  for (const Member& m : run->members) out.threads.push_back(m.name);
  return out;
}

void Controlled::stop() { abandon(); }

void abandon() noexcept {
  Run* run = g_run.load(std::memory_order_acquire);
  if (run == nullptr) return;
  std::lock_guard guard(run->mu);
  run->stopping = true;
  run->turn.notify_all();
}

// ---- exploring ---------------------------------------------------------------------------

namespace {

// Keeps the calling thread (and the threads it starts, which inherit it) on the core it
// is on now, and gives back the old set of cores at the end.
class OnOneCore {
 public:
  OnOneCore() {
    CPU_ZERO(&before_);
    if (::pthread_getaffinity_np(::pthread_self(), sizeof before_, &before_) != 0) return;
    const int cpu = ::sched_getcpu();
    if (cpu < 0) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_ = ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one) == 0;
  }
  ~OnOneCore() {
    if (pinned_) ::pthread_setaffinity_np(::pthread_self(), sizeof before_, &before_);
  }
  OnOneCore(const OnOneCore&) = delete;
  OnOneCore& operator=(const OnOneCore&) = delete;

 private:
  cpu_set_t before_;
  bool pinned_ = false;
};

}  // namespace

Explored explore(const std::function<std::string(const Chooser&)>& once, const ExploreOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const OnOneCore pinned;
  Explored result;
  std::vector<int> prefix;  // the choices the next run replays before taking the first options
  for (;;) {
    std::vector<Frame> path;
    int preemptions = 0;
    const Chooser choose = [&](const Choice& choice) {
      Frame f;
      for (const Step& s : choice.enabled) f.options.push_back(s.thread);
      const bool last_can_go = std::find(f.options.begin(), f.options.end(), choice.last) != f.options.end();
      if (options.preemptions && preemptions >= *options.preemptions && last_can_go) f.options = {choice.last};
      const std::size_t k = path.size();
      const int pick = k < prefix.size() ? prefix[k] : f.options.front();
      const auto at = std::find(f.options.begin(), f.options.end(), pick);
      if (at == f.options.end())  // a bug here: the same prefix must offer the same choices
        throw std::logic_error(fmt::format("explore: step {} replayed differently (thread {} not offered)", k + 1, pick));
      f.chosen = static_cast<std::size_t>(at - f.options.begin());
      if (last_can_go && pick != choice.last) ++preemptions;  // switched away from a thread that could go on
      path.push_back(std::move(f));
      return pick;
    };
    std::string outcome;
    try {
      outcome = once(choose);
    } catch (const Deadlock& d) {
      outcome = "deadlock";
      ++result.deadlocks;
      if (!result.first_deadlock) result.first_deadlock = d.what();
    }
    ++result.schedules;
    std::vector<int> schedule;
    for (const Frame& f : path) schedule.push_back(f.options[f.chosen]);
    auto seen = std::find_if(result.outcomes.begin(), result.outcomes.end(), [&](const auto& o) { return o.first == outcome; });
    if (seen == result.outcomes.end()) {
      result.outcomes.push_back({outcome, {}});
      seen = std::prev(result.outcomes.end());
      seen->second.length = SIZE_MAX;
    }
    ++seen->second.count;
    if (schedule.size() < seen->second.length) {
      seen->second.length = schedule.size();
      seen->second.shortest = join_numbers(schedule);
    }
    // The next schedule: the deepest choice with an option not yet taken.
    while (!path.empty() && path.back().chosen + 1 >= path.back().options.size()) path.pop_back();
    if (path.empty()) break;
    if (options.max_schedules > 0 && result.schedules >= options.max_schedules) {
      result.complete = false;
      break;
    }
    prefix.clear();
    for (std::size_t i = 0; i + 1 < path.size(); ++i) prefix.push_back(path[i].options[path[i].chosen]);
    prefix.push_back(path.back().options[path.back().chosen + 1]);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

Chooser replay(const std::vector<int>& schedule) {
  return [schedule](const Choice& choice) {
    if (choice.depth < schedule.size()) return schedule[choice.depth];
    return choice.enabled.front().thread;
  };
}

std::vector<int> parse_schedule(std::string_view text) {
  std::vector<int> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t comma = text.find(',', at);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(at, comma - at);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    int n = -1;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || n < 0)
      throw std::invalid_argument(fmt::format("schedule entry {} is '{}', not a thread number (0 for MainThread, 1, 2, ...)",
                                              out.size() + 1, item));
    out.push_back(n);
    at = comma + 1;
  }
  return out;
}

}  // namespace concur::control
