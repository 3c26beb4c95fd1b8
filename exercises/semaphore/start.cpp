// Exercise: semaphore (10.6). Give every permit back.
//
// Workers take turns in a room that holds `permits` of them at once; a semaphore keeps
// the count. Each worker has one job, and every third job turns out to be empty. As
// written, the room lets in fewer workers at a time as the run goes on, and at the end
// permits are missing (with as many empty jobs as permits, the last workers would wait at
// the door forever). Change the program so that every worker gets through, never more
// than `permits` are inside at once, and every permit is free again at the end.
//
//   concur check semaphore     builds this file and runs it 20 times with jitter
//   concur hint semaphore      one hint at a time
//
// Keep the options and the run.result(...) lines: the check reads "finished",
// "max_inside" and "free_at_end".

#include <concur/concur.hpp>

#include <atomic>
#include <deque>

namespace concur::demos {

static void limited_room(Run& run) {
  const long long workers = run.integer("workers");
  const long long permits = run.integer("permits");
  const auto hold = run.duration("hold");
  Semaphore room(permits, "room");
  std::atomic<long long> inside{0}, max_inside{0}, finished{0};

  auto visit = [&](long long job) {
    room.acquire();
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
    room.release();
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
      .title = "Semaphore (exercise)",
      .lecture = 10,
      .summary = "Give every permit back, on every way out of the room.",
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
