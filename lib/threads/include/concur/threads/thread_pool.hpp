// concur/threads/thread_pool.hpp - a fixed number of worker threads draining one task queue.
//
// The lecture's thread pool: N workers (concur::Thread, named Worker-1..N) loop on a
// concur::Queue of tasks, run each, and mark it done. submit() returns a std::future
// for the task's result (an exception thrown by the task is stored in it);
// wait_idle() is the queue's join(); shutdown() lets the workers finish what is queued
// and joins them. The destructor calls shutdown().
//
//     concur::ThreadPool pool(3);
//     auto answer = pool.submit([] { return 6 * 7; });
//     answer.get();   // 42
#pragma once

#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "concur/threads/queue.hpp"
#include "concur/threads/thread.hpp"

namespace concur {

class ThreadPool {
 public:
  // Starts `workers` threads (>= 1; std::invalid_argument otherwise).
  explicit ThreadPool(std::size_t workers, std::string name_prefix = "Worker");
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues fn to run on some worker. Throws std::logic_error after shutdown().
  template <typename F>
  auto submit(F fn) -> std::future<std::invoke_result_t<F>> {
    using R = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(fn));
    std::future<R> result = task->get_future();
    enqueue([task] { (*task)(); });
    return result;
  }

  // Blocks until every task submitted so far has finished.
  void wait_idle() { tasks_.join(); }

  // Stops taking tasks, lets the workers finish the queued ones, and joins them.
  // Safe to call more than once.
  void shutdown();

  std::size_t size() const { return workers_.size(); }
  // How many tasks each worker ran, in worker order (Worker-1 first).
  std::vector<std::size_t> tasks_per_worker() const;

 private:
  void enqueue(std::function<void()> task);
  void work(std::size_t index);

  Queue<std::function<void()>> tasks_;  // an empty function tells a worker to stop
  std::vector<std::unique_ptr<Thread>> workers_;
  mutable std::mutex mu_;
  bool closed_ = false;                // guarded by mu_
  std::vector<std::size_t> ran_;       // guarded by mu_
};

}  // namespace concur
