// concur::coro and concur::Coroutine: who speaks during a turn, a track per coroutine,
// gather's order and its failure, to_thread, the semaphore's bound, the queue's order,
// and the awaitable HTTP GET against the local server.
#include <gtest/gtest.h>

#include <concur/core/actor.hpp>
#include <concur/core/coroutine.hpp>
#include <concur/core/timeline.hpp>
#include <concur/coro/http.hpp>
#include <concur/coro/loop.hpp>
#include <concur/coro/sync.hpp>
#include <concur/threads/http.hpp>

#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace coro = concur::coro;
using namespace std::chrono_literals;
using concur::Recorder;

class CoroTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (Recorder::active()) Recorder::end_run();
  }
};

TEST_F(CoroTest, TurnSpeaksAsTheCoroutineAndRestoresTheThread) {
  const std::string thread = concur::current_actor();
  concur::Coroutine a("A"), b("B");
  {
    concur::Coroutine::Turn outer(a);
    EXPECT_EQ(concur::current_actor(), "A@" + thread);
    EXPECT_EQ(concur::Coroutine::current(), &a);
    {
      concur::Coroutine::Turn inner(b);
      EXPECT_EQ(concur::current_actor(), "B@" + thread);
      EXPECT_EQ(concur::current_thread_actor(), thread);
    }
    EXPECT_EQ(concur::current_actor(), "A@" + thread);
  }
  EXPECT_EQ(concur::current_actor(), thread);
  EXPECT_EQ(concur::Coroutine::current(), nullptr);
  EXPECT_EQ(a.turns(), 1u);
}

TEST_F(CoroTest, EachCoroutineRecordsOnItsOwnTrackOnOneThread) {
  Recorder::begin_run();
  std::set<long> threads;
  auto task = [&](int i) -> coro::Task<int> {
    threads.insert(concur::current_native_id());
    co_await coro::sleep(std::chrono::milliseconds(5 * i));
    threads.insert(concur::current_native_id());
    co_return i * 10;
  };
  const std::vector<int> got = coro::run([&]() -> coro::Task<std::vector<int>> {
    co_return co_await coro::gather(task(3), task(1), task(2));
  }());
  const concur::Timeline tl = Recorder::end_run();
  EXPECT_EQ(got, (std::vector<int>{30, 10, 20}));  // in the order given, not the order done
  EXPECT_EQ(threads.size(), 1u);
  for (const char* name : {"Task-1", "Task-2", "Task-3", "main"}) {
    const concur::Track* t = tl.find_track(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_TRUE(t->coroutine);
    EXPECT_EQ(t->thread, concur::current_thread_actor());
    bool ran = false, slept = false;
    for (const auto& e : t->events) {
      if (e.type != concur::TimelineEvent::Type::span) continue;
      ran |= e.kind == concur::SpanKind::running;
      slept |= e.kind == concur::SpanKind::waiting && tl.label(e) == "asleep";
    }
    EXPECT_TRUE(ran) << name;
    if (std::string(name) != "main") {
      EXPECT_TRUE(slept) << name;
    }
  }
  // Spans on one coroutine track never overlap: running and waiting alternate.
  for (const concur::Track& t : tl.tracks) {
    if (!t.coroutine) continue;
    std::int64_t last_end = -1;
    for (const auto& e : t.events) {
      if (e.type != concur::TimelineEvent::Type::span) continue;
      EXPECT_GE(e.start_ns, last_end) << t.name << " " << tl.label(e) << " " << e.start_ns << ".." << e.end_ns;
      last_end = e.end_ns;
    }
  }
}

TEST_F(CoroTest, GatherCancelsTheOthersAndNamesTheOneThatFailed) {
  bool cancelled = false;
  auto waits_forever = [&]() -> coro::Task<void> {
    try {
      co_await coro::sleep(1h);
    } catch (const boost::system::system_error&) {
      cancelled = true;
      throw;
    }
  };
  auto fails = []() -> coro::Task<void> {
    co_await coro::sleep(1ms);
    throw std::runtime_error("broken pipe");
  };
  try {
    coro::run([&]() -> coro::Task<void> {
      co_await coro::gather(coro::named("waiter", waits_forever()), coro::named("producer", fails()));
    }());
    FAIL() << "gather did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "producer failed: broken pipe");
  }
  EXPECT_TRUE(cancelled);
}

TEST_F(CoroTest, ToThreadRunsElsewhereWhileTheLoopGoesOn) {
  const long loop_thread = concur::current_native_id();
  long offload_thread = 0;
  int ticks_during = 0;
  bool done = false;
  coro::run([&]() -> coro::Task<void> {
    auto blocking = [&]() -> coro::Task<void> {
      const int v = co_await coro::to_thread([&] {
        offload_thread = concur::current_native_id();
        std::this_thread::sleep_for(60ms);
        return 7;
      });
      EXPECT_EQ(v, 7);
      EXPECT_EQ(concur::current_native_id(), loop_thread);  // resumed on the loop
      done = true;
    };
    auto ticker = [&]() -> coro::Task<void> {
      while (!done) {
        co_await coro::sleep(5ms);
        ++ticks_during;
      }
    };
    co_await coro::gather(blocking(), ticker());
  }());
  EXPECT_NE(offload_thread, 0);
  EXPECT_NE(offload_thread, loop_thread);
  EXPECT_GE(ticks_during, 2);  // the loop ran the ticker while the call blocked its thread
  EXPECT_THROW(coro::run(coro::to_thread([] { throw std::domain_error("x"); })), std::domain_error);
}

TEST_F(CoroTest, SemaphoreNeverLetsMoreThanItsPermitsIn) {
  std::size_t max_seen = 0, inside = 0, done = 0;
  coro::run([&]() -> coro::Task<void> {
    coro::Semaphore sem("room", 2);
    auto worker = [&]() -> coro::Task<void> {
      auto permit = co_await sem.hold();
      ++inside;
      max_seen = std::max(max_seen, inside);
      co_await coro::sleep(2ms);
      --inside;
      ++done;
    };
    std::vector<coro::Task<void>> workers;
    for (int i = 0; i < 7; ++i) workers.push_back(worker());
    co_await coro::gather(std::move(workers));
    EXPECT_EQ(sem.max_in_use(), 2u);
    EXPECT_EQ(sem.in_use(), 0u);
    EXPECT_THROW(sem.release(), std::logic_error);
  }());
  EXPECT_EQ(max_seen, 2u);
  EXPECT_EQ(done, 7u);
  EXPECT_THROW(coro::Semaphore("x", 1), std::logic_error);  // outside a loop
}

TEST_F(CoroTest, QueueKeepsOrderAndBoundsTheProducer) {
  std::vector<int> got;
  std::size_t most_ahead = 0;
  coro::run([&]() -> coro::Task<void> {
    coro::Queue<int> q("jobs", 2);
    int put = 0;
    auto producer = [&]() -> coro::Task<void> {
      for (int i = 1; i <= 10; ++i) {
        co_await q.put(i);
        ++put;
        most_ahead = std::max<std::size_t>(most_ahead, put - got.size());
      }
      co_await q.put(0);  // the sentinel
    };
    auto consumer = [&]() -> coro::Task<void> {
      for (;;) {
        const int v = co_await q.get();
        if (v == 0) break;
        got.push_back(v);
        co_await coro::sleep(1ms);
      }
    };
    co_await coro::gather(producer(), consumer());
  }());
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_LE(most_ahead, 3u);  // two in the queue and one in the consumer's hands
}

TEST_F(CoroTest, AConsumerWaitingForADeadProducerIsCancelled) {
  bool consumer_cancelled = false;
  try {
    coro::run([&]() -> coro::Task<void> {
      coro::Queue<int> q("jobs", 1);
      auto producer = [&]() -> coro::Task<void> {
        co_await coro::sleep(1ms);
        throw std::runtime_error("producer crashed");
      };
      auto consumer = [&]() -> coro::Task<void> {
        try {
          (void)co_await q.get();  // nothing will ever come
        } catch (const boost::system::system_error&) {
          consumer_cancelled = true;
          throw;
        }
      };
      co_await coro::gather(coro::named("Producer", producer()), coro::named("Consumer", consumer()));
    }());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "Producer failed: producer crashed");
  }
  EXPECT_TRUE(consumer_cancelled);
}

TEST_F(CoroTest, HttpGetDownloadsConcurrentlyOnOneThread) {
  concur::LocalWebServer site({.latency = 100ms, .body_bytes = 1234, .threads = 16});
  const auto began = std::chrono::steady_clock::now();
  const std::vector<concur::Response> pages = coro::run([&]() -> coro::Task<std::vector<concur::Response>> {
    std::vector<coro::Task<concur::Response>> gets;
    for (const std::string& url : site.page_urls(8)) gets.push_back(coro::http_get(url));
    co_return co_await coro::gather(std::move(gets));
  }());
  ASSERT_EQ(pages.size(), 8u);
  for (const concur::Response& p : pages) {
    EXPECT_EQ(p.status, 200) << p.error;
    EXPECT_EQ(p.bytes, 1234u);
  }
  EXPECT_GE(site.max_in_flight(), 2);  // more than one request was waiting at the server at once
  (void)began;

  const concur::Response refused = coro::run(coro::http_get("http://127.0.0.1:1/x", 2s));
  EXPECT_EQ(refused.status, 0);
  EXPECT_NE(refused.error.find("connecting"), std::string::npos) << refused.error;
  EXPECT_EQ(coro::check_coroutine_url("https://example.org"), "the coroutine client speaks http:// only (no TLS)");
  EXPECT_EQ(coro::run(coro::http_get("ftp://x")).error, "must start with http://");
  concur::LocalWebServer big({.body_bytes = 5000});
  EXPECT_NE(coro::run(coro::http_get(big.url("/page/1"), 2s, 2s, 100)).error.find("max-body"), std::string::npos);
}

}  // namespace
