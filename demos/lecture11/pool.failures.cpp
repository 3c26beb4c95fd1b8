// 11.11 pool, its other part: a worker that dies in the middle of the work (--kill-worker).
//
// A worker is killed with SIGKILL once the first result is in, as the OOM killer or a crash
// would. The pool watches every worker's sentinel, so it notices at once: each task not
// finished fails with BrokenPoolError naming the worker, and nothing waits for ever.

#include <concur/concur.hpp>

#include <signal.h>

#include "lecture11/work.hpp"

namespace concur::demos {

void kill_a_pool_worker(Run& run) {
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  const pid_t victim = pool.worker_pids().front();
  // Work still waiting when the first result is in, however few --tasks: the kill lands mid-map.
  const std::vector<nlohmann::json> work = square_jobs(std::max(run.integer("tasks"), 4 * run.integer("workers") + 2), run.scaled(0.05));
  long long completed = 0;
  std::string error;
  try {
    for (const nlohmann::json& square : pool.imap_unordered("nap_then_square", work)) {
      say("got {}", square.get<long long>());
      if (++completed > 1) continue;
      say("killing worker pid {}", victim);
      ::kill(victim, SIGKILL);  // as the OOM killer, or a crash, would
    }
  } catch (const mp::BrokenPoolError& e) {
    say("the pool reported: {}", error = e.what());
  }
  run.result({{"tasks", work.size()}, {"completed", completed}, {"failed", std::ssize(work) - completed}, {"error", error}});
  run.check("the pool reported the dead worker and returned",
            error.find(fmt::format("(pid {}) died: killed by SIGKILL", victim)) != std::string::npos, error);
  run.explain("The pool watched each worker's sentinel: the death was seen at once, the tasks not finished "
              "failed with an error naming the worker, and nothing waited for ever.");
}

}  // namespace concur::demos
