// concur/mp/executor.hpp - ProcessPoolExecutor: concurrent.futures' executor on processes.
//
// The same Future as the thread executor (concur/threads/futures.hpp), so wait() and
// as_completed() take futures from both. Calls are tasks registered by name
// (CONCUR_TASK), run by an mp::Pool; the executor hands the pool at most one call per
// worker and keeps the rest pending, so they can still be cancelled (as Python's does).
//
// Memory ordering: the call runs in a worker process on a copy of its arguments; its
// result, a copy too, is visible to the thread whose result() or as_completed() returned it.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/mp/pool.hpp"
#include "concur/threads/futures.hpp"

namespace concur {

class ProcessPoolExecutor {
 public:
  explicit ProcessPoolExecutor(int max_workers = 0, mp::StartMethod method = mp::StartMethod::fork);
  ~ProcessPoolExecutor();  // shutdown(true)

  // Runs the registered task (CONCUR_TASK) with `arg` in a worker process. A worker that
  // dies fails this and every unfinished future with mp::BrokenPoolError.
  Future submit(std::string_view task, const nlohmann::json& arg);

  // executor.map: the task for every item, the results in the items' order.
  std::vector<nlohmann::json> map(std::string_view task, const std::vector<nlohmann::json>& items);

  void shutdown(bool wait = true, bool cancel_futures = false);

  const std::vector<pid_t>& worker_pids() const noexcept { return pool_.worker_pids(); }

 private:
  struct Call {
    Future future;
    std::string task;
    nlohmann::json arg;
  };
  void dispatch();  // hands pending calls to the pool while a worker is free

  mp::Pool pool_;
  std::mutex mu_;
  std::condition_variable idle_;
  std::vector<Call> pending_;  // guarded by mu_, oldest first
  int in_flight_ = 0;          // guarded by mu_
  bool closed_ = false;        // guarded by mu_
};

}  // namespace concur
