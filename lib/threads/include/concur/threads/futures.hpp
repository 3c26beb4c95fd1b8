// concur/threads/futures.hpp - Future, ThreadPoolExecutor, wait, as_completed.
//
// Play the roles of Python's concurrent.futures. An executor takes calls and returns a
// Future at once; the Future later holds the call's result or its exception.
//
//     concur::ThreadPoolExecutor pool(4);
//     concur::Future f = pool.submit([] { return 6 * 7; });
//     f.result();                                    // 42 (a JSON value), or the exception
//
//     concur::ProcessPoolExecutor procs(2);          // tasks by name (concur/mp/executor.hpp)
//     concur::Future g = procs.submit("square", 12);
//     for (concur::Future& done : concur::as_completed({f, g})) ...
//
// One Future type serves both executors: results are JSON values, since a process's
// result has to travel as bytes anyway. A Future moves through pending -> running ->
// finished, or pending -> cancelled: cancel() succeeds only while it is pending (a call
// already running is never interrupted). Callbacks added with add_done_callback() run
// once it is finished or cancelled (at once if it already is), on the thread that
// finished it.
//
// The thread executor is built on concur::ThreadPool, the process executor on mp::Pool;
// the process executor hands the pool at most one call per worker and keeps the rest
// pending, so they can still be cancelled (as Python's does).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/core/timeout.hpp"
#include "concur/threads/thread_pool.hpp"

namespace concur {

// result() of a cancelled future (concurrent.futures.CancelledError).
class CancelledError : public std::runtime_error {
 public:
  CancelledError() : std::runtime_error("the future was cancelled") {}
};

// result() or exception() waited its whole timeout; as_completed() too.
using concur::TimeoutError;  // concur/core/timeout.hpp

struct FutureState;  // shared by the Future handles and the executor (futures.cpp)

class Future {
 public:
  // The result: waits at most timeout_s. Throws the call's exception, CancelledError,
  // or TimeoutError.
  nlohmann::json result(std::optional<double> timeout_s = std::nullopt) const;
  // The call's exception (nullptr if it returned normally): waits at most timeout_s.
  // Throws CancelledError or TimeoutError.
  std::exception_ptr exception(std::optional<double> timeout_s = std::nullopt) const;
  // Cancels it if it has not started; true if it is (now) cancelled.
  bool cancel();
  bool cancelled() const;
  bool running() const;
  // True once finished or cancelled.
  bool done() const;
  void add_done_callback(std::function<void(const Future&)> fn);

  // The same call (two handles to one future compare equal).
  bool operator==(const Future& other) const { return state_ == other.state_; }

  // 1 for the first future that got done in this process, 2 for the next...; 0 before.
  std::uint64_t done_order() const;

  // For executors: a new pending future, and moving it along.
  static Future make_pending();
  bool set_running();  // false if it was cancelled meanwhile
  void set_result(nlohmann::json value);
  void set_exception(std::exception_ptr error);

 private:
  explicit Future(std::shared_ptr<FutureState> state) : state_(std::move(state)) {}
  std::shared_ptr<FutureState> state_;
};

// wait(): which futures are done, which not, when it returned.
struct WaitResult {
  std::vector<Future> done;
  std::vector<Future> not_done;
};
enum class ReturnWhen { first_completed, first_exception, all_completed };
WaitResult wait(const std::vector<Future>& futures, std::optional<double> timeout_s = std::nullopt,
                ReturnWhen return_when = ReturnWhen::all_completed);

struct Finished;  // futures.cpp

// The futures one by one, each as soon as it is done (cancelled ones count as done);
// those already done come first, in the order they got done. Iterating throws
// TimeoutError once timeout_s (counted from the call) has passed with futures left.
//     for (const concur::Future& f : concur::as_completed(futures)) ...
class AsCompleted {
 public:
  AsCompleted(const std::vector<Future>& futures, std::optional<double> timeout_s);
  // The next future to be done, or nullopt after the last.
  std::optional<Future> next();

  class iterator {
   public:
    const Future& operator*() const { return *current_; }
    iterator& operator++() {
      current_ = owner_->next();
      return *this;
    }
    bool operator==(std::default_sentinel_t) const { return !current_.has_value(); }

   private:
    friend class AsCompleted;
    explicit iterator(AsCompleted* owner) : owner_(owner), current_(owner->next()) {}
    AsCompleted* owner_;
    std::optional<Future> current_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  std::shared_ptr<Finished> finished_;
  std::size_t total_ = 0;
  std::size_t taken_ = 0;
  std::optional<double> timeout_s_;
  std::chrono::steady_clock::time_point deadline_;
};

inline AsCompleted as_completed(const std::vector<Future>& futures, std::optional<double> timeout_s = std::nullopt) {
  return AsCompleted(futures, timeout_s);
}

// Each future's result, in the futures' order (what Executor.map hands back); the first
// failure in that order is thrown, after every future has ended (none is left running
// unobserved).
std::vector<nlohmann::json> results_in_order(const std::vector<Future>& futures);

class ThreadPoolExecutor {
 public:
  explicit ThreadPoolExecutor(std::size_t max_workers, std::string name_prefix = "ThreadPoolExecutor");
  ~ThreadPoolExecutor();  // shutdown(true)

  // Runs fn() on a worker thread; its return value (converted to JSON; void gives null)
  // or its exception ends up in the Future. std::logic_error after shutdown().
  template <typename F>
  Future submit(F fn) {
    Future future = Future::make_pending();
    enqueue([future, fn = std::move(fn)]() mutable {
      if (!future.set_running()) return;  // cancelled while it waited
      try {
        if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
          fn();
          future.set_result(nullptr);
        } else {
          future.set_result(nlohmann::json(fn()));
        }
      } catch (...) {
        future.set_exception(std::current_exception());
      }
    }, future);
    return future;
  }

  // executor.map(fn, items): fn(item) for every item, all submitted at once; the results in
  // the items' order (Python hands them out through an iterator; this waits for them all).
  template <typename F>
  std::vector<nlohmann::json> map(F fn, const std::vector<nlohmann::json>& items) {
    std::vector<Future> futures;
    for (const nlohmann::json& item : items) futures.push_back(submit([fn, item] { return fn(item); }));
    return results_in_order(futures);
  }

  // No more submissions. wait: return only once every running and queued call is done.
  // cancel_futures: cancel every call that has not started.
  void shutdown(bool wait = true, bool cancel_futures = false);

 private:
  void enqueue(std::function<void()> call, const Future& future);
  ThreadPool pool_;
  std::mutex mu_;
  bool closed_ = false;          // guarded by mu_
  std::vector<Future> queued_;   // guarded by mu_: for cancel_futures
};

}  // namespace concur
