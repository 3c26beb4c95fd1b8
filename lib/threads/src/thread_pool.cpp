#include "concur/threads/thread_pool.hpp"

#include <stdexcept>

namespace concur {

ThreadPool::ThreadPool(std::size_t workers, std::string name_prefix)
    : tasks_(0, name_prefix + " tasks") {
  if (workers == 0) throw std::invalid_argument("ThreadPool: needs at least one worker");
  ran_.assign(workers, 0);
  for (std::size_t i = 0; i < workers; ++i) {
    workers_.push_back(std::make_unique<Thread>([this, i] { work(i); },
                                                name_prefix + "-" + std::to_string(i + 1)));
    workers_.back()->start();
  }
}

ThreadPool::~ThreadPool() { shutdown(); }

void ThreadPool::enqueue(std::function<void()> task) {
  // Checked and queued under one lock, so no task can slip in behind the stop markers.
  // The queue is unbounded: put() never blocks while the lock is held.
  std::lock_guard guard(mu_);
  if (closed_) throw std::logic_error("ThreadPool::submit: the pool has been shut down");
  tasks_.put(std::move(task));
}

void ThreadPool::work(std::size_t index) {
  for (;;) {
    std::function<void()> task = tasks_.get();
    if (!task) {  // the stop marker shutdown() queued, one per worker
      tasks_.task_done();
      return;
    }
    task();  // a packaged_task stores its exception in the future; nothing escapes
    {
      std::lock_guard guard(mu_);
      ++ran_[index];
    }
    tasks_.task_done();
  }
}

void ThreadPool::shutdown() {
  {
    std::lock_guard guard(mu_);
    if (closed_) return;
    closed_ = true;
    // The markers queue behind the real tasks, so every queued task still runs.
    for (std::size_t i = 0; i < workers_.size(); ++i) tasks_.put({});
  }
  for (auto& w : workers_) w->join();
}

std::vector<std::size_t> ThreadPool::tasks_per_worker() const {
  std::lock_guard guard(mu_);
  return ran_;
}

}  // namespace concur
