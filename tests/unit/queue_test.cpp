// concur::Queue<T>: FIFO order, maxsize, Full/Empty, task_done/join, and many producers
// and consumers handing over every item exactly once.
#include <gtest/gtest.h>

#include <concur/threads/event.hpp>
#include <concur/threads/queue.hpp>
#include <concur/threads/thread.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <latch>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

TEST(Queue, GetReturnsItemsInTheOrderTheyWerePut) {
  concur::Queue<int> q;
  for (int i = 0; i < 10; ++i) q.put(i);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(q.get(), i);
}

TEST(Queue, QsizeAndEmptyFollowPutsAndGets) {
  concur::Queue<std::string> q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.qsize(), 0u);
  q.put("a");
  q.put("b");
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(q.qsize(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.qsize(), 1u);
  EXPECT_EQ(q.get_nowait(), "b");
  EXPECT_TRUE(q.empty());
}

TEST(Queue, UnboundedByDefaultAndForZeroOrNegativeMaxsize) {
  for (std::ptrdiff_t maxsize : {0, -1}) {
    concur::Queue<int> q(maxsize);
    for (int i = 0; i < 1000; ++i) q.put_nowait(i);
    EXPECT_FALSE(q.full());
    EXPECT_EQ(q.qsize(), 1000u);
  }
}

TEST(Queue, FullWhenMaxsizeItemsAreQueued) {
  concur::Queue<int> q(2, "jobs");
  EXPECT_EQ(q.maxsize(), 2);
  EXPECT_EQ(q.name(), "jobs");
  q.put(1);
  EXPECT_FALSE(q.full());
  q.put(2);
  EXPECT_TRUE(q.full());
  q.get();
  EXPECT_FALSE(q.full());
}

TEST(Queue, NonBlockingPutOnFullQueueThrowsFull) {
  concur::Queue<int> q(1);
  q.put(1);
  EXPECT_THROW(q.put(2, false), concur::Full);
  EXPECT_THROW(q.put_nowait(2), concur::Full);
  EXPECT_EQ(q.qsize(), 1u);  // the refused items were not added
}

TEST(Queue, PutWithTimeoutOnFullQueueThrowsFull) {
  concur::Queue<int> q(1);
  q.put(1);
  EXPECT_THROW(q.put(2, true, 0.05), concur::Full);
  EXPECT_EQ(q.get(), 1);
}

TEST(Queue, NonBlockingGetOnEmptyQueueThrowsEmpty) {
  concur::Queue<int> q;
  EXPECT_THROW(q.get(false), concur::Empty);
  EXPECT_THROW(q.get_nowait(), concur::Empty);
}

TEST(Queue, GetWithTimeoutOnEmptyQueueThrowsEmpty) {
  concur::Queue<int> q;
  EXPECT_THROW(q.get(true, 0.05), concur::Empty);
}

TEST(Queue, FullAndEmptyAreRuntimeErrorsWithAMessage) {
  concur::Queue<int> q(1);
  q.put(1);
  try {
    q.put_nowait(2);
    FAIL() << "put_nowait on a full queue returned";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "queue is full");
  }
  q.get();
  try {
    q.get_nowait();
    FAIL() << "get_nowait on an empty queue returned";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "queue is empty");
  }
}

TEST(Queue, BlockedGetReceivesItemPutByAnotherThread) {
  concur::Queue<int> q;
  concur::Thread producer([&] { q.put(7); });
  producer.start();
  EXPECT_EQ(q.get(), 7);
  producer.join();
}

TEST(Queue, BlockedPutProceedsWhenAnotherThreadMakesRoom) {
  concur::Queue<int> q(1);
  q.put(1);
  concur::Thread producer([&] { q.put(2); });  // blocks until the get below
  producer.start();
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.get(), 2);
  producer.join();
}

TEST(Queue, HoldsMoveOnlyItems) {
  concur::Queue<std::unique_ptr<int>> q;
  q.put(std::make_unique<int>(5));
  std::unique_ptr<int> p = q.get();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
}

TEST(Queue, JoinReturnsAtOnceWhenNothingWasPut) {
  concur::Queue<int> q;
  q.join();
  SUCCEED();
}

TEST(Queue, JoinReturnsOnlyAfterEveryTaskDone) {
  concur::Queue<int> q;
  for (int i = 0; i < 3; ++i) q.put(i);
  std::atomic<int> done_calls{0};
  int done_seen_by_join = -1;
  concur::Event joined;
  concur::Thread joiner([&] {
    q.join();
    done_seen_by_join = done_calls.load();
    joined.set();
  });
  joiner.start();
  for (int i = 0; i < 3; ++i) q.get();
  // Every item has been got, but none is done: join() must still be waiting.
  EXPECT_FALSE(joined.wait(0.05));
  for (int i = 0; i < 2; ++i) {
    done_calls.fetch_add(1);
    q.task_done();
  }
  EXPECT_FALSE(joined.wait(0.05));
  done_calls.fetch_add(1);
  q.task_done();
  joiner.join();
  EXPECT_TRUE(joined.is_set());
  EXPECT_EQ(done_seen_by_join, 3);
}

TEST(Queue, TaskDoneMoreTimesThanItemsPutThrowsLogicError) {
  concur::Queue<int> q;
  EXPECT_THROW(q.task_done(), std::logic_error);
  q.put(1);
  q.get();
  q.task_done();
  EXPECT_THROW(q.task_done(), std::logic_error);
  q.join();  // the failed call did not break the accounting
}

TEST(Queue, ManyProducersAndConsumersHandOverEveryItemExactlyOnce) {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 4;
  constexpr int kPerProducer = 500;
  constexpr int kStop = -1;
  concur::Queue<int> q(8, "items");  // small, so producers also block on a full queue

  std::vector<std::vector<int>> received(kConsumers);
  std::deque<concur::Thread> consumers;
  for (int c = 0; c < kConsumers; ++c)
    consumers.emplace_back([&q, &mine = received[c]] {
      for (;;) {
        const int item = q.get();
        q.task_done();
        if (item == kStop) return;
        mine.push_back(item);
      }
    });
  std::deque<concur::Thread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) q.put(p * kPerProducer + i);
    });
  for (auto& t : consumers) t.start();
  for (auto& t : producers) t.start();
  for (auto& t : producers) t.join();
  for (int c = 0; c < kConsumers; ++c) q.put(kStop);
  q.join();  // every item, stop markers included, has been marked done
  for (auto& t : consumers) t.join();

  std::vector<int> all;
  for (const auto& mine : received) all.insert(all.end(), mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  std::vector<int> expected(kProducers * kPerProducer);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
  EXPECT_TRUE(q.empty());
}

TEST(Queue, EachProducersItemsArriveInItsOrder) {
  // One consumer: items from one producer keep their relative order (FIFO per producer).
  constexpr int kProducers = 3;
  constexpr int kPerProducer = 300;
  concur::Queue<std::pair<int, int>> q(4);
  std::deque<concur::Thread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) q.put({p, i});
    });
  for (auto& t : producers) t.start();
  std::vector<int> next(kProducers, 0);
  for (int n = 0; n < kProducers * kPerProducer; ++n) {
    const auto [p, i] = q.get();
    EXPECT_EQ(i, next[p]) << "producer " << p;
    next[p] = i + 1;
  }
  for (auto& t : producers) t.join();
}

}  // namespace

namespace {

TEST(QueueKinds, EachHandsOutInItsOwnOrder) {
  const std::vector<int> in = {3, 1, 4, 1, 5, 9, 2, 6};
  concur::Queue<int> fifo;
  concur::LifoQueue<int> lifo;
  concur::PriorityQueue<int> priority;
  concur::SimpleQueue<int> simple;
  for (int x : in) fifo.put(x), lifo.put(x), priority.put(x), simple.put(x);
  std::vector<int> from_fifo, from_lifo, from_priority, from_simple;
  while (!fifo.empty()) from_fifo.push_back(fifo.get());
  while (!lifo.empty()) from_lifo.push_back(lifo.get());
  while (!priority.empty()) from_priority.push_back(priority.get());
  while (!simple.empty()) from_simple.push_back(simple.get());
  std::vector<int> reversed(in.rbegin(), in.rend()), sorted = in;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(from_fifo, in);
  EXPECT_EQ(from_simple, in);
  EXPECT_EQ(from_lifo, reversed);
  EXPECT_EQ(from_priority, sorted);
  EXPECT_THROW(simple.get(false), concur::Empty);
  EXPECT_THROW(priority.get(true, 0.01), concur::Empty);
}

TEST(QueueKinds, ABoundedPriorityQueueBlocksAndCountsTasks) {
  concur::PriorityQueue<std::pair<int, std::string>> q(2);
  q.put({2, "b"});
  q.put({1, "a"});
  EXPECT_THROW(q.put({0, "z"}, true, 0.01), concur::Full);
  EXPECT_EQ(q.get().second, "a");
  q.task_done();
  EXPECT_EQ(q.get().second, "b");
  q.task_done();
  q.join();  // both done: returns at once
  EXPECT_THROW(q.task_done(), std::logic_error);
}

}  // namespace
