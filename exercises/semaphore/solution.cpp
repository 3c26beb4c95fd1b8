// Exercise semaphore (10.6), the reference solution.
//
// A worker with an empty job took a permit and left by the early return, which skipped
// the release() at the bottom: each empty job cost the room one permit for good. Here a
// small guard object takes the permit when it is made and gives it back when it goes out
// of scope, whichever way the worker leaves (the closing brace, a return, an exception):
// Python's `with room:`. Calling room.release() before the early return passes too, but
// every new way out would have to remember it again. Looking at the job before acquire(),
// so that an empty job never takes a permit at all, passes as well.

#include <concur/concur.hpp>

#include <atomic>
#include <deque>

namespace concur::demos {

// Holds one permit of a semaphore for as long as it lives: Python's `with room:`.
class Permit {
 public:
  explicit Permit(Semaphore& semaphore) : semaphore_(semaphore) { semaphore_.acquire(); }
  ~Permit() { semaphore_.release(); }
  Permit(const Permit&) = delete;
  Permit& operator=(const Permit&) = delete;

 private:
  Semaphore& semaphore_;
};

static void limited_room(Run& run) {
  const long long workers = run.integer("workers");
  const long long permits = run.integer("permits");
  const auto hold = run.duration("hold");
  Semaphore room(permits, "room");
  std::atomic<long long> inside{0}, max_inside{0}, finished{0};

  auto visit = [&](long long job) {
    Permit permit(room);  // given back at every way out of this lambda
    // Our own count of who is inside, independent of the semaphore: the check's evidence.
    const long long now = inside.fetch_add(1) + 1;
    for (long long seen = max_inside.load(); now > seen && !max_inside.compare_exchange_weak(seen, now);) {}
    if (job % 3 == 0) {  // an empty job: nothing to do in the room
      say("job {} is empty, leaving at once", job);
      inside.fetch_sub(1);
      return;
    }
    say("working on job {} ({}/{} inside)", job, now, permits);
    sleep_for(hold);
    inside.fetch_sub(1);
  };

  std::deque<Thread> threads;
  for (long long i = 1; i <= workers; ++i)
    threads.emplace_back([&, i] { visit(i); ++finished; }, fmt::format("Worker-{}", i));
  for (Thread& t : threads) t.start();
  for (Thread& t : threads) t.join();

  run.result("finished", finished.load());
  run.result("max_inside", max_inside.load());
  run.result("free_at_end", static_cast<long long>(room.value()));
  run.check("every worker finished", finished.load() == workers);
  run.check("never more than the permits inside", max_inside.load() <= permits);
  run.check("every permit given back", room.value() == permits, fmt::format("{} of {} free", room.value(), permits));
}

Example semaphore() {
  return {
      .id = "10.6",
      .name = "semaphore",
      .title = "Semaphore (solution)",
      .lecture = 10,
      .summary = "Every permit given back, on every way out of the room, by a guard.",
      .params = {Param::integer("workers", "worker threads, one job each", 8, 1, 256),
                 Param::integer("permits", "how many may be inside at once", 3, 1, 256),
                 Param::seconds("hold", "seconds a worker with a real job stays inside", 2.0, 0.0, 60.0)},
      .variants = {{"exercise", limited_room}},
      // How `concur step` and `explore` (and the check's exploration) run it: small.
      .controlled = ControlledRuns{.small = {{"workers", 3}, {"permits", 1}},
                                   .outcome = "{finished} finished, at most {max_inside} inside, {free_at_end} free"},
  };
}

}  // namespace concur::demos
