// s.3 rlock: a function that holds a lock and calls itself, which takes the lock again.
//
// A plain Mutex's second lock() would wait for the lock its own thread holds (Python hangs
// there for good); concur's Mutex sees its owner asking again and throws DeadlockError.
// An RLock lets its owner take it again, counts the depth, and frees the lock only at the
// last release: watch the depth go up level by level, then back down.

#include <concur/concur.hpp>

namespace concur::demos {

// Level `level` of `depth`: takes `lock`, works, calls the next level (Python: `with lock:`).
template <typename Lock>
static void descend(Lock& lock, long long level, long long depth, long long& entered, Run& run) {
  std::lock_guard guard(lock);  // from level 2 on, the thread asks for a lock it holds
  entered = level;
  if constexpr (requires { lock.depth(); })
    say("level {}: holds '{}', its count is now {}", level, lock.name(), lock.depth());
  else
    say("level {}: holds '{}'", level, lock.name());
  sleep_for(run.duration("work"));
  if (level < depth) descend(lock, level + 1, depth, entered, run);
  say("level {}: releases it", level);
}

template <typename Lock>
static void recurse(Run& run, Lock& lock) {
  const long long depth = run.integer("depth");
  long long entered = 0;
  std::string error;
  try {
    descend(lock, 1, depth, entered, run);
  } catch (const DeadlockError& e) {  // the guards above have already let go
    say("{}", error = e.what());
  }
  run.result({{"depth", depth}, {"levels_entered", entered}, {"deadlock_detected", !error.empty()}, {"error", error},
              {"held_afterwards", lock.locked()}});
}

static void with_mutex(Run& run) {
  Mutex lock("plain lock");
  recurse(run, lock);
  const long long entered = run.results()["levels_entered"];
  run.check("deadlock detected", run.results()["deadlock_detected"] == true, run.results()["error"].dump());
  run.check("the lock is free afterwards", !lock.locked());
  run.explain("Level {} asked for the Mutex that level 1 of the same thread held. A plain lock does not know "
              "re-entry, so that wait could never end; concur reported it instead of hanging, as Python's Lock "
              "would.", entered + 1);
}

static void with_rlock(Run& run) {
  RLock lock("reentrant lock");
  recurse(run, lock);
  const long long depth = run.integer("depth"), entered = run.results()["levels_entered"];
  run.check("every level entered", entered == depth, "{} of {} levels", entered, depth);
  run.check("no deadlock", run.results()["deadlock_detected"] == false);
  run.check("the lock is free after the last release", !lock.locked());
  run.explain("The RLock let its owner take it {} times; each release undid one, and only the last one freed it "
              "for other threads.", entered);
}

Example rlock() {
  return {
      .params = {Param::integer("depth", "levels of recursion, each taking the lock", 3, 2, 50),
                 Param::seconds("work", "seconds of work at each level", 0.2, 0.0, 10.0)},
      .variants = {{"mutex", with_mutex}, {"rlock", with_rlock}},
      .controlled = ControlledRuns{.small = {{"depth", 2}}, .outcome = "{levels_entered} levels entered"},
  };
}

}  // namespace concur::demos
