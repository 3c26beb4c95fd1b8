// s.7 bounded-semaphore: one release() too many, with a bounded and a plain semaphore.
//
// A pool of two connection slots. A first worker takes a slot and gives it back, and
// then, by a bug (a cleanup path that also releases), gives it back a second time. The
// bounded semaphore refuses that release with an error (Python's ValueError) and its
// count stays at 2. The plain one accepts it silently: it now has 3 slots, so when three
// workers arrive together, all three get in at once. Watch the "inside" numbers.

#include <concur/concur.hpp>

namespace concur::demos {

struct OverRelease {
  std::string error;  // what the extra release() threw, if anything
  long long value_after = 0, max_concurrent = 0;
};

static OverRelease over_release(Run& run, Semaphore& slots) {
  OverRelease out;
  slots.acquire();
  say("took a slot and gives it back");
  slots.release();
  try {
    slots.release();  // the bug: a second release for the same acquire
    say("released once more: no complaint, {} slots free now", slots.value());
  } catch (const std::invalid_argument& e) {
    out.error = e.what();
    say("released once more: refused ({}), still {} slots free", out.error, slots.value());
  }
  out.value_after = slots.value();

  // Then the workers use the slots together; we count who is inside ourselves.
  std::atomic<long long> inside{0}, most_inside{0};
  std::deque<Thread> threads;
  for (long long i = 1; i <= run.integer("workers"); ++i)
    threads.emplace_back([&] {
      slots.acquire();
      const long long now = inside.fetch_add(1) + 1;
      long long seen = most_inside.load();
      while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {}
      say("inside ({} of {} slots in use)", now, slots.initial());
      std::this_thread::sleep_for(run.duration("hold"));
      inside.fetch_sub(1);
      slots.release();
    }, fmt::format("Worker-{}", i));
  for (Thread& t : threads) t.start();
  for (Thread& t : threads) t.join();
  out.max_concurrent = most_inside.load();

  run.result({{"permits", slots.initial()}, {"over_release_error", out.error}, {"value_after", out.value_after},
              {"max_concurrent", out.max_concurrent}});
  return out;
}

static void bounded(Run& run) {
  const long long permits = run.integer("permits");
  BoundedSemaphore slots(permits, "bounded slots");
  const OverRelease r = over_release(run, slots);
  run.check("the over-release is an error", r.error == "Semaphore released too many times", r.error);
  run.check("the count is unchanged", r.value_after == permits, "{} free of {}", r.value_after, permits);
  run.check("never more inside than permits", r.max_concurrent <= permits);
  run.explain("The bounded semaphore knows its starting count, so a release that would go above it "
              "must be a bug; it says so at the faulty line and leaves the count as it was.");
}

static void plain(Run& run) {
  const long long permits = run.integer("permits");
  Semaphore slots(permits, "plain slots");
  const OverRelease r = over_release(run, slots);
  run.check("the count silently grew", r.error.empty() && r.value_after == permits + 1,
            "{} free of {}", r.value_after, permits);
  run.likely("more inside than permits", r.max_concurrent > permits, "at most {} inside", r.max_concurrent);
  run.explain("The plain semaphore took the extra release as a new permit. Nothing failed where the bug "
              "was; it showed later, as one worker more inside than the resource allows.");
}

Example bounded_semaphore() {
  return {
      .params = {Param::integer("permits", "slots the semaphore starts with", 2, 1, 64),
                 Param::integer("workers", "workers that then use the slots together", 3, 1, 64),
                 Param::seconds("hold", "seconds each worker stays inside", 0.5, 0.0, 30.0)},
      .variants = {{"bounded", bounded}, {"plain", plain}},
  };
}

}  // namespace concur::demos
