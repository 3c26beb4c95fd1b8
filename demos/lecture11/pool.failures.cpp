// 11.11 pool, its other part: a worker that dies in the middle of the work (--kill-worker).
//
// A worker is killed with SIGKILL while map() waits for the results, as the OOM killer or a
// crash would. The pool watches every worker's sentinel, so it notices at once: each task
// not finished fails, and map() raises BrokenPoolError naming the worker instead of
// waiting for ever for the lost task.

#include <concur/concur.hpp>

#include <signal.h>

#include "lecture11/work.hpp"

namespace concur::demos {

void kill_a_pool_worker(Run& run) {
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  const pid_t victim = pool.worker_pids().front();
  // Work for several naps, however few --tasks, and a last task that naps a hundred: the
  // kill lands mid-map even on a machine too busy to run the killer on time.
  std::vector<nlohmann::json> work = square_jobs(std::max(run.integer("tasks"), 4 * run.integer("workers") + 2), run.scaled(0.05));
  work.back()["ns"] = run.scaled(5.0).count();
  long long completed = 0;
  std::string error;
  Event map_called("map called");
  Thread killer([&] {  // kills a worker one task's nap into the map
    map_called.wait();
    std::this_thread::sleep_for(run.scaled(0.05));
    say("killing worker pid {}", victim);
    ::kill(victim, SIGKILL);  // as the OOM killer, or a crash, would
  }, "Killer");
  killer.start();
  try {
    map_called.set();
    completed = std::ssize(pool.map("nap_then_square", work, 1));  // all the results, or an error
  } catch (const mp::BrokenPoolError& e) {
    say("map raised: {}", error = e.what());
  }
  killer.join();
  run.result({{"tasks", work.size()}, {"completed", completed}, {"failed", std::ssize(work) - completed}, {"error", error}});
  run.check("the pool reported the dead worker and returned",
            error.find(fmt::format("(pid {}) died: killed by SIGKILL", victim)) != std::string::npos, error);
  run.explain("The pool watched each worker's sentinel: the death was seen at once, the tasks not finished "
              "failed with an error naming the worker, and nothing waited for ever.");
}

}  // namespace concur::demos
