// 10.6 semaphore: six workers want in, the semaphore lets three in at a time.
//
// A semaphore holds a number of permits. acquire() takes one, waiting while there are
// none; release() gives it back and lets a waiting worker in. Watch the "in use" count in
// the narration: it climbs to the number of permits and never past it, and the workers
// go through in waves.

#include <concur/concur.hpp>

namespace concur::demos {

static void limited_room(Run& run) {
  const int workers = run.integer<int>("workers");
  const int permits = run.integer<int>("permits");
  const auto hold = run.duration("hold");

  Semaphore semaphore(permits, "semaphore");
  std::atomic<int> inside{0}, got_in{0};  // for the narration's "in use" count

  auto visit = [&] {
    say("waiting for a permit");
    semaphore.acquire();
    ++got_in;
    say("acquired the semaphore ({}/{} in use)", ++inside, permits);

    sleep_for(hold);  // the work inside the limited section

    // Said before the permit is free, so the next holder's line comes after it.
    semaphore.release(says("releases it ({}/{} in use)", --inside, permits));
  };

  std::deque<Thread> threads;
  for (int i = 1; i <= workers; ++i) threads.emplace_back(visit, fmt::format("Worker-{}", i));
  for (Thread& t : threads) t.start();
  for (Thread& t : threads) t.join();

  // The semaphore counts its holders itself: the most that were ever inside together.
  const auto most_inside = semaphore.most_in_use();
  run.result({{"workers", workers}, {"permits", permits}, {"acquired", got_in.load()}, {"max_concurrent", most_inside}});
  run.check("never more than the permits inside", most_inside <= permits, "at most {} of {} permits in use",
            most_inside, permits);
  run.check("every worker got in", got_in == workers, "{} of {} workers", got_in.load(), workers);
  const int waves = (workers + permits - 1) / permits;
  run.explain("At most {} workers were inside at once, so {} workers went through in {} of at most {}: "
              "about {} × the hold time.", most_inside, workers, count_of(waves, "wave"), permits, waves);
}

Example semaphore() {
  return {
      .params = {Param::integer("workers", "worker threads that want in", 6, 1, 256),
                 Param::integer("permits", "how many may be inside at once", 3, 1, 256),
                 Param::seconds("hold", "seconds each worker stays inside", 2.0, 0.0, 60.0)},
      .variants = {{"semaphore", limited_room}},
      .controlled = ControlledRuns{.small = {{"workers", 3}, {"permits", 2}},
                                   .outcome = "at most {max_concurrent} inside, {acquired} got in"},
  };
}

}  // namespace concur::demos
