// concur/coro/loop.hpp - coroutines on an event loop: the course's asyncio, in C++20 and Asio.
//
// A coroutine is a function that can stop half-way at a co_await and be resumed later
// where it stopped. An event loop (Boost.Asio's io_context) runs many of them on one
// thread: it resumes one, which runs until its next co_await; then the loop resumes
// whichever coroutine's wait has ended. Nothing preempts a coroutine: it gives the thread
// back only at a co_await, so one that blocks (a sleep_for, a long computation) blocks
// them all.
//
//     Python                          concur / C++20 + Asio
//     async def fetch(i): ...         coro::Task<int> fetch(int i) { ... }
//     await asyncio.sleep(0.1)        co_await coro::sleep(100ms);
//     await asyncio.gather(a(), b())  co_await coro::gather(a(), b());
//     asyncio.run(main())             coro::run(main());
//     await asyncio.to_thread(f)      co_await coro::to_thread(f);
//
// Every coroutine concur starts (the one given to run(), each one gather() starts) has a
// name and runs on an executor that wraps each resumption in a concur::Coroutine::Turn:
// its narration says "Task-1@MainThread" and it has a timeline track of its own
// (core/coroutine.hpp). A coroutine a demo starts with plain asio::co_spawn runs as
// whoever resumed it.
//
// gather() fails as soon as one of its coroutines throws: it cancels the others (their
// pending co_await ends with operation_aborted) and rethrows the first error, naming the
// coroutine. So a coroutine waiting for a peer that died does not wait for ever.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "concur/core/coroutine.hpp"

namespace concur {
namespace asio = boost::asio;  // a coroutine demo may use Asio itself: asio::steady_timer
}  // namespace concur

namespace concur::coro {

// A coroutine that produces a T: `async def` is `Task<T> f(...)` with co_await/co_return.
template <typename T = void>
using Task = asio::awaitable<T>;

// The executor of a named coroutine: the loop's own executor, with every function it
// runs (each resumption of the coroutine) wrapped in a Turn of `who`. It holds the
// io_context's executor itself, not a type-erased one, so that the whole of it (24 bytes)
// fits inside the any_io_executor that Asio passes around, with no allocation per copy.
template <typename Inner>
class BasicTurnExecutor {
 public:
  BasicTurnExecutor(Inner inner, std::shared_ptr<Coroutine> who) : inner_(std::move(inner)), who_(std::move(who)) {}

  template <typename F>
  void execute(F&& f) const {
    inner_.execute([who = who_, f = std::forward<F>(f)]() mutable {
      Coroutine::Turn turn(*who);
      std::move(f)();
    });
  }

  asio::execution_context& query(asio::execution::context_t) const noexcept {
    return asio::query(inner_, asio::execution::context);
  }
  asio::execution::blocking_t query(asio::execution::blocking_t) const noexcept {
    return asio::query(inner_, asio::execution::blocking);
  }
  // The properties Asio asks for, passed on to the loop's executor.
  template <typename Property>
  auto require(const Property& p) const
      -> BasicTurnExecutor<std::decay_t<decltype(asio::require(std::declval<const Inner&>(), p))>> {
    return {asio::require(inner_, p), who_};
  }
  template <typename Property>
  auto prefer(const Property& p) const
      -> BasicTurnExecutor<std::decay_t<decltype(asio::prefer(std::declval<const Inner&>(), p))>> {
    return {asio::prefer(inner_, p), who_};
  }
  friend bool operator==(const BasicTurnExecutor& a, const BasicTurnExecutor& b) noexcept {
    return a.inner_ == b.inner_ && a.who_ == b.who_;
  }
  friend bool operator!=(const BasicTurnExecutor& a, const BasicTurnExecutor& b) noexcept { return !(a == b); }

 private:
  template <typename>
  friend class BasicTurnExecutor;
  Inner inner_;
  std::shared_ptr<Coroutine> who_;
};
using TurnExecutor = BasicTurnExecutor<asio::io_context::executor_type>;

// One event loop on the thread that calls run(): asyncio's loop.
class Loop {
 public:
  Loop();
  ~Loop();  // stops the offload pool's threads and joins them
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  asio::io_context& context() noexcept { return context_; }
  // The executor a new coroutine called `name` runs on.
  asio::any_io_executor executor_for(std::string name);
  // "Task-1", "Task-2", ...: the next default coroutine name of this loop.
  std::string next_task_name();
  // The threads to_thread() hands blocking calls to (asyncio's default executor), started
  // at the first use: `offload_threads` of them, named Offload-1, Offload-2, ...
  asio::thread_pool& offload_pool();
  // Coroutines this loop has started (each resumption is one turn of one of them).
  std::uint64_t coroutines_started() const noexcept { return started_; }

  // Runs until no coroutine is left; on the timeline the thread is "running the event loop".
  void run();

  // The loop running on the calling thread, or on the thread whose coroutine called it;
  // throws std::logic_error outside run().
  static Loop& current();

  static constexpr unsigned offload_threads = 4;

 private:
  asio::io_context context_;
  std::unique_ptr<asio::thread_pool> pool_;
  std::uint64_t started_ = 0;
  Loop* outer_ = nullptr;
};

// A coroutine with the name it runs under (gather() names the others Task-1, Task-2 ...).
template <typename T>
struct Named {
  std::string name;
  Task<T> task;
};
template <typename T>
Named<T> named(std::string name, Task<T> task) {
  return {std::move(name), std::move(task)};
}

namespace detail {
std::uint32_t gather_label(std::size_t how_many);
std::uint32_t offload_label();
// Rethrows the first error in completion order that is not a cancellation (else the first).
void rethrow_first(const std::vector<std::size_t>& order, const std::vector<std::exception_ptr>& errors,
                   const std::vector<std::string>& names);
void name_offload_thread();

template <typename T>
Named<T> to_named(Named<T> n) {
  return n;
}
template <typename T>
Named<T> to_named(Task<T> t) {
  return {{}, std::move(t)};
}
template <typename A>
struct value_of;
template <typename T>
struct value_of<Task<T>> {
  using type = T;
};
template <typename T>
struct value_of<Named<T>> {
  using type = T;
};
}  // namespace detail

// What gather() gives back: the coroutines' results in the order they were given; nothing
// for coroutines that return nothing.
template <typename T>
using Gathered = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;

// asyncio.gather: starts every coroutine as a task of its own on the loop, waits for all
// of them, and gives their results in order. If one throws, the others are cancelled and
// the first error is rethrown as std::runtime_error("NAME failed: WHAT").
template <typename T>
Task<Gathered<T>> gather(std::vector<Named<T>> tasks) {
  Loop& loop = Loop::current();
  using Op = decltype(asio::co_spawn(std::declval<asio::any_io_executor>(), std::declval<Task<T>>(), asio::deferred));
  std::vector<Op> ops;
  std::vector<std::string> names;
  ops.reserve(tasks.size());
  for (Named<T>& t : tasks) {
    names.push_back(t.name.empty() ? loop.next_task_name() : t.name);
    ops.push_back(asio::co_spawn(loop.executor_for(names.back()), std::move(t.task), asio::deferred));
  }
  if (ops.empty()) co_return Gathered<T>();
  Coroutine::will_wait_for(detail::gather_label(ops.size()));
  if constexpr (std::is_void_v<T>) {
    auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(ops))
                               .async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
    detail::rethrow_first(order, errors, names);
  } else {
    auto [order, errors, values] = co_await asio::experimental::make_parallel_group(std::move(ops))
                                       .async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
    detail::rethrow_first(order, errors, names);
    co_return std::vector<T>(std::make_move_iterator(values.begin()), std::make_move_iterator(values.end()));
  }
}

template <typename T>
Task<Gathered<T>> gather(std::vector<Task<T>> tasks) {
  std::vector<Named<T>> named_tasks;
  for (Task<T>& t : tasks) named_tasks.push_back({{}, std::move(t)});
  return gather(std::move(named_tasks));
}

// gather(a(), b(), named("consumer", c())): the same, for coroutines listed one by one
// (all returning the same type).
template <typename First, typename... Rest>
auto gather(First first, Rest... rest) -> Task<Gathered<typename detail::value_of<First>::type>> {
  using T = typename detail::value_of<First>::type;
  std::vector<Named<T>> tasks;
  tasks.push_back(detail::to_named(std::move(first)));
  (tasks.push_back(detail::to_named(std::move(rest))), ...);
  return gather(std::move(tasks));
}

// asyncio.sleep: suspends the calling coroutine for `how_long`; the loop runs the others.
Task<void> sleep(std::chrono::nanoseconds how_long);

// asyncio.to_thread: runs `blocking` on one of the loop's offload threads (asio::post to
// its thread_pool) and suspends the calling coroutine until it returns, so the loop keeps
// running the others meanwhile. Its result (or exception) comes back to the coroutine,
// which resumes on the loop's thread.
template <typename F>
auto to_thread(F blocking) -> Task<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  using Result = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
  asio::thread_pool& pool = Loop::current().offload_pool();
  Coroutine::will_wait_for(detail::offload_label());
  auto token = asio::use_awaitable;  // an exception_ptr first in the signature is rethrown
  Result value = co_await asio::async_initiate<decltype(token), void(std::exception_ptr, Result)>(
      [&pool](auto handler, F call) {
        asio::post(pool, [handler = std::move(handler), call = std::move(call)]() mutable {
          detail::name_offload_thread();
          std::exception_ptr error;
          Result value{};
          try {
            if constexpr (std::is_void_v<R>) call();
            else value = call();
          } catch (...) {
            error = std::current_exception();
          }
          // Back to the coroutine's own executor: it resumes on the loop, not here.
          auto back = asio::get_associated_executor(handler);
          asio::dispatch(back, [handler = std::move(handler), error, value = std::move(value)]() mutable {
            std::move(handler)(error, std::move(value));
          });
        });
      },
      token, std::move(blocking));
  if constexpr (!std::is_void_v<R>) co_return std::move(value);
}

// asyncio.run: makes a loop on the calling thread, runs `main` on it as the coroutine
// called `name` until it and every coroutine it started have finished, and returns
// main's result (or rethrows its exception).
template <typename T>
T run(Task<T> main, std::string name = "main") {
  Loop loop;
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;
  if constexpr (std::is_void_v<T>) {
    asio::co_spawn(loop.executor_for(std::move(name)), std::move(main), [&](std::exception_ptr e) {
      error = e;
      value = true;
    });
  } else {
    asio::co_spawn(loop.executor_for(std::move(name)), std::move(main), [&](std::exception_ptr e, T v) {
      error = e;
      if (!e) value = std::move(v);
    });
  }
  loop.run();
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) return std::move(*value);
}

}  // namespace concur::coro
