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
#include <tuple>
#include <random>
#include <set>
#include <utility>

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
  const std::function<std::string()>* found = nullptr;  // the same
  std::optional<std::int64_t> deadline;  // while parked in a sleep or a timed wait: virtual ns
};

// Steps that are never choices: they run as soon as they can.
bool eager(Op op) { return op == Op::join || op == Op::arrive; }

// One controlled run. Everything is guarded by mu.
struct Run {
  std::mutex mu;
  std::condition_variable turn;    // `current` changed, or the run is stopping
  std::deque<Member> members;      // by number; a deque, so references stay valid
  int current = 0;                 // whose turn it is; -1: nobody's (all finished)
  bool stopping = false;           // a deadlock, a failed chooser or stop(): no more turns
  std::optional<std::string> deadlock;
  std::optional<std::string> failure;  // what the chooser threw
  bool abandoned = false;              // the chooser threw Abandoned
  Chooser chooser;
  Observer observer;
  std::vector<Step> steps;
  std::map<const void*, std::pair<int, std::string>> holders;  // each lock held: by whom, its name
  std::vector<std::tuple<const void*, std::string, std::function<std::string()>>> watched;
  std::int64_t now_ns = 0;  // virtual time: moves only when every thread left sleeps or waits with a timeout
  // Each object a step has named, numbered in the order first named: the same object gets
  // the same number in every run that took the same steps before, wherever it lives.
  std::map<const void*, std::uintptr_t> numbers;
  // The choices' stand-in for an object: its number (as a pointer, never dereferenced), so
  // an exploration can compare steps of different runs, whose objects have other addresses.
  const void* stand_in(const void* object) const {
    if (object == nullptr) return nullptr;
    const auto it = numbers.find(object);
    return reinterpret_cast<const void*>(it == numbers.end() ? 0 : it->second);
  }
};

std::atomic<Run*> g_run{nullptr};
thread_local int t_number = -1;

bool can_go(const Member& m, std::int64_t now) {
  return m.state == State::parked && (m.ready == nullptr || (m.deadline && *m.deadline <= now) || (*m.ready)());
}

// The object a lock-like step names: "lock account A" and "try to lock account A" both
// name "account A".
std::string object_named(const Step& s) {
  std::string_view name = s.text;
  for (std::string_view verb : {"try to lock ", "lock ", "unlock "})
    if (name.starts_with(verb)) {
      name.remove_prefix(verb.size());
      break;
    }
  if (name.ends_with(" with a timeout")) name.remove_suffix(std::string_view(" with a timeout").size());
  return std::string(name);
}

// "Thread-1 waits at "lock B" (held by Thread-2), holding A; Thread-2 ...": the threads that
// are stuck on something other than a join (or, when only joins are stuck, those).
std::string describe_deadlock(const Run& run) {
  const bool only_joins = std::all_of(run.members.begin(), run.members.end(), [](const Member& m) {
    return m.state != State::parked || eager(m.next.op);
  });
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < run.members.size(); ++i) {
    const Member& m = run.members[i];
    if (m.state != State::parked || (eager(m.next.op) && !only_joins)) continue;
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
    if (m.state == State::starting || (m.state == State::parked && eager(m.next.op) && can_go(m, run.now_ns))) {
      run.current = static_cast<int>(i);
      run.turn.notify_all();
      return;
    }
  }
  Choice choice;
  choice.depth = run.steps.size();
  choice.last = run.steps.empty() ? -1 : run.steps.back().thread;
  const auto sort_out = [&] {
    choice.enabled.clear();
    choice.waiting.clear();
    for (const Member& m : run.members) {
      if (m.state != State::parked) continue;
      if (!eager(m.next.op) && can_go(m, run.now_ns)) choice.enabled.push_back(m.next);
      else choice.waiting.push_back(m.next);
    }
  };
  sort_out();
  if (choice.enabled.empty()) {  // nobody can go on now: the clock moves to the next deadline, if any
    std::optional<std::int64_t> next;
    for (const Member& m : run.members)
      if (m.state == State::parked && m.deadline && *m.deadline > run.now_ns) next = std::min(next.value_or(*m.deadline), *m.deadline);
    if (next) {
      run.now_ns = *next;
      sort_out();
    }
  }
  for (const Member& m : run.members) choice.threads.push_back(m.name);
  for (std::vector<Step>* list : {&choice.enabled, &choice.waiting})
    for (Step& s : *list) s.object = run.stand_in(s.object);
  choice.now_ns = run.now_ns;
  if (choice.enabled.empty()) {
    run.current = -1;
    if (!choice.waiting.empty()) {  // nobody can go on, and somebody has not finished
      run.deadlock = describe_deadlock(run);
      run.stopping = true;
    }
    run.turn.notify_all();
    return;
  }
  for (const auto& [object, holder] : run.holders) choice.held.emplace_back(holder.first, holder.second);
  for (const auto& [object, name, value] : run.watched) choice.values.emplace_back(name, value());
  std::vector<int> can;
  for (const Step& s : choice.enabled) can.push_back(s.thread);
  int pick = -1;
  try {
    pick = run.chooser(choice);
    if (std::find(can.begin(), can.end(), pick) == can.end())
      throw std::invalid_argument(fmt::format("step {}: thread {} cannot go on here (it can: {})", choice.depth + 1, pick,
                                              fmt::join(can, ", ")));
  } catch (const Abandoned&) {
    run.abandoned = true;
    run.stopping = true;
    run.current = -1;
    run.turn.notify_all();
    return;
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
// which must not throw). An operation that waits throws instead: ThreadStopped in a thread
// of the run (even when it could go on now: after a deadlock, that would be a step no
// schedule has), in its main thread the reason, unless it was a plain stop() and the wait
// can end now.
void go_on_uncontrolled(const Run& run, int me, const std::function<bool()>* ready) {
  if (ready == nullptr) return;
  if (me != 0) throw ThreadStopped();
  // The main thread learns of a deadlock even when the threads' unwinding has let its own
  // wait end meanwhile (a join of a thread that has now ended).
  if (run.deadlock) throw Deadlock("deadlock: " + *run.deadlock);
  if (run.abandoned) throw Abandoned();
  if (run.failure) throw std::invalid_argument(*run.failure);
  if ((*ready)()) return;
  throw ThreadStopped();
}

// Waits for the thread's turn. Returns true when it came, false when the run stopped first
// and the operation may go on uncontrolled (go_on_uncontrolled()).
bool wait_for_turn(Run& run, std::unique_lock<std::mutex>& lock, int me, const std::function<bool()>* ready) {
  run.turn.wait(lock, [&] { return run.current == me || run.stopping; });
  if (run.current == me && !run.stopping) return true;
  run.members[static_cast<std::size_t>(me)].state = State::running;
  run.members[static_cast<std::size_t>(me)].ready = nullptr;
  run.members[static_cast<std::size_t>(me)].found = nullptr;
  run.members[static_cast<std::size_t>(me)].deadline.reset();
  go_on_uncontrolled(run, me, ready);
  return false;
}

void take_step(Run& run, Member& me) {
  me.state = State::running;
  me.ready = nullptr;
  const std::function<std::string()>* found = std::exchange(me.found, nullptr);
  me.deadline.reset();
  if (eager(me.next.op)) return;
  Step& s = run.steps.emplace_back(me.next);
  s.at_ns = run.now_ns;
  if (found != nullptr) s.text += (*found)();
  if (s.op == Op::lock || (s.op == Op::try_lock && !run.holders.contains(s.object)))
    run.holders[s.object] = {s.thread, object_named(s)};
  if (s.op == Op::unlock) run.holders.erase(s.object);
  if (run.observer) run.observer(s, me.name);
}

std::string join_numbers(const std::vector<int>& numbers) { return fmt::format("{}", fmt::join(numbers, ",")); }

}  // namespace

std::string Outcome::schedule() const {
  std::vector<int> numbers;
  for (const Step& s : steps) numbers.push_back(s.thread);
  return join_numbers(numbers);
}

void detail::point_slow(Op op, const void* object, std::string_view what, const std::function<bool()>& ready,
                        const std::function<std::string()>& found, std::optional<std::chrono::nanoseconds> timeout) {
  Run* run = g_run.load(std::memory_order_acquire);
  const int me = t_number;
  if (run == nullptr || me < 0) return;
  std::unique_lock lock(run->mu);
  const std::function<bool()>* can = ready ? &ready : nullptr;
  if (run->stopping) return go_on_uncontrolled(*run, me, can);  // no more turns
  Member& m = run->members[static_cast<std::size_t>(me)];
  m.state = State::parked;
  m.next = Step{me, op, object, std::string(what)};
  if (object != nullptr) run->numbers.emplace(object, run->numbers.size() + 1);
  m.ready = can;
  m.found = found ? &found : nullptr;
  if (timeout) m.deadline = run->now_ns + std::max<std::int64_t>(0, timeout->count());
  hand_on(*run);
  if (wait_for_turn(*run, lock, me, can)) take_step(*run, m);
}

int current_thread_number() noexcept { return t_number; }

Bypass::Bypass() noexcept : saved_(std::exchange(t_number, -1)) {}
Bypass::~Bypass() { t_number = saved_; }

void watch(const void* object, std::string name, std::function<std::string()> value) {
  Run* run = g_run.load(std::memory_order_acquire);
  if (run == nullptr) return;
  std::lock_guard guard(run->mu);
  run->watched.emplace_back(object, std::move(name), std::move(value));
}

void unwatch(const void* object) noexcept {
  Run* run = g_run.load(std::memory_order_acquire);
  if (run == nullptr) return;
  std::lock_guard guard(run->mu);
  std::erase_if(run->watched, [&](const auto& w) { return std::get<0>(w) == object; });
}

bool independent(const Step& a, const Step& b) noexcept {
  if (a.thread == b.thread) return false;
  if (a.op == Op::sleep || b.op == Op::sleep) return true;
  if (a.object == nullptr || b.object == nullptr) return false;  // touches who knows what
  if (a.object != b.object) return true;
  return a.op == Op::read && b.op == Op::read;
}

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
  detail::point_slow(Op::join, nullptr, fmt::format("join {}", name), ended, {}, std::nullopt);
}

Controlled::Controlled(Chooser chooser, Observer observer) {
  auto run = std::make_unique<Run>();
  run->chooser = std::move(chooser);
  run->observer = std::move(observer);
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
  if (run->abandoned) throw Abandoned();
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

namespace {

// One choice point of an explored schedule.
struct Frame {
  std::vector<Step> options;      // the steps it may take here (within the preemption bound)
  std::vector<Step> sleep;        // asleep on arrival: taking one of those first is redundant
  std::vector<std::size_t> done;  // options already explored from here
  std::size_t chosen = 0;
};

bool asleep(const Step& step, const std::vector<Step>& sleep) {
  return std::any_of(sleep.begin(), sleep.end(), [&](const Step& s) { return s.thread == step.thread; });
}

// What stays asleep below `parent` once it takes its chosen step: what was asleep there, and
// the siblings already explored, unless they depend on that step.
std::vector<Step> sleep_below(const Frame& parent) {
  const Step& taken = parent.options[parent.chosen];
  std::vector<Step> out;
  for (const Step& s : parent.sleep)
    if (independent(s, taken)) out.push_back(s);
  for (const std::size_t j : parent.done)
    if (independent(parent.options[j], taken)) out.push_back(parent.options[j]);
  return out;
}

// The next option of `f` to explore: not done, not chosen now, not asleep.
std::optional<std::size_t> next_option(const Frame& f) {
  for (std::size_t j = 0; j < f.options.size(); ++j)
    if (j != f.chosen && std::find(f.done.begin(), f.done.end(), j) == f.done.end() && !asleep(f.options[j], f.sleep))
      return j;
  return std::nullopt;
}

void tally(std::vector<std::pair<std::string, Explored::Seen>>& table, const std::string& key, const std::string& schedule,
           std::size_t length) {
  auto seen = std::find_if(table.begin(), table.end(), [&](const auto& o) { return o.first == key; });
  if (seen == table.end()) {
    table.push_back({key, {}});
    seen = std::prev(table.end());
    seen->second.length = SIZE_MAX;
  }
  ++seen->second.count;
  if (length < seen->second.length) {
    seen->second.length = length;
    seen->second.shortest = schedule;
  }
}

// Runs `once` with `chooser` and adds what happened to `result`; false when the run was
// abandoned (pruned) and gave no outcome.
bool run_and_tally(const std::function<Verdict(const Chooser&)>& once, const Chooser& chooser,
                   const std::vector<int>& taken, Explored& result) {
  Verdict verdict;
  try {
    verdict = once(chooser);
  } catch (const Deadlock& d) {
    verdict.outcome = "deadlock";
    ++result.deadlocks;
    std::string_view what = d.what();
    if (what.starts_with("deadlock: ")) what.remove_prefix(std::string_view("deadlock: ").size());
    if (!result.first_deadlock) result.first_deadlock = std::string(what);
  } catch (const Abandoned&) {
    ++result.pruned;
    return false;
  }
  ++result.schedules;
  const std::string schedule = join_numbers(taken);
  tally(result.outcomes, verdict.outcome, schedule, taken.size());
  for (const std::string& claim : verdict.broken) tally(result.broken, claim, schedule, taken.size());
  for (const std::string& claim : verdict.shown) tally(result.shown, claim, schedule, taken.size());
  return true;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Explored explore(const std::function<Verdict(const Chooser&)>& once, const ExploreOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const OnOneCore pinned;
  Explored result;
  std::vector<Frame> path;   // the choice points of the schedule being run
  std::size_t replayed = 0;  // how many of them the next run takes as they are
  for (;;) {
    std::vector<int> taken;
    int preemptions = 0;
    const Chooser choose = [&](const Choice& choice) {
      const std::size_t k = taken.size();
      const bool last_can_go = std::any_of(choice.enabled.begin(), choice.enabled.end(),
                                           [&](const Step& s) { return s.thread == choice.last; });
      if (k >= replayed) {  // a choice point this branch has not seen yet
        Frame f;
        f.options = choice.enabled;
        if (options.preemptions && preemptions >= *options.preemptions && last_can_go)
          std::erase_if(f.options, [&](const Step& s) { return s.thread != choice.last; });
        if (options.reduce && k > 0) f.sleep = sleep_below(path[k - 1]);
        f.chosen = f.options.size();
        for (std::size_t j = 0; j < f.options.size() && f.chosen == f.options.size(); ++j)
          if (!asleep(f.options[j], f.sleep)) f.chosen = j;
        path.resize(k);
        path.push_back(std::move(f));
        if (path.back().chosen == path.back().options.size()) throw Abandoned();  // everything left is redundant
      }
      const Frame& f = path[k];
      const int pick = f.options[f.chosen].thread;
      if (std::none_of(choice.enabled.begin(), choice.enabled.end(), [&](const Step& s) { return s.thread == pick; }))
        throw std::logic_error(fmt::format("explore: step {} replayed differently (thread {} not offered)", k + 1, pick));
      if (last_can_go && pick != choice.last) ++preemptions;  // switched away from a thread that could go on
      taken.push_back(pick);
      return pick;
    };
    run_and_tally(once, choose, taken, result);
    // The next schedule: the deepest choice point with an option left to explore.
    while (!path.empty()) {
      Frame& f = path.back();
      const std::optional<std::size_t> next = next_option(f);
      f.done.push_back(f.chosen);
      if (next) {
        f.chosen = *next;
        break;
      }
      path.pop_back();
    }
    if (path.empty()) break;
    if (options.max_schedules > 0 && result.schedules >= options.max_schedules) {
      result.complete = false;
      break;
    }
    replayed = path.size();
  }
  result.seconds = seconds_since(started);
  return result;
}

Explored explore(const std::function<std::string(const Chooser&)>& once, const ExploreOptions& options) {
  return explore([&](const Chooser& chooser) { return Verdict{once(chooser), {}}; }, options);
}

Explored explore_pct(const std::function<Verdict(const Chooser&)>& once, const PctOptions& pct) {
  if (pct.depth < 1) throw std::invalid_argument("PCT: the depth must be at least 1");
  const auto started = std::chrono::steady_clock::now();
  const OnOneCore pinned;
  Explored result;
  result.complete = false;
  std::mt19937_64 random(pct.seed);
  std::size_t steps = 0;  // the most steps a run has taken: where change points may fall
  std::set<std::string> schedules;
  for (long r = 0; r < pct.runs; ++r) {
    std::map<int, std::uint64_t> priority;  // by thread; the initial ones are all >= depth
    std::vector<std::size_t> change_at;     // step numbers (1-based) where the running thread drops
    for (int j = 1; j < pct.depth && steps > 0; ++j)
      change_at.push_back(std::uniform_int_distribution<std::size_t>(1, steps)(random));
    std::vector<int> taken;
    const auto highest = [&](const Choice& choice) {
      int best = choice.enabled.front().thread;
      for (const Step& s : choice.enabled) {
        if (!priority.contains(s.thread))
          priority[s.thread] = static_cast<std::uint64_t>(pct.depth) + (random() >> 8);  // distinct in practice
        if (priority[s.thread] > priority[best]) best = s.thread;
      }
      return best;
    };
    const Chooser choose = [&](const Choice& choice) {
      int pick = highest(choice);
      for (std::size_t j = 0; j < change_at.size(); ++j)
        if (change_at[j] == choice.depth + 1) {  // change point j + 1: the thread about to run drops below all
          priority[pick] = static_cast<std::uint64_t>(pct.depth - 1 - static_cast<int>(j));
          pick = highest(choice);
        }
      taken.push_back(pick);
      return pick;
    };
    run_and_tally(once, choose, taken, result);
    steps = std::max(steps, taken.size());
    schedules.insert(join_numbers(taken));
  }
  result.distinct = static_cast<long>(schedules.size());
  result.seconds = seconds_since(started);
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
