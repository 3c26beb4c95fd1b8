#include "concur/threads/futures.hpp"
#include "concur/core/timeout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace concur {

struct FutureState {
  enum class Stage { pending, running, cancelled, finished };
  std::mutex mu;
  std::condition_variable settled;
  Stage stage = Stage::pending;  // all guarded by mu
  nlohmann::json value;
  std::exception_ptr error;
  std::vector<std::function<void(const Future&)>> callbacks;
  std::uint64_t finished_as = 0;  // the order in which futures got done, from 1
};

namespace {

using Stage = FutureState::Stage;

bool is_done(Stage s) { return s == Stage::cancelled || s == Stage::finished; }

// Waits until the future is done or the deadline passes; false at the deadline.
bool wait_done(FutureState& s, std::unique_lock<std::mutex>& lock, std::optional<double> timeout_s) {
  auto done = [&] { return is_done(s.stage); };
  if (!timeout_s) {
    s.settled.wait(lock, done);
    return true;
  }
  return s.settled.wait_for(lock, timeout_duration(*timeout_s), done);
}

std::string timeout_message(std::optional<double> timeout_s) {
  return fmt::format("the future was not done within {} s", timeout_s.value_or(0));
}

}  // namespace

Future Future::make_pending() { return Future(std::make_shared<FutureState>()); }

nlohmann::json Future::result(std::optional<double> timeout_s) const {
  std::unique_lock lock(state_->mu);
  if (!wait_done(*state_, lock, timeout_s)) throw TimeoutError(timeout_message(timeout_s));
  if (state_->stage == Stage::cancelled) throw CancelledError();
  if (state_->error) std::rethrow_exception(state_->error);
  return state_->value;
}

std::exception_ptr Future::exception(std::optional<double> timeout_s) const {
  std::unique_lock lock(state_->mu);
  if (!wait_done(*state_, lock, timeout_s)) throw TimeoutError(timeout_message(timeout_s));
  if (state_->stage == Stage::cancelled) throw CancelledError();
  return state_->error;
}

bool Future::cancelled() const {
  std::lock_guard guard(state_->mu);
  return state_->stage == Stage::cancelled;
}

bool Future::running() const {
  std::lock_guard guard(state_->mu);
  return state_->stage == Stage::running;
}

std::uint64_t Future::done_order() const {
  std::lock_guard guard(state_->mu);
  return state_->finished_as;
}

bool Future::done() const {
  std::lock_guard guard(state_->mu);
  return is_done(state_->stage);
}

void Future::add_done_callback(std::function<void(const Future&)> fn) {
  {
    std::lock_guard guard(state_->mu);
    if (!is_done(state_->stage)) {
      state_->callbacks.push_back(std::move(fn));
      return;
    }
  }
  fn(*this);  // already done: at once, on this thread
}

namespace {
// Moves the future to a final stage, wakes its waiters, then runs its callbacks.
void settle(const Future& f, FutureState& s, Stage stage, nlohmann::json value, std::exception_ptr error) {
  std::vector<std::function<void(const Future&)>> callbacks;
  {
    std::lock_guard guard(s.mu);
    if (is_done(s.stage)) return;
    static std::atomic<std::uint64_t> next{1};
    s.finished_as = next.fetch_add(1);
    s.stage = stage;
    s.value = std::move(value);
    s.error = std::move(error);
    callbacks.swap(s.callbacks);
  }
  s.settled.notify_all();
  for (auto& fn : callbacks) {
    try {
      fn(f);
    } catch (...) {
      // As in Python: a callback's exception is not the future's business.
    }
  }
}
}  // namespace

bool Future::cancel() {
  {
    std::lock_guard guard(state_->mu);
    if (state_->stage == Stage::cancelled) return true;
    if (state_->stage != Stage::pending) return false;
  }
  settle(*this, *state_, Stage::cancelled, nullptr, nullptr);
  return cancelled();
}

bool Future::set_running() {
  std::lock_guard guard(state_->mu);
  if (state_->stage != Stage::pending) return false;
  state_->stage = Stage::running;
  return true;
}

void Future::set_result(nlohmann::json value) { settle(*this, *state_, Stage::finished, std::move(value), nullptr); }

void Future::set_exception(std::exception_ptr error) { settle(*this, *state_, Stage::finished, nullptr, std::move(error)); }

// ---- waiting on many ----------------------------------------------------------------

// Collects futures as they finish, through their done callbacks.
struct Finished {
  std::mutex mu;
  std::condition_variable any;
  std::deque<Future> order;  // guarded by mu
};

namespace {

std::shared_ptr<Finished> watch(const std::vector<Future>& futures) {
  auto finished = std::make_shared<Finished>();
  for (Future f : futures)
    f.add_done_callback([finished](const Future& done) {
      {
        std::lock_guard guard(finished->mu);
        finished->order.push_back(done);
      }
      finished->any.notify_all();
    });
  // The ones done already were added in list order: put them in the order they got done.
  std::lock_guard guard(finished->mu);
  std::stable_sort(finished->order.begin(), finished->order.end(),
                   [](const Future& a, const Future& b) { return a.done_order() < b.done_order(); });
  return finished;
}

bool failed(const Future& f) { return !f.cancelled() && f.exception(0.0) != nullptr; }
}  // namespace

WaitResult wait(const std::vector<Future>& futures, std::optional<double> timeout_s, ReturnWhen return_when) {
  auto finished = watch(futures);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                                 std::chrono::duration<double>(timeout_s.value_or(0)));
  {
    std::unique_lock lock(finished->mu);
    auto enough = [&] {
      if (finished->order.size() == futures.size()) return true;
      if (return_when == ReturnWhen::first_completed) return !finished->order.empty();
      if (return_when == ReturnWhen::first_exception)
        return std::any_of(finished->order.begin(), finished->order.end(), failed);
      return false;
    };
    if (timeout_s)
      finished->any.wait_until(lock, deadline, enough);
    else
      finished->any.wait(lock, enough);
  }
  WaitResult out;
  for (const Future& f : futures) (f.done() ? out.done : out.not_done).push_back(f);
  return out;
}

AsCompleted::AsCompleted(const std::vector<Future>& futures, std::optional<double> timeout_s)
    : finished_(watch(futures)),
      total_(futures.size()),
      timeout_s_(timeout_s),
      deadline_(deadline_in(timeout_s.value_or(0))) {}

std::optional<Future> AsCompleted::next() {
  if (taken_ == total_) return std::nullopt;
  std::unique_lock lock(finished_->mu);
  auto any = [&] { return !finished_->order.empty(); };
  if (!timeout_s_)
    finished_->any.wait(lock, any);
  else if (!finished_->any.wait_until(lock, deadline_, any))
    throw TimeoutError(fmt::format("{} of {} futures were not done within {} s", total_ - taken_, total_, *timeout_s_));
  Future f = finished_->order.front();
  finished_->order.pop_front();
  ++taken_;
  return f;
}

// ---- executors -----------------------------------------------------------------------

ThreadPoolExecutor::ThreadPoolExecutor(std::size_t max_workers, std::string name_prefix)
    : pool_(max_workers, std::move(name_prefix)) {}

ThreadPoolExecutor::~ThreadPoolExecutor() { shutdown(true); }

void ThreadPoolExecutor::enqueue(std::function<void()> call, const Future& future) {
  std::lock_guard guard(mu_);
  if (closed_) throw std::logic_error("ThreadPoolExecutor::submit: the executor has been shut down");
  if (queued_.size() >= 1024)  // forget the finished ones now and then
    queued_.erase(std::remove_if(queued_.begin(), queued_.end(), [](const Future& f) { return f.done(); }),
                  queued_.end());
  queued_.push_back(future);
  (void)pool_.submit(std::move(call));
}

std::vector<nlohmann::json> results_in_order(const std::vector<Future>& futures) {
  std::vector<nlohmann::json> results;
  std::exception_ptr first_error;
  for (const Future& f : futures) {
    try {
      results.push_back(f.result());
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
  return results;
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  std::vector<Future> queued;
  {
    std::lock_guard guard(mu_);
    closed_ = true;
    if (cancel_futures) queued.swap(queued_);
  }
  for (Future& f : queued) f.cancel();  // only the ones not started give way
  if (wait) pool_.shutdown();
}

}  // namespace concur
