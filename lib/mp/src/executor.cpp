#include "concur/mp/executor.hpp"

#include <fmt/format.h>

#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace concur {

ProcessPoolExecutor::ProcessPoolExecutor(int max_workers, mp::StartMethod method)
    : pool_(max_workers, method, "ProcessPoolExecutor") {}

ProcessPoolExecutor::~ProcessPoolExecutor() { shutdown(true); }

Future ProcessPoolExecutor::submit(std::string_view task, const nlohmann::json& arg) {
  if (mp::find_task(task) == nullptr)
    throw std::invalid_argument(fmt::format("no pool task named '{}' (register it with CONCUR_TASK)", task));
  Future future = Future::make_pending();
  {
    std::lock_guard guard(mu_);
    if (closed_) throw std::logic_error("ProcessPoolExecutor::submit: the executor has been shut down");
    pending_.push_back({future, std::string(task), arg});
  }
  dispatch();
  return future;
}

std::vector<nlohmann::json> ProcessPoolExecutor::map(std::string_view task, const std::vector<nlohmann::json>& items) {
  std::vector<Future> futures;
  for (const nlohmann::json& item : items) futures.push_back(submit(task, item));
  return results_in_order(futures);
}

void ProcessPoolExecutor::dispatch() {
  for (;;) {
    std::optional<Call> next;
    {
      std::lock_guard guard(mu_);
      if (pending_.empty() || in_flight_ >= pool_.processes()) return;
      next.emplace(std::move(pending_.front()));
      pending_.erase(pending_.begin());
      if (!next->future.set_running()) continue;  // cancelled while pending
      ++in_flight_;
    }
    Call& call = *next;
    // On the pool's result thread: free the worker's slot first, so whoever sees this
    // future done and submits again finds the slot free; then settle it, then send the
    // next pending call.
    auto free_slot = [this] {
      {
        std::lock_guard guard(mu_);
        --in_flight_;
      }
      idle_.notify_all();
    };
    Future f = call.future;
    try {
      pool_.apply_async(
          call.task, call.arg,
          [this, f, free_slot](const nlohmann::json& value) mutable {
            free_slot();
            f.set_result(value);
            dispatch();
          },
          [this, f, free_slot](const std::exception& e) mutable {
            free_slot();
            if (dynamic_cast<const mp::BrokenPoolError*>(&e) != nullptr)
              f.set_exception(std::make_exception_ptr(mp::BrokenPoolError(e.what())));
            else
              f.set_exception(std::make_exception_ptr(mp::TaskError(e.what())));
            dispatch();
          });
    } catch (...) {
      // The pool is broken or closed: this call, and every pending one, fail with it.
      std::vector<Call> rest;
      {
        std::lock_guard guard(mu_);
        --in_flight_;
        rest.swap(pending_);
      }
      f.set_exception(std::current_exception());
      for (Call& c : rest) c.future.set_exception(std::current_exception());
      idle_.notify_all();
      return;
    }
  }
}

void ProcessPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  std::vector<Call> cancelled;
  {
    std::lock_guard guard(mu_);
    if (closed_ && !wait) return;
    closed_ = true;
    if (cancel_futures) cancelled.swap(pending_);
  }
  for (Call& c : cancelled) c.future.cancel();
  if (!wait) return;
  {
    std::unique_lock lock(mu_);
    // A cancelled call may still sit in pending_ (dispatch() drops it when it comes to it).
    idle_.wait(lock, [&] {
      return in_flight_ == 0 &&
             std::all_of(pending_.begin(), pending_.end(), [](const Call& c) { return c.future.cancelled(); });
    });
  }
  pool_.close();
  pool_.join();
}

}  // namespace concur
