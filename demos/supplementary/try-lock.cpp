// s.5 try-lock: acquire(false) returns at once, with or without the lock.
//
// Worker-1 holds the printer's lock for a few lines; Worker-2 asks meanwhile with
// acquire(false), which cannot succeed. `wrong` ignores the answer: Worker-2 prints alongside
// Worker-1, then releases a lock it never got (Python's RuntimeError). `right` looks first.

#include <concur/concur.hpp>

namespace concur::demos {

static void share_the_printer(Run& run, bool check_the_answer) {
  Mutex printer("printer lock");
  Event worker1_inside("Worker-1 inside"), worker2_asked("Worker-2 asked");
  std::atomic<int> inside{0}, overlaps{0};  // overlaps: someone found someone else printing
  bool got_it = false;        // Worker-2's answer from acquire(false), read after join
  std::string release_error;  // written by Worker-2 only, read after join
  auto print_lines = [&] {
    if (inside.fetch_add(1) > 0) ++overlaps;
    for (long long step = 1; step <= run.integer("steps"); ++step) {
      say("printing line {}", step);
      sleep_for(run.duration("step"));
    }
    inside.fetch_sub(1);
  };
  Thread worker1([&] {
    std::lock_guard guard(printer);
    worker1_inside.set();
    print_lines();
    worker2_asked.wait();  // holds the lock until Worker-2 has asked, however short the lines
  }, "Worker-1");
  Thread worker2([&] {
    worker1_inside.wait();  // arrive while Worker-1 is printing
    got_it = printer.acquire(false);
    worker2_asked.set();
    say("acquire(false) returned {}", got_it ? "true: it has the lock" : "false: the lock is taken");
    if (check_the_answer && !got_it) return say("skips the printer this time");
    print_lines();  // wrong: without the lock, side by side with Worker-1
    try {
      printer.release();
    } catch (const std::runtime_error& e) {  // a lock it does not hold
      say("release() failed: {}", release_error = e.what());
    }
  }, "Worker-2");
  worker1.start(); worker2.start();
  worker1.join(); worker2.join();
  const int skipped = check_the_answer && !got_it ? 1 : 0;
  run.result({{"overlapped", overlaps > 0}, {"skipped", skipped}, {"release_error", release_error}});
  if (!check_the_answer) {
    run.check("releasing a lock not held is an error", !release_error.empty(), release_error);
    run.likely("both printed at once", overlaps > 0);
    return run.explain("acquire(false) said no, but Worker-2 printed anyway, interleaved with Worker-1, then "
                       "released a lock it never had. The lock caught that release; nothing caught the overlap.");
  }
  run.check("never two inside at once", overlaps == 0);
  run.check("released only what was acquired", release_error.empty(), release_error);
  run.likely("Worker-2 skipped cleanly", skipped == 1);
  run.explain("Worker-2 asked, heard no, and went on without the printer. Releasing only after a successful acquire "
              "keeps every release matched with an acquire.");
}

Example try_lock() {
  return {
      .params = {Param::integer("steps", "lines each worker prints", 4, 1, 100),
                 Param::seconds("step", "seconds per printed line", 0.25, 0.0, 10.0)},
      .variants = {{"wrong", [](Run& run) { share_the_printer(run, false); }},
                   {"right", [](Run& run) { share_the_printer(run, true); }}},
      .controlled = ControlledRuns{.small = {{"steps", 2}}, .outcome = "printed together: {overlapped}, skipped {skipped}"},
  };
}

}  // namespace concur::demos
