// 10.6 semaphore: six workers want in, the semaphore lets three in at a time.
//
// A semaphore holds a number of permits. acquire() takes one, waiting while there are
// none; release() gives it back and lets a waiting worker in. Watch the "in use" count in
// the narration: it climbs to the number of permits and never past it, and the workers
// go through in waves.

#include <concur/concur.hpp>

#include <algorithm>
#include <atomic>
#include <deque>

namespace concur::demos {

static void limited_room(Run& run) {
  const long long workers = run.integer("workers");
  const long long permits = run.integer("permits");
  const auto hold = run.duration("hold");

  Semaphore room(permits, "room");
  std::atomic<long long> inside{0}, most_inside{0}, got_in{0};

  auto visit = [&] {
    say("waiting for a permit");
    room.acquire();
    // Our own count of who is inside, independent of the semaphore: the claim's evidence.
    const long long now_inside = inside.fetch_add(1) + 1;
    long long seen = most_inside.load();
    while (now_inside > seen && !most_inside.compare_exchange_weak(seen, now_inside)) {}
    ++got_in;
    say("acquired the semaphore ({}/{} in use)", now_inside, permits);

    std::this_thread::sleep_for(hold);  // the work inside the limited section

    const long long left = inside.fetch_sub(1) - 1;
    room.release(says("releases it ({}/{} in use)", left, permits));  // said before the permit is free
  };

  std::deque<Thread> threads;
  for (long long i = 1; i <= workers; ++i) threads.emplace_back(visit, fmt::format("Worker-{}", i));
  for (Thread& t : threads) t.start();
  for (Thread& t : threads) t.join();

  run.result("workers", workers);
  run.result("permits", permits);
  run.result("acquired", got_in.load());
  run.result("max_concurrent", most_inside.load());
  run.check("never more than the permits inside", most_inside.load() <= permits,
            fmt::format("at most {} of {} permits in use", most_inside.load(), permits));
  run.check("every worker got in", got_in.load() == workers,
            fmt::format("{} of {} workers", got_in.load(), workers));
  const long long waves = (workers + permits - 1) / permits;
  run.explain(fmt::format("At most {} workers were inside at once, so {} workers went through in {} "
                          "wave(s) of at most {}: about {} x the hold time.",
                          most_inside.load(), workers, waves, permits, waves));
}

Example semaphore() {
  return {
      .id = "10.6",
      .name = "semaphore",
      .title = "Semaphore",
      .lecture = 10,
      .summary = "Workers share a semaphore of K permits: never more than K inside at once.",
      .params = {Param::integer("workers", "worker threads that want in", 6, 1, 256),
                 Param::integer("permits", "how many may be inside at once", 3, 1, 256),
                 Param::seconds("hold", "seconds each worker stays inside", 2.0, 0.0, 60.0)},
      .variants = {{"semaphore", limited_room}},
  };
}

}  // namespace concur::demos
