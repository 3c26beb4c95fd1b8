#include "concur/threads/deadlock.hpp"

#include <fmt/format.h>

#include <optional>
#include <unordered_map>
#include <utility>

#include "concur/core/actor.hpp"
#include "concur/threads/timed_lock.hpp"

namespace concur {

namespace {

std::string describe(const std::vector<DeadlockError::Edge>& cycle) {
  std::string text = "deadlock:";
  for (std::size_t i = 0; i < cycle.size(); ++i)
    text += fmt::format("{} {} holds '{}' and waits for '{}'", i == 0 ? "" : ";", cycle[i].thread, cycle[i].holds,
                        cycle[i].waits_for);
  return text;
}

// One thread that has been blocked in lock() for at least one check interval.
struct Waiter {
  std::string thread;                 // its actor name, for the report
  detail::LockIdentity waiting_for;   // the lock it is blocked on
};

// The wait-for half of the graph (the holds half is each lock's owner field).
class Registry {
 public:
  void enter(std::uintptr_t me, detail::LockIdentity lock) {
    std::lock_guard guard(mu_);
    waiters_.insert_or_assign(me, Waiter{current_actor(), lock});
  }

  void leave(std::uintptr_t me) {
    std::lock_guard guard(mu_);
    waiters_.erase(me);
  }

  // The cycle through `me`, if there is one. When there is, `me` leaves the registry in
  // the same critical section: the cycle is broken for every other thread on it.
  std::optional<std::vector<DeadlockError::Edge>> find_cycle_through(std::uintptr_t me) {
    std::lock_guard guard(mu_);
    std::vector<std::pair<std::uintptr_t, const Waiter*>> chain;
    std::uintptr_t thread = me;
    // A chain longer than the number of waiters has looped without coming back to us.
    for (std::size_t steps = 0; steps <= waiters_.size(); ++steps) {
      auto it = waiters_.find(thread);
      if (it == waiters_.end()) return std::nullopt;  // this thread is running: no cycle
      chain.emplace_back(thread, &it->second);
      thread = it->second.waiting_for.owner->load(std::memory_order_relaxed);
      if (thread == 0) return std::nullopt;  // the lock is free: the waiter will get it
      if (thread == me) {
        // Thread i waits for the lock that thread i+1 holds; the last waits for ours.
        std::vector<DeadlockError::Edge> cycle;
        for (std::size_t i = 0; i < chain.size(); ++i) {
          const Waiter& previous = *chain[(i + chain.size() - 1) % chain.size()].second;
          cycle.push_back({chain[i].second->thread, *previous.waiting_for.name, *chain[i].second->waiting_for.name});
        }
        waiters_.erase(me);
        return cycle;
      }
    }
    return std::nullopt;  // a cycle among others that we only wait on; they will find it
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::uintptr_t, Waiter> waiters_;  // guarded by mu_: thread key -> its wait
};

Registry& registry() {
  static Registry* the_registry = new Registry;  // never destroyed: threads may outlive main's statics
  return *the_registry;
}

}  // namespace

DeadlockError::DeadlockError(std::vector<Edge> cycle) : DeadlockError(describe(cycle), cycle) {}

DeadlockError::DeadlockError(std::string what, std::vector<Edge> cycle)
    : std::runtime_error(std::move(what)), cycle_(std::move(cycle)) {}

DeadlockError DeadlockError::self(const std::string& thread, const std::string& lock) {
  return DeadlockError(fmt::format("would deadlock: {} already holds '{}'", thread, lock), {{thread, lock, lock}});
}

namespace detail {

void lock_watching_for_deadlock(std::timed_mutex& mu, LockIdentity lock) {
  // A short wait is the common case under contention: it never touches the registry.
  if (try_lock_within(mu, kDeadlockCheckInterval)) return;

  const std::uintptr_t me = this_thread_key();
  registry().enter(me, lock);
  struct Leave {  // on every way out: got the lock, or an exception
    std::uintptr_t me;
    ~Leave() { registry().leave(me); }
  } leave{me};
  for (;;) {
    if (auto cycle = registry().find_cycle_through(me)) throw DeadlockError(std::move(*cycle));
    if (try_lock_within(mu, kDeadlockCheckInterval)) return;
  }
}

}  // namespace detail

}  // namespace concur
