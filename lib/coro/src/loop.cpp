#include "concur/coro/loop.hpp"

#include <fmt/format.h>

#include <atomic>
#include <stdexcept>

#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include "concur/core/actor.hpp"
#include "concur/core/timeline.hpp"

namespace concur::coro {
namespace {

thread_local Loop* t_loop = nullptr;
std::atomic<int> g_offload_names{0};

}  // namespace

Loop::Loop() = default;

Loop::~Loop() {
  if (pool_) pool_->join();
}

asio::any_io_executor Loop::executor_for(std::string name) {
  ++started_;
  return TurnExecutor(context_.get_executor(), std::make_shared<Coroutine>(std::move(name)));
}

std::string Loop::next_task_name() { return fmt::format("Task-{}", started_); }

asio::thread_pool& Loop::offload_pool() {
  if (!pool_) pool_ = std::make_unique<asio::thread_pool>(offload_threads);
  return *pool_;
}

void Loop::run() {
  static const std::uint32_t label = Recorder::intern("running the event loop");
  outer_ = std::exchange(t_loop, this);
  struct Restore {
    Loop* self;
    ~Restore() { t_loop = self->outer_; }
  } restore{this};
  ScopedSpan span(SpanKind::running, label);
  context_.run();
}

Loop& Loop::current() {
  if (t_loop == nullptr) throw std::logic_error("no event loop runs on this thread: call this from a coroutine that coro::run() runs");
  return *t_loop;
}

Task<void> sleep(std::chrono::nanoseconds how_long) {
  static const std::uint32_t label = Recorder::intern("asleep");
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  Coroutine::will_wait_for(label);
  co_await timer.async_wait(asio::use_awaitable);
}

namespace detail {

std::uint32_t gather_label(std::size_t how_many) {
  return Recorder::intern(fmt::format("waiting for {} task{} (gather)", how_many, how_many == 1 ? "" : "s"));
}

std::uint32_t offload_label() {
  static const std::uint32_t label = Recorder::intern("waiting for an offload thread");
  return label;
}

void rethrow_first(const std::vector<std::size_t>& order, const std::vector<std::exception_ptr>& errors,
                   const std::vector<std::string>& names) {
  std::optional<std::size_t> first, first_cancelled;
  for (std::size_t i : order) {
    if (i >= errors.size() || !errors[i]) continue;
    try {
      std::rethrow_exception(errors[i]);
    } catch (const boost::system::system_error& e) {
      if (e.code() == asio::error::operation_aborted) {
        if (!first_cancelled) first_cancelled = i;
        continue;
      }
    } catch (...) {
    }
    first = i;
    break;
  }
  const std::optional<std::size_t> which = first ? first : first_cancelled;
  if (!which) return;
  try {
    std::rethrow_exception(errors[*which]);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{} failed: {}", names.at(*which), e.what()));
  } catch (...) {
    throw std::runtime_error(fmt::format("{} failed with an exception that is not a std::exception", names.at(*which)));
  }
}

void name_offload_thread() {
  thread_local bool named = false;
  if (!named) {
    set_current_actor(fmt::format("Offload-{}", g_offload_names.fetch_add(1) + 1));
    named = true;
  }
}

}  // namespace detail
}  // namespace concur::coro
