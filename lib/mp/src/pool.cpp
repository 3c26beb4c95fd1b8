#include "concur/mp/pool.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "concur/core/actor.hpp"
#include "concur/mp/connection.hpp"
#include "concur/mp/entry.hpp"
#include "concur/core/registry.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"

namespace concur::mp {
namespace {

Registry<Task>& tasks() {
  static Registry<Task> all;
  return all;
}

enum JobKind { kSingle, kList, kOrdered, kUnordered };

// Items and results on the wire. Whole numbers, the usual case of map() over a range,
// travel as one raw frame of native int64s after the message (both ends are this
// machine and this binary) rather than as a CBOR array: building, parsing and freeing a
// JSON value per item cost several times more than small tasks themselves (Pool(2).map
// over 1,000,000 ints ran at 5 M items/s as arrays). Anything else travels as an array.
struct Packed {
  bool ints = false;
  std::string raw;                                    // ints: sizeof(int64) bytes each
  nlohmann::json values = nlohmann::json::array();  // otherwise

  std::size_t size() const { return ints ? raw.size() / sizeof(std::int64_t) : values.size(); }
  // Value i, moved out of an array.
  nlohmann::json take(std::size_t i) {
    if (!ints) return std::move(values[i]);
    std::int64_t v = 0;
    std::memcpy(&v, raw.data() + i * sizeof v, sizeof v);
    return v;
  }
};

template <typename It>
Packed pack(It first, It last) {
  const auto fits = [](const nlohmann::json& v) {
    return v.is_number_integer() && (!v.is_number_unsigned() || v.get<std::uint64_t>() <= INT64_MAX);
  };
  Packed p;
  if (first == last || !std::all_of(first, last, fits)) {
    p.values = nlohmann::json(std::vector<nlohmann::json>(std::make_move_iterator(first), std::make_move_iterator(last)));
    return p;
  }
  p.ints = true;
  p.raw.resize(static_cast<std::size_t>(last - first) * sizeof(std::int64_t));
  for (std::size_t i = 0; first != last; ++first, ++i) {
    const std::int64_t v = first->template get<std::int64_t>();
    std::memcpy(p.raw.data() + i * sizeof v, &v, sizeof v);
  }
  return p;
}

// Sends `head` with the values under `key`; with whole numbers, they follow as raw bytes.
void send_packed(Connection& conn, nlohmann::json head, const char* key, Packed values) {
  head["ints"] = values.ints;
  if (!values.ints) head[key] = std::move(values.values);
  conn.send(head);
  if (values.ints) conn.send_bytes(values.raw);
}

// Receives what send_packed() sent: the head (null: the sender's sentinel) and the values.
Packed recv_packed(Connection& conn, nlohmann::json& head, const char* key) {
  head = conn.recv();
  Packed p;
  if (!head.is_object()) return p;
  if (head.value("ints", false)) {
    p.ints = true;
    p.raw = conn.recv_bytes();
  } else {
    p.values = std::move(head[key]);
  }
  return p;
}

// What every pool worker runs: chunks in, results out, until a null or end of file.
void pool_worker(const nlohmann::json&, Handed handed) {
  Connection conn = Connection::adopt(std::move(handed.at(0)));
  conn.send({{"ready", true}});  // the pool's constructor waits for this (Pool::Pool)
  for (;;) {
    nlohmann::json chunk;
    Packed items;
    try {
      items = recv_packed(conn, chunk, "items");
    } catch (const EOFError&) {
      return;  // the pool is gone
    }
    if (chunk.is_null()) return;
    const std::string name = chunk["task"];
    const Task task = find_task(name);
    std::vector<nlohmann::json> results;
    nlohmann::json errors = nlohmann::json::object();
    {
      ScopedSpan running(SpanKind::running, Recorder::intern("task " + name));
      const std::size_t n = items.size();
      results.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        try {
          if (task == nullptr) throw std::invalid_argument("no task named '" + name + "' (register it with CONCUR_TASK)");
          results.push_back(task(items.take(i)));
        } catch (const std::exception& e) {
          results.emplace_back(nullptr);
          errors[std::to_string(i)] = e.what();
        }
      }
    }
    send_packed(conn, {{"errors", std::move(errors)}, {"id", chunk["id"]}}, "results", pack(results.begin(), results.end()));
  }
}
const EntryRegistration pool_worker_registration("concur_pool_worker", pool_worker);


}  // namespace

void register_task(std::string name, Task task) {
  tasks().add_unique(std::move(name), task, "CONCUR_TASK");
}

Task find_task(std::string_view name) { return tasks().get(name).value_or(nullptr); }

// ---- a submitted call -------------------------------------------------------------

struct PoolJob {
  std::mutex mu;
  std::condition_variable changed;
  int kind = kList;
  std::string task;
  std::size_t total = 0;
  // All below guarded by mu.
  std::size_t done = 0;
  bool ready = false;  // every item in (or broken), callbacks run
  std::atomic<bool> ready_hint{false};  // a copy of `ready` to spin on without the lock
  std::vector<nlohmann::json> results;
  std::map<std::size_t, std::string> errors;  // by position; only the items that failed
  std::vector<char> have;
  std::deque<std::size_t> arrived;  // for imap_unordered: in the order they finished
  std::size_t cursor = 0;           // for streams: how many handed out
  std::optional<std::string> broken;
  Pool::Callback callback;
  Pool::ErrorCallback error_callback;

  // Waits until `pred` holds or the deadline passes (then false). Call with `lock` held.
  template <typename Pred>
  bool wait_until(std::unique_lock<std::mutex>& lock, const Deadline& deadline, Pred pred) {
    if (!deadline) {
      changed.wait(lock, pred);
      return true;
    }
    return changed.wait_until(lock, *deadline, pred);
  }

  // Spins for a moment before a caller sleeps: a short call's reply usually comes within
  // one cross-core wake-up (~100 µs here), and a caller still awake on its own core sees
  // it at once instead of being woken, which would be a third wake-up per round trip
  // (caller -> worker -> results thread -> caller). Call without mu held.
  void spin_briefly() const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    while (!ready_hint.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < until) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }

  // The first failing item's error (by position), if any. Call with mu held.
  std::optional<std::string> first_error() const {
    if (errors.empty()) return std::nullopt;
    return errors.begin()->second;
  }

  nlohmann::json value() const {  // call with mu held, once ready
    if (kind == kSingle) return results.at(0);
    return nlohmann::json(results);
  }

  // Everything is in: run the callback, then let waiters go (Python's order).
  void finish() {
    std::optional<std::string> error, lost;
    nlohmann::json v;
    {
      std::lock_guard guard(mu);
      error = first_error();
      lost = broken;
      if (!error && !lost && callback) v = value();
    }
    try {
      if (lost && error_callback) error_callback(BrokenPoolError(*lost));
      else if (error && error_callback) error_callback(TaskError(*error));
      else if (!lost && !error && callback) callback(v);
    } catch (...) {
      // A callback that throws must not take the pool's result thread with it.
    }
    {
      std::lock_guard guard(mu);
      ready = true;
      ready_hint.store(true, std::memory_order_release);
    }
    changed.notify_all();
  }

  void deliver(std::size_t offset, Packed& results_in, const nlohmann::json& errors_in) {
    bool complete = false;
    {
      std::lock_guard guard(mu);
      if (broken) return;
      const std::size_t n = std::min(results_in.size(), total - std::min(total, offset));
      for (std::size_t i = 0; i < n; ++i) {
        results[offset + i] = results_in.take(i);
        have[offset + i] = 1;
        if (kind == kUnordered) arrived.push_back(offset + i);
      }
      done += n;
      for (const auto& [index, what] : errors_in.items())  // "3": "division by zero"
        if (const std::size_t i = std::stoul(index); i < n)
          errors[offset + i] = fmt::format("'{}' raised: {}", task, what.get<std::string>());
      complete = done == total;
    }
    changed.notify_all();
    if (complete) finish();
  }

  void break_with(const std::string& why) {
    {
      std::lock_guard guard(mu);
      if (ready || broken) return;
      broken = why;
    }
    changed.notify_all();
    finish();
  }
};

nlohmann::json AsyncResult::get(std::optional<double> timeout_s) const {
  if (timeout_s.value_or(1) > 0) job_->spin_briefly();
  std::unique_lock lock(job_->mu);
  if (!job_->wait_until(lock, deadline_after(timeout_s), [&] { return job_->ready; }))
    throw TimeoutError(fmt::format("'{}' did not finish within {} s", job_->task, timeout_s.value_or(0)));
  if (job_->broken) throw BrokenPoolError(*job_->broken);
  if (auto error = job_->first_error()) throw TaskError(*error);
  return job_->value();
}

bool AsyncResult::wait(std::optional<double> timeout_s) const {
  std::unique_lock lock(job_->mu);
  return job_->wait_until(lock, deadline_after(timeout_s), [&] { return job_->ready; });
}

bool AsyncResult::ready() const {
  std::lock_guard guard(job_->mu);
  return job_->ready;
}

bool AsyncResult::successful() const {
  std::lock_guard guard(job_->mu);
  if (!job_->ready) throw std::logic_error("successful(): the result is not ready yet");
  return !job_->broken && !job_->first_error();
}

std::optional<nlohmann::json> ResultStream::next(std::optional<double> timeout_s) {
  PoolJob& job = *job_;
  std::unique_lock lock(job.mu);
  if (job.cursor == job.total) return std::nullopt;
  const bool ordered = job.kind == kOrdered;
  const bool came = job.wait_until(lock, deadline_after(timeout_s), [&] {
    return job.broken || (ordered ? job.have[job.cursor] != 0 : !job.arrived.empty());
  });
  if (!came) throw TimeoutError(fmt::format("no result from '{}' within {} s", job.task, timeout_s.value_or(0)));
  if (job.broken) throw BrokenPoolError(*job.broken);
  std::size_t index = job.cursor;
  if (!ordered) {
    index = job.arrived.front();
    job.arrived.pop_front();
  }
  ++job.cursor;
  if (auto e = job.errors.find(index); e != job.errors.end()) throw TaskError(e->second);
  return std::move(job.results[index]);
}

// ---- the pool ---------------------------------------------------------------------

struct Pool::Impl {
  struct Busy {
    std::uint64_t id = 0;  // the worker sends it back with the results
    std::shared_ptr<PoolJob> job;
    std::size_t offset = 0;
  };
  struct Chunk {
    std::shared_ptr<PoolJob> job;
    std::size_t offset = 0;
    Packed items;
  };
  struct Worker {
    std::unique_ptr<Process> process;
    std::unique_ptr<Connection> conn;
    // One chunk's frames at a time (a chunk is a head and, for whole numbers, raw bytes).
    std::unique_ptr<std::mutex> sending = std::make_unique<std::mutex>();
    std::deque<Busy> busy;  // chunks sent and not answered yet; guarded by mu
    bool alive = true;      // guarded by mu
  };

  std::mutex mu;
  std::deque<Chunk> pending;     // guarded by mu
  std::vector<Worker> workers;   // the vector is fixed after start
  std::uint64_t next_id = 0;     // guarded by mu
  bool closed = false;           // guarded by mu
  bool stopping = false;         // guarded by mu
  std::optional<std::string> broken;  // guarded by mu
  std::condition_variable more_to_hand;  // with mu: the task thread's wake-up
  detail::Fd wake{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
  std::thread results_thread;
  std::thread task_thread;
  bool joined = false;

  void poke() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake.get(), &one, sizeof one);
  }

  // The worker the next pending chunk goes to, or nullptr. An idle worker first. While
  // more chunks wait than there are workers, a worker also holds its next chunk while it
  // computes one: it starts that one the moment it sends its results, instead of idling
  // for two wake-ups (the result thread's, then its own when the next chunk comes). The
  // last few chunks go one at a time to whoever is free first, so none waits behind a
  // long one while another worker idles. Call with mu held.
  Worker* next_worker() {
    if (pending.empty() || broken || stopping) return nullptr;
    for (const std::size_t depth : {std::size_t{1}, std::size_t{2}}) {
      if (depth == 2 && pending.size() <= workers.size()) break;
      for (Worker& w : workers)
        if (w.alive && w.busy.size() < depth) return &w;
    }
    return nullptr;
  }

  // Hands pending chunks to workers; the sends happen outside mu. Never called on the
  // results thread: a send there could wait for a worker that waits, to send its own
  // results, for the results thread.
  void pump() {
    for (;;) {
      Worker* to = nullptr;
      Chunk chunk;
      std::uint64_t id = 0;
      {
        std::lock_guard guard(mu);
        to = next_worker();
        if (to == nullptr) return;
        chunk = std::move(pending.front());
        pending.pop_front();
        id = next_id++;
        to->busy.push_back(Busy{id, chunk.job, chunk.offset});
      }
      try {
        std::lock_guard one_at_a_time(*to->sending);
        send_packed(*to->conn, {{"task", chunk.job->task}, {"id", id}}, "items", std::move(chunk.items));
      } catch (const std::exception&) {
        // The worker is gone: its sentinel tells the results thread, which breaks the pool.
      }
    }
  }

  // The task thread (Python's task handler): hands out chunks as workers answer.
  void hand_out() {
    for (;;) {
      {
        std::unique_lock lock(mu);
        more_to_hand.wait(lock, [&] {
          return stopping || broken || (closed && pending.empty()) || next_worker() != nullptr;
        });
        if (stopping || broken || (closed && pending.empty())) return;
      }
      pump();
    }
  }

  // Every job not finished, once (for breaking them all).
  std::vector<std::shared_ptr<PoolJob>> unfinished_jobs() {  // call with mu held
    std::vector<std::shared_ptr<PoolJob>> jobs;
    for (Worker& w : workers) {
      for (Busy& b : w.busy) jobs.push_back(b.job);
      w.busy.clear();
    }
    for (Chunk& c : pending) jobs.push_back(c.job);
    pending.clear();
    std::sort(jobs.begin(), jobs.end());
    jobs.erase(std::unique(jobs.begin(), jobs.end()), jobs.end());
    return jobs;
  }

  void worker_died(Worker& dead) {
    dead.process->join(5.0);
    const std::string why = fmt::format("worker {} (pid {}) died: {}", dead.process->name(),
                                        dead.process->pid().value_or(0), dead.process->describe_exit());
    std::vector<std::shared_ptr<PoolJob>> jobs;
    {
      std::lock_guard guard(mu);
      dead.alive = false;
      broken = "the pool is broken: " + why;
      jobs = unfinished_jobs();
    }
    more_to_hand.notify_all();
    for (auto& job : jobs) job->break_with(*broken);
    for (Worker& w : workers) w.process->terminate();
  }

  // The results thread: waits for replies and deaths, delivers, and wakes the task thread
  // to hand a worker that answered its next chunk.
  void serve() {
    set_current_actor("ResultHandler");  // callbacks run here: their narration says so
    for (;;) {
      {
        std::lock_guard guard(mu);
        if (stopping || broken) return;
        const bool idle = pending.empty() && std::all_of(workers.begin(), workers.end(),
                                                         [](const Worker& w) { return w.busy.empty(); });
        if (closed && idle) break;
      }
      std::vector<pollfd> polls{{wake.get(), POLLIN, 0}};
      bool read_ahead = false;  // a reply already in a connection's buffer: do not sleep
      for (Worker& w : workers) {
        polls.push_back({w.conn->fileno(), POLLIN, 0});
        polls.push_back({w.process->sentinel(), POLLIN, 0});
        read_ahead = read_ahead || w.conn->buffered();
      }
      detail::retry_eintr([&] { return ::poll(polls.data(), polls.size(), read_ahead ? 0 : -1); });
      for (std::size_t i = 0; i < workers.size(); ++i)
        if (workers[i].conn->buffered()) polls[1 + 2 * i].revents |= POLLIN;
      if (polls[0].revents != 0) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto n = ::read(wake.get(), &count, sizeof count);
      }
      for (std::size_t i = 0; i < workers.size(); ++i) {
        Worker& w = workers[i];
        const short reply = polls[1 + 2 * i].revents;
        const short ended = polls[2 + 2 * i].revents;
        if (reply != 0) {
          nlohmann::json msg;
          Packed results;
          try {
            results = recv_packed(*w.conn, msg, "results");
          } catch (const std::exception&) {
            worker_died(w);  // end of file or half a reply: it is gone
            return;
          }
          std::optional<Busy> done;
          bool more = false;  // a chunk now has a worker to go to
          {
            std::lock_guard guard(mu);
            const auto id = msg.value("id", std::uint64_t{0});
            const auto it = std::find_if(w.busy.begin(), w.busy.end(), [&](const Busy& b) { return b.id == id; });
            if (it != w.busy.end()) {
              done = std::move(*it);
              w.busy.erase(it);
            }
            more = next_worker() != nullptr;
          }
          if (more) more_to_hand.notify_one();  // not otherwise: a wake-up for nothing costs a core a while
          if (done) done->job->deliver(done->offset, results, msg["errors"]);
        } else if (ended != 0) {
          worker_died(w);
          return;
        }
      }
    }
    // Closed and idle: tell each worker to finish.
    for (Worker& w : workers) {
      try {
        std::lock_guard one_at_a_time(*w.sending);
        w.conn->send(nullptr);
      } catch (const std::exception&) {
      }
    }
  }

  // Waits for every worker's first message, which says it is running its loop: a pool
  // that has been constructed can start work at once, with no worker still starting
  // (which takes a few milliseconds, and longer with spawn). A worker that dies first is
  // an error naming it; the caller's destructors stop the others.
  void wait_until_ready() {
    for (Worker& w : workers) {
      std::array<pollfd, 2> polls{{{w.conn->fileno(), POLLIN, 0}, {w.process->sentinel(), POLLIN, 0}}};
      detail::retry_eintr([&] { return ::poll(polls.data(), polls.size(), -1); });  // nothing read yet: no buffer
      nlohmann::json hello;
      try {
        if (polls[0].revents != 0) hello = w.conn->recv();
      } catch (const std::exception&) {
      }
      if (!hello.is_object() || !hello.value("ready", false)) {
        w.process->join(5.0);
        throw BrokenPoolError(fmt::format("worker {} (pid {}) died while starting: {}", w.process->name(),
                                          w.process->pid().value_or(0), w.process->describe_exit()));
      }
    }
  }

  // The pool's two threads have ended (after terminating the workers, when stopping:
  // a send the task thread is in ends when its worker does).
  void join_threads() {
    if (results_thread.joinable()) results_thread.join();
    if (task_thread.joinable()) task_thread.join();
  }
};

Pool::Pool(int processes, StartMethod method, std::string_view name) : impl_(std::make_unique<Impl>()) {
  if (processes < 0) throw std::invalid_argument("Pool: the number of processes must be 0 (one per core) or more");
  if (processes == 0) processes = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!impl_->wake) detail::throw_errno("eventfd");
  for (int i = 1; i <= processes; ++i) {
    auto [ours, theirs] = Pipe();
    Impl::Worker w;
    w.process = std::make_unique<Process>(Target{"concur_pool_worker", {}, {theirs.fileno()}},
                                          fmt::format("{}-{}", name, i), method);
    w.process->set_supervised();  // a dead worker breaks the pool's own jobs (see serve())
    w.process->start();
    theirs.close();
    w.conn = std::make_unique<Connection>(std::move(ours));
    worker_pids_.push_back(*w.process->pid());
    impl_->workers.push_back(std::move(w));
  }
  impl_->wait_until_ready();
  // Started after the workers: a thread in this process while they fork would be copied
  // into none of them, but fork() would warn about it.
  impl_->results_thread = std::thread([impl = impl_.get()] { impl->serve(); });
  impl_->task_thread = std::thread([impl = impl_.get()] { impl->hand_out(); });
}

Pool::~Pool() {
  if (!impl_->joined) terminate();
}

std::shared_ptr<PoolJob> Pool::submit(std::string_view task, const std::vector<nlohmann::json>& items,
                                      std::size_t chunksize, int kind, Callback callback,
                                      ErrorCallback error_callback) {
  if (find_task(task) == nullptr)
    throw std::invalid_argument(fmt::format("no pool task named '{}' (register it with CONCUR_TASK)", task));
  auto job = std::make_shared<PoolJob>();
  job->kind = kind;
  job->task = std::string(task);
  job->total = items.size();
  job->results.resize(items.size());
  job->have.resize(items.size(), 0);
  job->callback = std::move(callback);
  job->error_callback = std::move(error_callback);
  if (chunksize == 0) {
    const std::size_t parts = 4 * static_cast<std::size_t>(processes());
    chunksize = std::max<std::size_t>(1, (items.size() + parts - 1) / parts);
  }
  std::vector<Impl::Chunk> chunks;  // packed before taking the lock
  for (std::size_t at = 0; at < items.size(); at += chunksize) {
    const std::size_t end = std::min(items.size(), at + chunksize);
    chunks.push_back({job, at, pack(items.begin() + static_cast<std::ptrdiff_t>(at), items.begin() + static_cast<std::ptrdiff_t>(end))});
  }
  {
    std::lock_guard guard(impl_->mu);
    if (impl_->closed || impl_->stopping) throw std::logic_error("the pool is closed: no new tasks");
    if (impl_->broken) throw BrokenPoolError(*impl_->broken);
    for (Impl::Chunk& c : chunks) impl_->pending.push_back(std::move(c));
  }
  if (items.empty()) job->finish();
  impl_->pump();  // straight to the workers, without waiting for the task thread
  return job;
}

std::vector<nlohmann::json> Pool::map(std::string_view task, const std::vector<nlohmann::json>& items,
                                      std::size_t chunksize) {
  std::shared_ptr<PoolJob> job = submit(task, items, chunksize, kList, {}, {});
  // As AsyncResult::get(), but the results are moved out, not copied twice.
  job->spin_briefly();
  std::unique_lock lock(job->mu);
  job->changed.wait(lock, [&] { return job->ready; });
  if (job->broken) throw BrokenPoolError(*job->broken);
  if (auto error = job->first_error()) throw TaskError(*error);
  return std::move(job->results);
}

AsyncResult Pool::map_async(std::string_view task, const std::vector<nlohmann::json>& items, std::size_t chunksize,
                            Callback callback, ErrorCallback error_callback) {
  return AsyncResult(submit(task, items, chunksize, kList, std::move(callback), std::move(error_callback)));
}

namespace {
void require_argument_lists(const std::vector<nlohmann::json>& argument_lists) {
  for (const nlohmann::json& args : argument_lists)
    if (!args.is_array()) throw std::invalid_argument("starmap: every element must be an argument list (a JSON array)");
}
}  // namespace

std::vector<nlohmann::json> Pool::starmap(std::string_view task, const std::vector<nlohmann::json>& argument_lists,
                                          std::size_t chunksize) {
  require_argument_lists(argument_lists);
  return map(task, argument_lists, chunksize);
}

AsyncResult Pool::starmap_async(std::string_view task, const std::vector<nlohmann::json>& argument_lists,
                                std::size_t chunksize, Callback callback, ErrorCallback error_callback) {
  require_argument_lists(argument_lists);
  return map_async(task, argument_lists, chunksize, std::move(callback), std::move(error_callback));
}

std::vector<nlohmann::json> Pool::map(const Partial& partial, const std::vector<nlohmann::json>& items,
                                      std::size_t chunksize) {
  std::vector<nlohmann::json> argument_lists;
  argument_lists.reserve(items.size());
  for (const nlohmann::json& item : items) {
    nlohmann::json args = partial.bound;
    args.push_back(item);
    argument_lists.push_back(std::move(args));
  }
  return map(partial.task, argument_lists, chunksize);
}

int cpu_count() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

ResultStream Pool::imap(std::string_view task, const std::vector<nlohmann::json>& items, std::size_t chunksize) {
  return ResultStream(submit(task, items, std::max<std::size_t>(1, chunksize), kOrdered, {}, {}));
}

ResultStream Pool::imap_unordered(std::string_view task, const std::vector<nlohmann::json>& items,
                                  std::size_t chunksize) {
  return ResultStream(submit(task, items, std::max<std::size_t>(1, chunksize), kUnordered, {}, {}));
}

nlohmann::json Pool::apply(std::string_view task, const nlohmann::json& arg) { return apply_async(task, arg).get(); }

AsyncResult Pool::apply_async(std::string_view task, const nlohmann::json& arg, Callback callback,
                              ErrorCallback error_callback) {
  return AsyncResult(submit(task, {arg}, 1, kSingle, std::move(callback), std::move(error_callback)));
}

void Pool::close() {
  {
    std::lock_guard guard(impl_->mu);
    impl_->closed = true;
  }
  impl_->more_to_hand.notify_all();
  impl_->poke();
}

void Pool::terminate() {
  std::vector<std::shared_ptr<PoolJob>> jobs;
  {
    std::lock_guard guard(impl_->mu);
    impl_->stopping = true;
    jobs = impl_->unfinished_jobs();
  }
  impl_->more_to_hand.notify_all();
  impl_->poke();
  if (impl_->results_thread.joinable()) impl_->results_thread.join();
  for (auto& w : impl_->workers) w.process->terminate();
  impl_->join_threads();
  for (auto& job : jobs) job->break_with("the pool was terminated");
  for (auto& w : impl_->workers) w.process->join();
  impl_->joined = true;
}

void Pool::join() {
  {
    std::lock_guard guard(impl_->mu);
    if (!impl_->closed && !impl_->stopping) throw std::logic_error("Pool::join: call close() or terminate() first");
  }
  impl_->join_threads();
  for (auto& w : impl_->workers) w.process->join();
  impl_->joined = true;
}

}  // namespace concur::mp
