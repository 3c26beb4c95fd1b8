// concur/mp/pool.hpp - Pool: work spread over a fixed set of worker processes.
//
// Plays the role of multiprocessing.Pool. The workers start once; the pool then hands
// them tasks, a chunk of items at a time, to whichever worker is free (so no worker
// idles while another has a backlog), and gathers the results. While more chunks wait
// than there are workers, each worker also holds its next chunk, so it goes straight on
// to it; the last few go one at a time. As in Python, two threads of the pool's own do
// this: one hands chunks out, one gathers results (and runs the callbacks):
//
//     nlohmann::json square(const nlohmann::json& n) { return n.get<long long>() * n.get<long long>(); }
//     CONCUR_TASK(square);
//
//     concur::mp::Pool pool(2);                              // two worker processes
//     auto squares = pool.map("square", {1, 2, 3, 4});      // [1, 4, 9, 16], in order
//     auto later = pool.apply_async("square", 12);          // runs while we go on
//     later.get(5.0);                                       // 144, or TimeoutError
//     pool.close();
//     pool.join();
//
// Tasks are registered by name (CONCUR_TASK), for the reason entries are (entry.hpp): a
// worker started with spawn is a fresh program, and a name is all it can be sent. A task
// takes one JSON value and returns one; starmap() hands it the argument list as an array.
//
// Errors. A task that throws fails its item: map() and apply() throw TaskError with the
// task's message, apply_async() calls its error callback, an imap stream throws in that
// item's place. A worker that dies (killed, or exiting in the middle of a task) is
// noticed at once through its sentinel: the pool is then broken, as concurrent.futures
// says it. Every task not finished fails with BrokenPoolError naming the worker and how
// it died, and the pool stops the other workers. (Python's multiprocessing.Pool would
// wait for ever for the lost task's result.)
//
// Callbacks run on the pool's result thread, as in Python: keep them short.
// The destructor terminates the workers (Python's `with Pool() as pool:`).
//
// Memory ordering: workers share no memory with the caller. Arguments and results are
// copies (JSON through pipes); a result the caller got was computed from the arguments
// as they were when the task was handed out.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/core/timeout.hpp"
#include "concur/mp/process.hpp"

namespace concur::mp {

using Task = nlohmann::json (*)(const nlohmann::json& arg);

void register_task(std::string name, Task task);
// nullptr when no task has that name.
Task find_task(std::string_view name);

struct TaskRegistration {
  TaskRegistration(const char* name, Task task) { register_task(name, task); }
};

// Registers a function as a pool task under its own name.
#define CONCUR_TASK(fn) static const ::concur::mp::TaskRegistration concur_task_registration_##fn(#fn, fn)

// A task threw: the message is "'task' raised: what it said".
class TaskError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A worker died, or the pool was terminated, before the task finished.
class BrokenPoolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// get() or next() waited its whole timeout (multiprocessing.TimeoutError).
using concur::TimeoutError;

struct PoolJob;  // a submitted call's shared state (pool.cpp)

// What apply_async() and map_async() return: the result, later.
class AsyncResult {
 public:
  // Waits (at most timeout_s) and returns the result, or throws the task's error
  // (TaskError, BrokenPoolError), or TimeoutError.
  nlohmann::json get(std::optional<double> timeout_s = std::nullopt) const;
  // Waits at most timeout_s; true once the result is there.
  bool wait(std::optional<double> timeout_s = std::nullopt) const;
  bool ready() const;
  // True when it finished without an error. std::logic_error before ready().
  bool successful() const;

 private:
  friend class Pool;
  explicit AsyncResult(std::shared_ptr<PoolJob> job) : job_(std::move(job)) {}
  std::shared_ptr<PoolJob> job_;
};

// What imap() and imap_unordered() return: results one by one, as they come.
class ResultStream {
 public:
  // The next result, or nullopt after the last. Throws that item's error in its place,
  // TimeoutError after timeout_s.
  std::optional<nlohmann::json> next(std::optional<double> timeout_s = std::nullopt);

  // For range-for: for (const nlohmann::json& r : pool.imap("square", items)) ...
  class iterator {
   public:
    using value_type = nlohmann::json;
    using difference_type = std::ptrdiff_t;
    const nlohmann::json& operator*() const { return *current_; }
    iterator& operator++() {
      current_ = stream_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return !current_.has_value(); }

   private:
    friend class ResultStream;
    explicit iterator(ResultStream* stream) : stream_(stream), current_(stream->next()) {}
    ResultStream* stream_;
    std::optional<nlohmann::json> current_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  friend class Pool;
  explicit ResultStream(std::shared_ptr<PoolJob> job) : job_(std::move(job)) {}
  std::shared_ptr<PoolJob> job_;
};

// functools.partial(task, *bound) for map: the task receives [bound..., item], an argument
// list as starmap hands it. pool.map(mp::partial("power", {3}), {1, 2}) calls power([3, 1])
// and power([3, 2]).
struct Partial {
  std::string task;
  std::vector<nlohmann::json> bound;
};
inline Partial partial(std::string task, std::vector<nlohmann::json> bound) { return {std::move(task), std::move(bound)}; }

// os.cpu_count() / multiprocessing.cpu_count(): the logical CPUs of the machine (not those
// this process may use; Python 3.13's os.process_cpu_count() counts those).
int cpu_count();

class Pool {
 public:
  using Callback = std::function<void(const nlohmann::json& result)>;
  using ErrorCallback = std::function<void(const std::exception& error)>;

  // `processes` workers (0: one per core), started now by `method`. Returns once every
  // worker is running (Python's returns at once, and a worker may still be starting when
  // the first task comes); a worker that dies first throws BrokenPoolError naming it.
  explicit Pool(int processes = 0, StartMethod method = StartMethod::fork, std::string_view name = "PoolWorker");
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // task(item) for every item, results in the items' order. chunksize 0: about four
  // chunks per worker, as Python chooses.
  std::vector<nlohmann::json> map(std::string_view task, const std::vector<nlohmann::json>& items,
                                  std::size_t chunksize = 0);
  AsyncResult map_async(std::string_view task, const std::vector<nlohmann::json>& items, std::size_t chunksize = 0,
                        Callback callback = {}, ErrorCallback error_callback = {});
  // Like map; each element is an argument list (a JSON array) the task receives whole.
  std::vector<nlohmann::json> starmap(std::string_view task, const std::vector<nlohmann::json>& argument_lists,
                                      std::size_t chunksize = 0);
  AsyncResult starmap_async(std::string_view task, const std::vector<nlohmann::json>& argument_lists,
                            std::size_t chunksize = 0, Callback callback = {}, ErrorCallback error_callback = {});
  // map over a partial: task([bound..., item]) for every item.
  std::vector<nlohmann::json> map(const Partial& partial, const std::vector<nlohmann::json>& items,
                                  std::size_t chunksize = 0);
  // Results one by one: in the items' order, or in the order they finish.
  ResultStream imap(std::string_view task, const std::vector<nlohmann::json>& items, std::size_t chunksize = 1);
  ResultStream imap_unordered(std::string_view task, const std::vector<nlohmann::json>& items,
                              std::size_t chunksize = 1);
  // One call: waiting for it, or not.
  nlohmann::json apply(std::string_view task, const nlohmann::json& arg);
  AsyncResult apply_async(std::string_view task, const nlohmann::json& arg, Callback callback = {},
                          ErrorCallback error_callback = {});

  // No more tasks may be submitted; the workers finish what they have, then exit.
  void close();
  // Stops the workers now (SIGTERM); unfinished tasks fail with BrokenPoolError.
  void terminate();
  // Waits for the workers to exit. Call close() or terminate() first (std::logic_error).
  void join();

  int processes() const noexcept { return static_cast<int>(worker_pids_.size()); }
  // The workers' process ids, in start order.
  const std::vector<pid_t>& worker_pids() const noexcept { return worker_pids_; }

 private:
  struct Impl;
  std::shared_ptr<PoolJob> submit(std::string_view task, const std::vector<nlohmann::json>& items,
                                  std::size_t chunksize, int kind, Callback callback, ErrorCallback error_callback);
  std::unique_ptr<Impl> impl_;
  std::vector<pid_t> worker_pids_;
};

}  // namespace concur::mp
