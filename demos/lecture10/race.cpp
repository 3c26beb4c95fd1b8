// 10.4 race: threads add 1 to one shared counter with no lock, and updates get lost.
//
// An increment is two steps: read the counter, then write the value plus one. When two
// threads read the same value, both write the same result and one increment vanishes.
//
// Why concur::Shared, if the point is to be unsafe? Two threads writing a plain `long` at
// once is a data race: undefined behaviour in C++ (the compiler may add all the iterations
// at once). Shared<T> is a relaxed std::atomic: each load and store is well defined, yet a
// load then a store is still not one indivisible step, so the updates are lost honestly.
// Its loads and stores are also the steps `concur step race` lets you schedule by hand.
//
// Why rounds? 100,000 increments take well under a time slice, so on a busy machine one
// thread can finish before the other runs. The round is run again, with a fresh counter,
// until the threads measurably incremented at the same moment (overlap_s, attempts).

#include <concur/concur.hpp>

namespace concur::demos {

static void count_without_lock(Run& run) {
  const long long threads = run.integer("threads"), iterations = run.integer("iterations");
  Shared<long long> counter("counter");
  Overlap overlap(threads);  // when each thread was really inside its loop
  std::mutex order_lock;
  std::vector<std::string> finish_order;  // guarded by order_lock

  const Rounds rounds = until_overlap([&] {  // one round: fresh threads, a fresh counter, one start
    counter.reset(0); overlap.reset(); finish_order.clear();
    StartLine start_line(threads);
    std::deque<Thread> workers;  // a deque, because a Thread cannot move once it exists
    for (long long t = 0; t < threads; ++t)
      workers.emplace_back([&] {
        start_line.arrive_and_wait();  // no narration in the loop: printing takes longer than the race
        OverlapProbe inside = overlap.probe();
        for (long long i = 0; i < iterations; ++i) {
          const long long seen = counter.load();  // read ...
          counter.store(seen + 1);                // ... then write
          inside.tick();
        }
        inside.stop();
        std::lock_guard guard(order_lock);
        finish_order.push_back(current_thread().name());
      }, fmt::format("Thread-{}", t + 1));  // the same names in every round
    for (Thread& w : workers) w.start();
    for (Thread& w : workers) w.join();
    return overlap.measure();
  });

  const long long expected = threads * iterations, actual = counter.peek();
  say("counter = {}, expected {} (round {}, together for {:.2f} ms)", actual, expected, rounds.attempts,
      to_seconds(rounds.last.overlap) * 1e3);
  run.result("finish_order", finish_order);
  report_count(run, rounds, expected, actual, /*guarded=*/false, "threads",
               "{} increments vanished: while the threads ran together, two read the same value and both wrote "
               "it back plus one. Nothing stopped them interleaving.",
               "The threads ran together, yet no update was lost this time: a race is luck, not design.");
}

Example race() {
  return {
      .params = {Param::integer("threads", "threads incrementing the counter", 2, 1, 64),
                 Param::integer("iterations", "increments per thread", 100'000, 1, 100'000'000)},
      .variants = {{"unsynchronized", count_without_lock}},
      .outcomes = {"lost", "finish_order"},
      .controlled = ControlledRuns{.small = {{"iterations", 2}}, .outcome = "counter = {actual}"},
  };
}

}  // namespace concur::demos
