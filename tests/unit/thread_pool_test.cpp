// concur::ThreadPool: futures carry results and exceptions, wait_idle, the per-worker
// count, and shutdown's promises.
#include <gtest/gtest.h>

#include <concur/threads/event.hpp>
#include <concur/threads/thread.hpp>
#include <concur/threads/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

TEST(ThreadPool, SubmitReturnsFuturesWithTheTasksResults) {
  concur::ThreadPool pool(3);
  std::vector<std::future<int>> results;
  for (int i = 0; i < 20; ++i) results.push_back(pool.submit([i] { return i * i; }));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(results[i].get(), i * i);
  auto text = pool.submit([] { return std::string("done"); });
  EXPECT_EQ(text.get(), "done");
}

TEST(ThreadPool, AnExceptionInATaskPropagatesThroughItsFuture) {
  concur::ThreadPool pool(2);
  auto failing = pool.submit([]() -> int { throw std::runtime_error("task failed"); });
  auto failing_void = pool.submit([] { throw std::invalid_argument("bad"); });
  auto fine = pool.submit([] { return 1; });
  // Joining the workers first means their copies of the tasks are gone before the main
  // thread reads the exceptions: ThreadSanitizer cannot see the reference counts inside
  // libstdc++ that order a worker freeing an exception after the catch below.
  pool.shutdown();
  try {
    failing.get();
    FAIL() << "the future did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "task failed");
  }
  EXPECT_THROW(failing_void.get(), std::invalid_argument);
  EXPECT_EQ(fine.get(), 1);  // the workers survived the throwing tasks
}

TEST(ThreadPool, WaitIdleReturnsAfterEverySubmittedTaskFinished) {
  concur::ThreadPool pool(3);
  std::atomic<int> finished{0};
  for (int i = 0; i < 50; ++i) pool.submit([&] { finished.fetch_add(1); });
  pool.wait_idle();
  EXPECT_EQ(finished.load(), 50);
  pool.wait_idle();  // idle already: returns at once
}

TEST(ThreadPool, TasksPerWorkerSumsToTasksSubmitted) {
  constexpr std::size_t kWorkers = 4;
  concur::ThreadPool pool(kWorkers);
  EXPECT_EQ(pool.size(), kWorkers);
  for (int i = 0; i < 100; ++i) pool.submit([] {});
  pool.wait_idle();
  const std::vector<std::size_t> per_worker = pool.tasks_per_worker();
  ASSERT_EQ(per_worker.size(), kWorkers);
  EXPECT_EQ(std::accumulate(per_worker.begin(), per_worker.end(), std::size_t{0}), 100u);
}

TEST(ThreadPool, WorkersAreConcurThreadsNamedAfterThePrefix) {
  concur::ThreadPool pool(3, "Cook");
  std::mutex mu;
  std::set<std::string> names;
  std::vector<std::future<void>> done;
  for (int i = 0; i < 30; ++i)
    done.push_back(pool.submit([&] {
      std::lock_guard guard(mu);
      names.insert(concur::current_thread().name());
    }));
  for (auto& f : done) f.get();
  ASSERT_FALSE(names.empty());
  for (const std::string& n : names)
    EXPECT_TRUE(n == "Cook-1" || n == "Cook-2" || n == "Cook-3") << n;
}

TEST(ThreadPool, ShutdownRunsEveryQueuedTask) {
  concur::ThreadPool pool(1);
  concur::Event gate;
  std::atomic<int> ran{0};
  auto blocker = pool.submit([&] { gate.wait(); });
  std::vector<std::future<void>> queued;
  // The only worker is held by the blocker, so these wait in the queue.
  for (int i = 0; i < 10; ++i) queued.push_back(pool.submit([&] { ran.fetch_add(1); }));
  gate.set();
  pool.shutdown();
  EXPECT_EQ(ran.load(), 10);
  for (auto& f : queued)
    EXPECT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  pool.shutdown();  // a second call is harmless
}

TEST(ThreadPool, SubmitAfterShutdownThrowsLogicError) {
  concur::ThreadPool pool(2);
  pool.shutdown();
  EXPECT_THROW(pool.submit([] { return 1; }), std::logic_error);
}

TEST(ThreadPool, ZeroWorkersThrowsInvalidArgument) {
  EXPECT_THROW(concur::ThreadPool pool(0), std::invalid_argument);
}

TEST(ThreadPool, DestructorFinishesQueuedTasks) {
  std::atomic<int> ran{0};
  {
    concur::ThreadPool pool(2);
    for (int i = 0; i < 20; ++i) pool.submit([&] { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 20);
}

}  // namespace
