// s.7 bounded-semaphore: one release() too many, with a bounded and a plain semaphore.
//
// Two connection slots. A first worker takes a slot, gives it back, and by a bug (a cleanup
// path that also releases) gives it back again. The bounded semaphore refuses that release
// (Python's ValueError) and keeps its count; the plain one accepts it silently and now has
// three slots, so when three workers arrive together all three get in. Watch "inside".

#include <concur/concur.hpp>

namespace concur::demos {

// The same story with either kind: Semaphore or BoundedSemaphore.
template <typename Kind>
static void over_release(Run& run, const char* name) {
  const long long permits = run.integer("permits");
  Kind slots(permits, name);
  std::string error;  // what the extra release() threw, if anything
  slots.acquire();
  say("took a slot and gives it back");
  slots.release();
  try {
    slots.release();  // the bug: a second release for the same acquire
    say("released once more: no complaint, {} slots free now", slots.value());
  } catch (const std::invalid_argument& e) {
    error = e.what();
    say("released once more: refused ({}), still {} slots free", error, slots.value());
  }
  const long long value_after = slots.value();
  // Then the workers use the slots together; we count who is inside (in_use() went negative).
  std::atomic<long long> inside{0}, most_inside{0};
  std::deque<Thread> threads;
  for (long long i = 1; i <= run.integer("workers"); ++i)
    threads.emplace_back([&] {
      slots.acquire();
      const long long now = inside.fetch_add(1) + 1;
      long long seen = most_inside.load();
      while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {}
      say("inside ({} of {} slots in use)", now, permits);
      sleep_for(run.duration("hold"));
      inside.fetch_sub(1);
      slots.release();
    }, fmt::format("Worker-{}", i)).start();
  for (Thread& t : threads) t.join();
  const long long most = most_inside.load();

  run.result({{"permits", permits}, {"over_release_error", error}, {"value_after", value_after}, {"max_concurrent", most}});
  if (slots.bounded()) {
    run.check("the over-release is an error", error == "Semaphore released too many times", error);
    run.check("the count is unchanged", value_after == permits, "{} free of {}", value_after, permits);
    run.check("never more inside than permits", most <= permits);
    return run.explain("The bounded semaphore knows its starting count, so a release that would go above it must be "
                       "a bug; it says so at the faulty line and leaves the count as it was.");
  }
  run.check("the count silently grew", error.empty() && value_after == permits + 1, "{} free of {}", value_after, permits);
  run.likely("more inside than permits", most > permits, "at most {} inside", most);
  run.explain("The plain semaphore took the extra release as a new permit. Nothing failed where the bug was; it "
              "showed later, as one worker more inside than the resource allows.");
}

Example bounded_semaphore() {
  return {
      .params = {Param::integer("permits", "slots the semaphore starts with", 2, 1, 64),
                 Param::integer("workers", "workers that then use the slots together", 3, 1, 64),
                 Param::seconds("hold", "seconds each worker stays inside", 0.5, 0.0, 30.0)},
      .variants = {{"bounded", [](Run& run) { over_release<BoundedSemaphore>(run, "bounded slots"); }},
                   {"plain", [](Run& run) { over_release<Semaphore>(run, "plain slots"); }}},
      .controlled = ControlledRuns{.small = {{"permits", 1}, {"workers", 2}}, .outcome = "at most {max_concurrent} inside"},
  };
}

}  // namespace concur::demos
