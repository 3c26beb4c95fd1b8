// 10.8 queue-pool: a fixed pool of worker threads drains a queue of tasks.
//
// The main thread puts every task on a queue; workers take them one at a time, do them and
// call task_done(), and join() returns once all are done. Who takes which? A worker that
// finishes early takes the next, so the work spreads itself.

#include <concur/concur.hpp>

namespace concur::demos {

static void drain_queue(Run& run) {
  const long long workers = run.integer("workers"), tasks = run.integer("tasks");
  constexpr long long kStop = -1;  // the sentinel that tells a worker to leave
  Queue<long long> queue(0, "task queue");
  std::vector<std::atomic<int>> times_done(static_cast<std::size_t>(tasks));
  std::atomic<long long> last_done_ns{0};
  std::vector<long long> done_by(static_cast<std::size_t>(workers));  // slot i: Worker-(i+1) only
  auto worker = [&](std::size_t me) {
    for (;;) {
      const long long task = queue.get();  // blocks while the queue is empty
      if (task == kStop) break;
      say("took task {}", task);
      sleep_for(run.duration("work"));
      ++times_done[static_cast<std::size_t>(task)];
      ++done_by[me];
      last_done_ns = RunClock::elapsed_ns();
      queue.task_done();  // after the work, so join() cannot return early
    }
    say("got the stop sentinel and leaves");
  };
  std::deque<Thread> pool;
  for (std::size_t i = 0; i < done_by.size(); ++i)
    pool.emplace_back([&worker, i] { worker(i); }, fmt::format("Worker-{}", i + 1)).start();

  // Each "put" line is written as its task goes in, before any worker can take it.
  for (long long task = 0; task < tasks; ++task) queue.put(task, says("put task {}", task));
  say("all {} tasks are in; join() waits for all of them", tasks);
  queue.join();
  const long long joined_ns = RunClock::elapsed_ns();
  long long done_when_joined = 0, duplicates = 0;
  for (const auto& d : times_done) {
    done_when_joined += d.load() > 0;
    duplicates += d.load() > 1 ? d.load() - 1 : 0;
  }
  say("join() returned: {} of {} tasks done", done_when_joined, tasks);
  for (long long i = 0; i < workers; ++i) queue.put(kStop);  // one sentinel per worker
  for (Thread& t : pool) t.join();
  std::map<std::string, long long> per_worker;
  for (std::size_t i = 0; i < done_by.size(); ++i)
    if (done_by[i] > 0) per_worker[fmt::format("Worker-{}", i + 1)] = done_by[i];
  run.result({{"tasks", tasks}, {"completed", done_when_joined}, {"duplicates", duplicates},
              {"per_worker", per_worker}});
  run.check("every task done exactly once", done_when_joined == tasks && duplicates == 0,
            "{} of {} done, {} twice", done_when_joined, tasks, duplicates);
  run.check("join() returned after the last task_done()", joined_ns >= last_done_ns.load(),
            "last task done at {:.3f} ms, join() returned at {:.3f} ms", last_done_ns.load() / 1e6, joined_ns / 1e6);
  run.explain("{} tasks on {} workers take about {} rounds of work, not {}: the workers ran tasks side by side, "
              "each taking the next task when it was free.", tasks, workers, (tasks + workers - 1) / workers, tasks);
}

Example queue_pool() {
  return {
      .params = {Param::integer("workers", "worker threads in the pool", 3, 1, 256),
                 Param::integer("tasks", "tasks put on the queue", 10, 1, 100'000),
                 Param::seconds("work", "seconds each task takes", 0.2, 0.0, 60.0)},
      .variants = {{"pool", drain_queue}},
      .controlled = ControlledRuns{.small = {{"workers", 2}, {"tasks", 2}},
                                  .outcome = "{completed} of {tasks} done, {duplicates} twice"},
  };
}

}  // namespace concur::demos
