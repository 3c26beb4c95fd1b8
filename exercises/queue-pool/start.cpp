// Exercise: queue-pool (10.8). Make the pool do every task.
//
// The main thread starts a few worker threads, then makes the tasks 0, 1, ..., N-1 one
// at a time and puts each on a queue. Each worker takes tasks off the queue until there
// are none left and then leaves. As written, some tasks are never done: a worker can leave while the main thread
// is still putting tasks, and now and then the program hangs at the end instead. Change
// the program so that every task is done exactly once and every worker leaves, in every
// run, with the workers still taking tasks from the one shared queue.
//
//   concur check queue-pool     builds this file and runs it 20 times with jitter
//   concur hint queue-pool      one hint at a time
//
// Keep the options and the run.result(...) lines: the check reads "done" and "workers_left".

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

  Queue<long long> queue(0, "task queue");
  std::vector<std::vector<long long>> done_by(static_cast<std::size_t>(workers));  // slot i: Worker-(i+1) only
  std::atomic<long long> workers_left{0};

  auto worker = [&](std::size_t me) {
    while (!queue.empty()) {                // is there a task for me?
      const long long task = queue.get();   // then take it
      say("took task {}", task);
      sleep_for(work);
      done_by[me].push_back(task);
    }
    say("finds the queue empty and leaves");
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
  say("put {} tasks", tasks);
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
      .title = "Queue and thread pool (exercise)",
      .lecture = 10,
      .summary = "Make the pool of workers do every task on the queue.",
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
