// concur::Future and the executors: every Future method, wait and as_completed,
// cancelling what has not started, shutdown, and a dead worker failing its futures.
#include <gtest/gtest.h>

#include <concur/threads/event.hpp>
#include <concur/mp/executor.hpp>
#include <concur/threads/futures.hpp>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace {

using concur::Future;
using nlohmann::json;

json sq(const json& n) { return n.get<long long>() * n.get<long long>(); }
CONCUR_TASK(sq);
json nap_ms(const json& ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms.get<int>()));
  return ms;
}
CONCUR_TASK(nap_ms);
json boom(const json&) { throw std::runtime_error("boom"); }
CONCUR_TASK(boom);

TEST(ThreadPoolExecutor, ResultExceptionDoneAndCallbacks) {
  concur::ThreadPoolExecutor pool(2);
  Future f = pool.submit([] { return 6 * 7; });
  EXPECT_EQ(f.result(30.0), 42);
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.running());
  EXPECT_EQ(f.exception(), nullptr);
  Future v = pool.submit([] {});
  EXPECT_TRUE(v.result(30.0).is_null());

  Future bad = pool.submit([]() -> int { throw std::out_of_range("no such thing"); });
  EXPECT_THROW((void)bad.result(30.0), std::out_of_range);
  ASSERT_NE(bad.exception(), nullptr);
  EXPECT_THROW(std::rethrow_exception(bad.exception()), std::out_of_range);

  std::atomic<int> calls{0};
  f.add_done_callback([&](const Future& done) { calls += done.result() == 42; });  // done already: at once
  EXPECT_EQ(calls.load(), 1);
}

TEST(ThreadPoolExecutor, RunningCancelAndTimeouts) {
  concur::ThreadPoolExecutor pool(1);
  concur::Event go;
  std::atomic<bool> started{false};
  Future busy = pool.submit([&] {
    started = true;
    go.wait(30.0);
    return 1;
  });
  while (!started) std::this_thread::yield();
  EXPECT_TRUE(busy.running());
  EXPECT_FALSE(busy.cancel());  // running: it cannot be stopped
  Future queued = pool.submit([] { return 2; });
  std::atomic<int> callbacks{0};
  queued.add_done_callback([&](const Future& f) { callbacks += f.cancelled(); });
  EXPECT_FALSE(queued.running());
  EXPECT_THROW((void)queued.result(0.01), concur::TimeoutError);
  EXPECT_TRUE(queued.cancel());
  EXPECT_TRUE(queued.cancelled());
  EXPECT_TRUE(queued.done());
  EXPECT_EQ(callbacks.load(), 1);
  EXPECT_THROW((void)queued.result(), concur::CancelledError);
  EXPECT_THROW((void)queued.exception(), concur::CancelledError);
  go.set();
  EXPECT_EQ(busy.result(30.0), 1);
}

TEST(ThreadPoolExecutor, WaitAndAsCompleted) {
  concur::ThreadPoolExecutor pool(3);
  concur::Event release_slow;
  Future slow = pool.submit([&] {
    release_slow.wait(30.0);
    return "slow";
  });
  Future fast = pool.submit([] { return "fast"; });
  concur::WaitResult first = concur::wait({slow, fast}, 30.0, concur::ReturnWhen::first_completed);
  ASSERT_EQ(first.done.size(), 1u);
  EXPECT_TRUE(first.done[0] == fast);
  concur::WaitResult timed = concur::wait({slow, fast}, 0.02);
  EXPECT_EQ(timed.not_done.size(), 1u);
  Future failing = pool.submit([]() -> int { throw std::runtime_error("x"); });
  EXPECT_EQ(concur::wait({slow, failing}, 30.0, concur::ReturnWhen::first_exception).done.size(), 1u);
  concur::AsCompleted stream = concur::as_completed({slow, fast}, 0.05);
  ASSERT_TRUE(stream.next() == fast);  // done already: at once
  EXPECT_THROW((void)stream.next(), concur::TimeoutError);
  release_slow.set();
  std::vector<Future> order;
  for (const Future& f : concur::as_completed({slow, failing, fast}, 30.0)) order.push_back(f);
  ASSERT_EQ(order.size(), 3u);
  EXPECT_TRUE(order[0] == fast);  // in the order they got done
  EXPECT_TRUE(order[1] == failing);
  EXPECT_TRUE(order[2] == slow);
}

TEST(ThreadPoolExecutor, ShutdownCancelsWhatHasNotStartedAndRefusesMore) {
  concur::ThreadPoolExecutor pool(1);
  concur::Event go;
  std::atomic<bool> started{false};
  Future busy = pool.submit([&] {
    started = true;
    return go.wait(30.0);
  });
  while (!started) std::this_thread::yield();
  std::vector<Future> waiting;
  for (int i = 0; i < 3; ++i) waiting.push_back(pool.submit([] { return 0; }));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    go.set();
  });
  pool.shutdown(true, true);
  releaser.join();
  EXPECT_EQ(busy.result(), true);
  for (Future& f : waiting) EXPECT_TRUE(f.cancelled());
  EXPECT_THROW((void)pool.submit([] { return 1; }), std::logic_error);
}

TEST(ProcessPoolExecutor, ResultsErrorsAndCancel) {
  const int before = concur::mp::live_children();
  {
    concur::ProcessPoolExecutor pool(1);
    Future f = pool.submit("sq", 9);
    EXPECT_EQ(f.result(30.0), 81);
    Future bad = pool.submit("boom", 0);
    EXPECT_THROW((void)bad.result(30.0), concur::mp::TaskError);
    Future busy = pool.submit("nap_ms", 200);
    Future queued = pool.submit("sq", 3);  // one worker, busy: this one waits, cancellable
    EXPECT_TRUE(queued.cancel());
    EXPECT_FALSE(busy.cancel());
    EXPECT_EQ(busy.result(30.0), 200);
    EXPECT_THROW((void)queued.result(), concur::CancelledError);
    EXPECT_THROW((void)pool.submit("no_such_task", 1), std::invalid_argument);
    pool.shutdown();
    EXPECT_THROW((void)pool.submit("sq", 1), std::logic_error);
  }
  EXPECT_EQ(concur::mp::live_children(), before);
}

TEST(ProcessPoolExecutor, AWorkerThatDiesFailsItsFutureAndThePending) {
  concur::ProcessPoolExecutor pool(2);
  std::vector<Future> futures;
  for (int i = 0; i < 6; ++i) futures.push_back(pool.submit("nap_ms", 100));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ::kill(pool.worker_pids().at(1), SIGKILL);
  int broken = 0;
  for (Future& f : futures) {
    try {
      (void)f.result(30.0);
    } catch (const concur::mp::BrokenPoolError& e) {
      ++broken;
      EXPECT_NE(std::string(e.what()).find("killed by SIGKILL"), std::string::npos) << e.what();
    }
  }
  EXPECT_GE(broken, 5);  // the dead worker's, and everything not yet started
}

}  // namespace

namespace {

TEST(Executors, MapGivesTheResultsInOrderAndTheFirstErrorInOrder) {
  concur::ThreadPoolExecutor threads(2);
  EXPECT_EQ(threads.map(sq, {json(1), json(2), json(3), json(4), json(5)}),
            (std::vector<json>{1, 4, 9, 16, 25}));
  EXPECT_THROW(threads.map([](const json& x) -> json { if (x == 2) throw std::runtime_error("two"); return x; },
                           {json(1), json(2), json(3)}),
               std::runtime_error);
  threads.shutdown(/*wait=*/false);
  EXPECT_THROW(threads.submit([] { return 1; }), std::logic_error);

  concur::ProcessPoolExecutor processes(2);
  EXPECT_EQ(processes.map("sq", {json(1), json(2), json(3)}), (std::vector<json>{1, 4, 9}));
  concur::Future running = processes.submit("nap_ms", 200);
  while (!running.running() && !running.done()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_FALSE(running.cancel());  // too late: it runs
  processes.shutdown(/*wait=*/false);
  EXPECT_THROW(processes.submit("sq", 2), std::logic_error);
  EXPECT_EQ(running.result(30.0), 200);  // submitted before the shutdown: it finishes
}

}  // namespace
