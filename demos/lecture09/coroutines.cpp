// 9.4 coroutines: the same batch once more, as coroutines taking turns on one thread.
//
// No thread per task this time: the main thread runs an event loop, and each task is a
// coroutine on it (coro::gather starts them all, as asyncio.gather does). An I/O-bound
// task co_awaits its download; while it is suspended the loop resumes another, so the
// waits overlap as they did on threads and the batch takes about as long as its longest
// task, with one thread. Read the actor column: every task speaks from the same thread.
// A CPU-bound task never awaits, so it keeps the thread until it is done: the tasks run
// one after another and the batch takes as long as all of them together.

#include <concur/coro.hpp>

#include <set>

#include "lecture09/batch.hpp"

namespace concur::demos {

// batch::perform(), with the wait awaited instead of slept. `threads` collects the
// threads the task ran on: before its wait and after.
static coro::Task<batch::Done> perform(batch::Task t, std::set<long>& threads) {
  if (t.kind == batch::Kind::cpu) co_return batch::perform(t);  // no co_await: one go
  say("task {} starts: waits {:.1f} ms for its download", t.number, t.wait_ns / 1e6);
  batch::Done d{t.number, RunClock::elapsed_ns(), 0, 0};
  threads.insert(current_native_id());
  co_await coro::sleep(std::chrono::nanoseconds(t.wait_ns));  // suspended: the loop runs the others
  threads.insert(current_native_id());
  d.answer = batch::expected_answer(t);
  d.finished_ns = RunClock::elapsed_ns();
  say("task {} done after {:.1f} ms", t.number, (d.finished_ns - d.started_ns) / 1e6);
  co_return d;
}

static void on_one_thread(Run& run) {
  const std::vector<batch::Task> tasks = batch::plan(run);
  std::set<long> threads;

  say("running {} {} tasks as coroutines on one event loop", tasks.size(), run.variant());
  const auto cpu_before = process_cpu_time();
  const std::int64_t began = RunClock::elapsed_ns();
  const std::vector<batch::Done> done = coro::run([&]() -> coro::Task<std::vector<batch::Done>> {
    std::vector<coro::Task<batch::Done>> batch;
    for (const batch::Task& t : tasks) batch.push_back(perform(t, threads));
    co_return co_await coro::gather(std::move(batch));  // all start now; wait for the last
  }());
  const std::int64_t batch_ns = RunClock::elapsed_ns() - began;
  const std::int64_t cpu_ns = (process_cpu_time() - cpu_before).count();
  say("the loop has no coroutine left: all {} tasks are done", tasks.size());

  const batch::Summary s = batch::record(run, tasks, done, batch_ns, cpu_ns);
  run.result("threads_used", threads.size());
  if (run.variant() == "cpu-bound") {
    run.check("CPU-bound tasks ran one after another", batch_ns >= s.sum_task_ns, "batch {:.1f} ms, tasks {:.1f} ms "
              "together", batch_ns / 1e6, s.sum_task_ns / 1e6);
    return run.explain("The batch took {:.0f} ms, the tasks' times added up ({:.0f} ms): a task that never awaits "
                       "keeps the loop's one thread until it ends, so coroutines add nothing to CPU-bound work "
                       "({:.2f} cores busy on average).", batch_ns / 1e6, s.sum_task_ns / 1e6, s.busy_cores);
  }
  run.check("every task ran on the loop's thread", threads == std::set<long>{current_native_id()},
            "{} ran the tasks", count_of(static_cast<long long>(threads.size()), "thread"));
  run.likely("I/O-bound batch time = longest task", batch_ns <= s.longest_task_ns * 1.2 + 3'000'000,
             "batch {:.1f} ms, longest task {:.1f} ms", batch_ns / 1e6, s.longest_task_ns / 1e6);
  run.explain("The batch took {:.0f} ms, about its longest task ({:.0f} ms): {}. One thread did it: each task gave "
              "the thread back at its co_await, and the loop resumed whichever wait had ended.", batch_ns / 1e6,
              s.longest_task_ns / 1e6, batch::verdict(run, s, static_cast<int>(tasks.size())));
}

Example coroutines() {
  return {
      .params = batch::params(),
      .variants = {{"io-bound", on_one_thread}, {"cpu-bound", on_one_thread}},
  };
}

}  // namespace concur::demos
