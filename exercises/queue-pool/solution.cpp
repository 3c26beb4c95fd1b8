// Exercise queue-pool (10.8), the reference solution.
//
// "The queue is empty" does not mean "the work is over": the main thread may not have
// put the tasks yet, and between a worker's empty() and its get() another worker can take
// the last task, leaving this one blocked in get() for good. So a worker no longer asks;
// it blocks in get() and leaves only when it takes a stop value, which the main thread
// puts once per worker after the last task. The queue is first in, first out, so every
// task is taken before any worker sees a stop. Also passing: get() with a timeout that
// catches concur::Empty (a worker then leaves once nothing came for a while), or
// task_done() per task with queue.join() in the main thread before the stop values.

#include <concur/concur.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <thread>
#include <vector>

namespace concur::demos {

static void drain_queue(Run& run) {
  const long long workers = run.integer("workers");
  const long long tasks = run.integer("tasks");
  const auto work = run.duration("work");
  const auto make = run.duration("make");
  constexpr long long kStop = -1;  // not a task: tells the worker that takes it to leave

  Queue<long long> queue(0, "task queue");
  std::vector<std::vector<long long>> done_by(static_cast<std::size_t>(workers));  // slot i: Worker-(i+1) only
  std::atomic<long long> workers_left{0};

  auto worker = [&](std::size_t me) {
    for (;;) {
      const long long task = queue.get();  // blocks until a task or a stop comes
      if (task == kStop) break;
      say("took task {}", task);
      sleep_for(work);
      done_by[me].push_back(task);
    }
    say("takes a stop and leaves");
    ++workers_left;
  };

  std::deque<Thread> pool;
  for (std::size_t i = 0; i < done_by.size(); ++i)
    pool.emplace_back([&worker, i] { worker(i); }, fmt::format("Worker-{}", i + 1));
  for (Thread& t : pool) t.start();

  for (long long task = 0; task < tasks; ++task) {
    sleep_for(make);  // making a task takes a while too
    queue.put(task);
  }
  for (long long i = 0; i < workers; ++i) queue.put(kStop);  // one stop per worker, after the tasks
  say("put {} tasks and {} stops", tasks, workers);
  for (Thread& t : pool) t.join();

  std::vector<long long> done;  // every task some worker did, in order
  for (const auto& mine : done_by) done.insert(done.end(), mine.begin(), mine.end());
  std::sort(done.begin(), done.end());
  say("{} workers left after doing {} of {} tasks", workers_left.load(), done.size(), tasks);
  run.result("done", done);
  run.result("workers_left", workers_left.load());
  run.check("every task done", done.size() == static_cast<std::size_t>(tasks),
            fmt::format("{} done of {}", done.size(), tasks));
}

Example queue_pool() {
  return {
      .id = "10.8",
      .name = "queue-pool",
      .title = "Queue and thread pool (solution)",
      .lecture = 10,
      .summary = "The pool does every task: workers block in get() and leave at a stop value.",
      .params = {Param::integer("workers", "worker threads in the pool", 3, 1, 64),
                 Param::integer("tasks", "tasks put on the queue", 10, 1, 10'000),
                 Param::seconds("work", "seconds each task takes", 0.01, 0.0, 10.0),
                 Param::seconds("make", "seconds the main thread takes to make each task", 0.002, 0.0, 10.0)},
      .variants = {{"exercise", drain_queue}},
      // How `concur step` and `explore` (and the check's exploration) run it: small.
      .controlled = ControlledRuns{.small = {{"workers", 2}, {"tasks", 2}},
                                   .outcome = "done {done}, {workers_left} workers left"},
  };
}

}  // namespace concur::demos
