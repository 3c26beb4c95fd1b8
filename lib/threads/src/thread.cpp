#include "concur/threads/thread.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "concur/core/actor.hpp"
#include "concur/core/console.hpp"
#include "concur/core/jitter.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/timeout.hpp"
#include "concur/threads/control.hpp"

namespace concur {
namespace {

thread_local Thread* t_current = nullptr;

// The main thread's stand-in, once it has one, and the concur::Threads now running, in
// the order they started (for enumerate()). A Thread leaves the list at the end of its
// bootstrap, before it counts as finished, so the object outlives its entry.
std::atomic<Thread*> g_main{nullptr};
std::mutex g_running_mu;
std::vector<Thread*> g_running;  // guarded by g_running_mu

// The stand-in for a thread concur did not start: named after the actor.
class ForeignThread final : public Thread {
 public:
  ForeignThread() : Thread(std::function<void()>{}, current_thread_actor()) { adopt_calling_thread(); }
};

}  // namespace

Thread::Thread(std::function<void()> target, std::string name, bool daemon)
    : target_(std::move(target)),
      name_(name.empty() ? next_thread_name() : std::move(name)),
      daemon_(daemon) {}

Thread::Thread(NamedTarget target, std::string name, bool daemon)
    : target_(std::move(target.call)),
      name_(name.empty() ? fmt::format("{} ({})", next_thread_name(), target.function) : std::move(name)),
      daemon_(daemon) {}

Thread::~Thread() {
  std::lock_guard join_guard(join_mu_);
  if (!thread_.joinable()) return;
  // Unwinding: whoever would have fed or stopped this thread is gone, so ask it to stop.
  if (daemon_ || std::uncaught_exceptions() > 0) thread_.request_stop();
  // In a controlled run it may be waiting for a turn nobody will give it now.
  if (control_number_ >= 0 && std::uncaught_exceptions() > 0) control::abandon();
  thread_.join();
}

void Thread::set_name(std::string name) {
  std::lock_guard guard(mu_);
  if (started_) throw std::logic_error("Thread::set_name: the thread has already started");
  name_ = std::move(name);
}

void Thread::set_daemon(bool daemon) {
  std::lock_guard guard(mu_);
  if (started_) throw std::logic_error("Thread::set_daemon: the thread has already started");
  daemon_ = daemon;
}

void Thread::start() {
  {
    std::lock_guard guard(mu_);
    if (started_) throw std::logic_error("Thread::start: threads can only be started once");
    started_ = true;
  }
  Console::note_actor(name_);  // its lines will line up with the others'
  control_number_ = control::created(name_);  // -1 outside a controlled run
  try {
    std::lock_guard join_guard(join_mu_);  // a joiner on another thread reads thread_
    thread_ = std::jthread([this](std::stop_token token) { bootstrap(std::move(token)); });
  } catch (const std::exception& ex) {
    // Out of threads (ulimit -u, a pids cgroup) or of memory for the stack (ulimit -v).
    {
      std::lock_guard guard(mu_);
      started_ = false;
    }
    const auto* sys = dynamic_cast<const std::system_error*>(&ex);
    std::string why = sys != nullptr ? sys->code().message() : std::string("out of memory");
    if (sys != nullptr && sys->code() == std::errc::resource_unavailable_try_again)
      why += " (limit on processes/threads: ulimit -u, or on address space: ulimit -v)";
    throw std::runtime_error(fmt::format("cannot start thread '{}': {}", name_, why));
  }
  // Like Python's start(), return only once the thread runs, so ident() is set.
  std::unique_lock lock(mu_);
  finished_cv_.wait(lock, [&] { return ident_.has_value(); });
}

void Thread::bootstrap(std::stop_token token) {
  t_current = this;
  set_current_actor(name_);
  {
    std::lock_guard guard(g_running_mu);
    g_running.push_back(this);
  }
  {
    std::lock_guard guard(mu_);
    ident_ = static_cast<std::uint64_t>(::pthread_self());
    native_id_ = current_native_id();
    stop_token_ = std::move(token);
  }
  finished_cv_.notify_all();  // start() waits for the ids
  jitter::point();
  std::exception_ptr error;
  {
    ScopedSpan running(SpanKind::running, Recorder::intern("running"));
    try {
      control::begins(control_number_);  // in a controlled run, waits for the first turn
      run();
    } catch (const ThreadStopped&) {
      // Asked to stop while it waited: the owner is unwinding; nothing to report.
    } catch (const std::exception& ex) {
      error = std::current_exception();
      Console::get().event(name_, fmt::format("raised an exception: {}", ex.what()));
    } catch (...) {
      error = std::current_exception();
      Console::get().event(name_, "raised an exception");
    }
  }
  control::ends(control_number_);
  {
    std::lock_guard guard(g_running_mu);
    std::erase(g_running, this);
  }
  std::lock_guard guard(mu_);
  exception_ = error;
  finished_ = true;
  finished_cv_.notify_all();
}

void Thread::run() {
  if (target_) target_();
}

bool Thread::join(std::optional<double> timeout_s) {
  std::unique_lock lock(mu_);
  if (!started_) throw std::logic_error("Thread::join: cannot join a thread before it is started");
  if (foreign_) throw std::logic_error("Thread::join: this thread was not started by concur");
  if (t_current == this) throw std::logic_error("Thread::join: a thread cannot join itself");
  if (control_number_ >= 0 && control::active()) {  // a visible step: waits until the thread has ended
    lock.unlock();
    control::join_point(control_number_, name_);
    lock.lock();
  }
  if (timeout_s) {
    const auto limit = timeout_duration(*timeout_s);
    if (!finished_cv_.wait_for(lock, limit, [&] { return finished_; })) return false;
  } else {
    finished_cv_.wait(lock, [&] { return finished_; });
  }
  lock.unlock();
  // run() has returned; the OS thread is ending. Reap it now, not in the destructor.
  std::lock_guard join_guard(join_mu_);
  if (thread_.joinable()) thread_.join();
  return true;
}

void Thread::adopt_calling_thread() {
  std::lock_guard guard(mu_);
  started_ = true;
  foreign_ = true;
  ident_ = static_cast<std::uint64_t>(::pthread_self());
  native_id_ = current_native_id();
}

bool Thread::is_alive() const {
  std::lock_guard guard(mu_);
  return started_ && !finished_;
}

std::optional<std::uint64_t> Thread::ident() const {
  std::lock_guard guard(mu_);
  return ident_;
}

std::optional<long> Thread::native_id() const {
  std::lock_guard guard(mu_);
  return native_id_;
}

std::exception_ptr Thread::exception() const {
  std::lock_guard guard(mu_);
  return exception_;
}

bool Thread::stop_requested() const {
  std::lock_guard guard(mu_);
  return stop_token_.stop_requested();
}

void Thread::request_stop() {
  std::lock_guard join_guard(join_mu_);  // start() may be assigning thread_
  thread_.request_stop();
}

std::stop_token Thread::stop_token() const {
  std::lock_guard guard(mu_);
  return stop_token_;
}

std::stop_token current_stop_token() {
  return t_current != nullptr ? t_current->stop_token() : std::stop_token{};
}

bool sleep_for(std::chrono::nanoseconds duration) {
  if (control::active() && control::current_thread_number() >= 0) {  // virtual time: a step that takes none
    static const std::function<bool()> never = [] { return false; };  // only the time ends it
    control::point(control::Op::sleep, nullptr, fmt::format("sleep {:g} s", std::chrono::duration<double>(duration).count()),
                   never, {}, duration);
    return true;
  }
  const std::stop_token token = current_thread().stop_token();
  if (token.stop_requested()) return false;
  if (duration <= std::chrono::nanoseconds::zero()) return true;
  // A private mutex and condition variable: nobody notifies them, only a stop request
  // (through the token's callback) or the timeout ends the wait.
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, token, duration, [] { return false; });
  return !token.stop_requested();
}

std::size_t end_of_main(std::initializer_list<std::reference_wrapper<Thread>> threads) {
  // ident() is set by start(), so it tells a started thread from one never started.
  for (Thread& t : threads)
    if (!t.daemon() && t.ident()) t.join();
  std::size_t cut_off = 0;
  for (Thread& t : threads) {
    if (!t.daemon() || !t.ident()) continue;
    if (t.is_alive()) ++cut_off;
    t.request_stop();
    t.join();
  }
  return cut_off;
}

Thread& current_thread() {
  if (t_current != nullptr) return *t_current;
  thread_local std::unique_ptr<ForeignThread> stand_in;
  if (!stand_in) {
    stand_in = std::make_unique<ForeignThread>();
    // After fork() the child's only thread is its main one; its stand-in is made anew
    // there only if the parent's thread had none.
    if (on_main_thread()) g_main.store(stand_in.get());
  }
  return *stand_in;
}

Thread& main_thread() {
  if (on_main_thread()) return current_thread();
  Thread* main = g_main.load();
  if (main == nullptr) throw std::logic_error("main_thread(): the main thread has not called current_thread() yet");
  return *main;
}

std::vector<ThreadInfo> enumerate() {
  std::vector<ThreadInfo> all;
  auto describe = [&](const Thread& t) {
    all.push_back({t.name(), t.ident().value_or(0), t.native_id().value_or(0), t.daemon()});
  };
  if (Thread* main = on_main_thread() ? &current_thread() : g_main.load()) describe(*main);
  std::lock_guard guard(g_running_mu);
  for (const Thread* t : g_running) describe(*t);
  return all;
}

std::size_t active_count() { return enumerate().size(); }

std::uint64_t get_ident() noexcept { return static_cast<std::uint64_t>(::pthread_self()); }
long get_native_id() noexcept { return current_native_id(); }

}  // namespace concur
