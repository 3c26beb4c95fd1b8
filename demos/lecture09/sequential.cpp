// 9.1 sequential: a batch of tasks run one after another, on the main thread alone.
//
// Each task starts only when the one before it has finished, so nothing overlaps: the
// batch takes the sum of its tasks' times, whatever kind of task they are. That sum is
// the time the threading (9.2) and multiprocessing (9.3) runs of the same batch try to
// beat. Watch the narration: every line comes from MainThread, and each "starts" follows
// the previous "done".

#include <concur/concur.hpp>

#include "lecture09/batch.hpp"

namespace concur::demos {

static void one_after_another(Run& run) {
  const std::vector<batch::Task> tasks = batch::plan(run);
  say("running {} {} tasks one after another", tasks.size(), run.variant());

  std::vector<batch::Done> done;
  const auto cpu_before = process_cpu_time();
  const std::int64_t began = RunClock::elapsed_ns();
  for (const batch::Task& t : tasks) done.push_back(batch::perform(t));  // returns when the task has finished
  const std::int64_t batch_ns = RunClock::elapsed_ns() - began;
  const std::int64_t cpu_ns = (process_cpu_time() - cpu_before).count();

  const batch::Summary s = batch::record(run, tasks, done, batch_ns, cpu_ns);
  // Certain, not just likely: the tasks' intervals lie inside the batch's and never overlap.
  run.check("the batch took at least the sum of its task times", batch_ns >= s.sum_task_ns, "batch {:.1f} ms, "
            "tasks {:.1f} ms", batch_ns / 1e6, s.sum_task_ns / 1e6);
  run.likely("total time = sum of task times", batch_ns <= s.sum_task_ns * 1.05 + 2'000'000, "{:.1f} ms of "
             "{:.1f} ms spent outside the tasks", (batch_ns - s.sum_task_ns) / 1e6, batch_ns / 1e6);
  run.explain(run.variant() == "io-bound"
                  ? fmt::format("The batch took {:.0f} ms, the sum of the waits: while one task waited for its "
                                "download, nobody used the time. The CPU was busy for only {:.1f} ms of it.",
                                batch_ns / 1e6, cpu_ns / 1e6)
                  : fmt::format("The batch took {:.0f} ms, the sum of the computations, and kept {:.2f} of a core "
                                "busy: one task at a time, so the other cores of this {}-core machine sat idle.",
                                batch_ns / 1e6, s.busy_cores, std::max(1u, std::thread::hardware_concurrency())));
}

Example sequential() {
  return {
      .params = batch::params(),
      .variants = {{"io-bound", one_after_another}, {"cpu-bound", one_after_another}},
  };
}

}  // namespace concur::demos
