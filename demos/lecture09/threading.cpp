// 9.2 threading: the same batch, each task on a thread of its own: start() them all,
// then join() them all.
//
// The I/O-bound batch: a waiting thread needs no core, so all the waits overlap and the
// batch takes about as long as its longest task, even on one core. The CPU-bound batch:
// C++ threads have no GIL, so each core computes one task at a time and the batch runs
// about (number of free cores) times faster than sequentially: a core another program
// keeps busy is not free, and the check and the explanation say how many were. In CPython only the I/O batch
// would get faster; there the GIL lets one thread at a time run Python code.

#include <concur/concur.hpp>

#include "lecture09/batch.hpp"

namespace concur::demos {

static void thread_per_task(Run& run) {
  const std::vector<batch::Task> tasks = batch::plan(run);
  std::vector<batch::Done> done(tasks.size());  // slot i is written by thread i only

  std::deque<Thread> threads;  // a deque, because a Thread cannot move once it exists
  for (std::size_t i = 0; i < tasks.size(); ++i)
    threads.emplace_back([&, i] { done[i] = batch::perform(tasks[i]); }, fmt::format("Task-{}", i + 1));

  say("starting {} threads, one per {} task", tasks.size(), run.variant());
  const auto cpu_before = process_cpu_time();
  const std::int64_t began = RunClock::elapsed_ns();
  for (Thread& t : threads) t.start();  // all are running before anyone is joined
  for (Thread& t : threads) t.join();   // the batch is done when the last one is
  const std::int64_t batch_ns = RunClock::elapsed_ns() - began;
  const std::int64_t cpu_ns = (process_cpu_time() - cpu_before).count();
  say("all {} threads joined", tasks.size());

  const batch::Summary s = batch::record(run, tasks, done, batch_ns, cpu_ns);
  const int n = static_cast<int>(tasks.size());
  if (run.variant() == "io-bound") {
    run.likely("I/O-bound batch time = longest task", batch_ns <= s.longest_task_ns * 1.2 + 3'000'000,
               "batch {:.1f} ms, longest task {:.1f} ms", batch_ns / 1e6, s.longest_task_ns / 1e6);
    run.explain("The batch took {:.0f} ms, about its longest task ({:.0f} ms): {}. A waiting thread needs no "
                "core, so all {} waited at once.", batch_ns / 1e6, s.longest_task_ns / 1e6,
                batch::verdict(run, s, n), tasks.size());
  } else {
    batch::likely_scales(run, s, n, "CPU-bound batch scales with cores");
    run.explain("The work needed {:.0f} ms of CPU and the batch took {:.0f} ms: {}. On average {:.2f} cores "
                "computed at once; C++ has no GIL, so each thread runs on any free core. Each task's own time "
                "grew (to {:.0f} ms in all) when threads shared a core.", cpu_ns / 1e6, batch_ns / 1e6,
                batch::verdict(run, s, n), s.busy_cores, s.sum_task_ns / 1e6);
  }
}

Example threading() {
  return {
      .params = batch::params(),
      .variants = {{"io-bound", thread_per_task}, {"cpu-bound", thread_per_task}},
  };
}

}  // namespace concur::demos
