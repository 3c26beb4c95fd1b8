// concur::mp::Queue and JoinableQueue: FIFO across processes, every item once, Full and
// Empty with timeouts, task_done/join, and a queue left half-changed is reported.
#include <gtest/gtest.h>

#include <concur/mp/process.hpp>
#include <concur/mp/queue.hpp>

#include <unistd.h>

#include <set>
#include <stdexcept>
#include <thread>

namespace {

namespace mp = concur::mp;
using mp::Handed;
using mp::Process;
using mp::StartMethod;
using mp::Target;

// Puts `count` items {"from": id, "n": i}, then a null as its own end marker.
void produce(const nlohmann::json& args, Handed handed) {
  auto q = mp::Queue::adopt(std::move(handed.at(0)));
  for (int i = 0; i < args["count"].get<int>(); ++i) q.put({{"from", args["id"]}, {"n", i}});
  q.put(nullptr);
}
CONCUR_ENTRY(produce);

// Takes items until a null, marks each done, and reports each on the results queue.
void consume(const nlohmann::json&, Handed handed) {
  auto work = mp::JoinableQueue::adopt(std::move(handed.at(0)));
  auto results = mp::Queue::adopt(std::move(handed.at(1)));
  for (nlohmann::json item = work.get(); !item.is_null(); item = work.get()) {
    results.put(item);
    work.task_done();
  }
  work.task_done();  // the null counts too
}
CONCUR_ENTRY(consume);

class QueueEveryStartMethod : public ::testing::TestWithParam<StartMethod> {};

TEST_P(QueueEveryStartMethod, ItemsFromAChildArriveInOrder) {
  mp::Queue q;
  Process child(Target{"produce", {{"id", 1}, {"count", 500}}, {q.fileno()}}, "Producer", GetParam());
  child.start();
  for (int i = 0; i < 500; ++i) {
    const nlohmann::json item = q.get(true, 30.0);
    ASSERT_EQ(item["n"], i);
  }
  EXPECT_TRUE(q.get(true, 30.0).is_null());
  ASSERT_TRUE(child.join(30.0));
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_TRUE(q.empty());
}

TEST_P(QueueEveryStartMethod, ManyProducersAndConsumersPassEveryItemOnce) {
  // A small buffer and a maxsize make producers wait for room, often.
  mp::JoinableQueue work(8, "work", 256);
  mp::Queue results(0, "results");
  constexpr int kPerProducer = 300;
  std::vector<std::unique_ptr<Process>> producers, consumers;
  for (int id = 0; id < 2; ++id) {
    consumers.push_back(std::make_unique<Process>(Target{"consume", {}, {work.fileno(), results.fileno()}}, "",
                                                  GetParam()));
    consumers.back()->start();
  }
  for (int id = 0; id < 2; ++id) {
    producers.push_back(std::make_unique<Process>(
        Target{"produce", {{"id", id}, {"count", kPerProducer}}, {work.fileno()}}, "", GetParam()));
    producers.back()->start();
  }
  std::multiset<std::pair<int, int>> seen;
  for (int i = 0; i < 2 * kPerProducer; ++i) {
    const nlohmann::json item = results.get(true, 30.0);
    seen.insert({item["from"].get<int>(), item["n"].get<int>()});
  }
  work.join();  // every item, nulls included, was marked done
  for (auto& p : producers) ASSERT_TRUE(p->join(30.0));
  for (auto& c : consumers) ASSERT_TRUE(c->join(30.0));
  for (auto& p : producers) EXPECT_EQ(p->exitcode(), 0);
  for (auto& c : consumers) EXPECT_EQ(c->exitcode(), 0);
  ASSERT_EQ(seen.size(), 2u * kPerProducer);
  for (int id = 0; id < 2; ++id)
    for (int n = 0; n < kPerProducer; ++n) EXPECT_EQ(seen.count({id, n}), 1u) << id << "/" << n;
  EXPECT_TRUE(results.empty());
}

INSTANTIATE_TEST_SUITE_P(StartMethods, QueueEveryStartMethod,
                         ::testing::Values(StartMethod::fork, StartMethod::spawn, StartMethod::forkserver),
                         [](const auto& info) { return std::string(mp::to_string(info.param)); });

TEST(ProcessQueue, GetOnAnEmptyQueueRaisesEmptyAfterItsTimeout) {
  mp::Queue q;
  EXPECT_THROW((void)q.get_nowait(), concur::Empty);
  EXPECT_THROW((void)q.get(true, 0.02), concur::Empty);
}

TEST(ProcessQueue, PutOnAFullQueueRaisesFullAndMaxsizeCounts) {
  mp::Queue q(2);
  EXPECT_EQ(q.maxsize(), 2u);
  q.put(1);
  q.put("two");
  EXPECT_TRUE(q.full());
  EXPECT_EQ(q.qsize(), 2u);
  EXPECT_THROW(q.put_nowait(3), concur::Full);
  EXPECT_THROW(q.put(3, true, 0.02), concur::Full);
  EXPECT_EQ(q.get(), 1);
  EXPECT_EQ(q.get(), "two");
}

TEST(ProcessQueue, ABlockedGetWakesWhenAnotherThreadPuts) {
  mp::Queue q;
  std::thread putter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    q.put({{"late", true}});
  });
  EXPECT_EQ(q.get(true, 30.0)["late"], true);
  putter.join();
}

TEST(ProcessQueue, ItemsWrapAroundTheRingIntact) {
  mp::Queue q(0, "ring", 200);
  for (int i = 0; i < 100; ++i) {
    const std::string text(static_cast<std::size_t>(i % 37), static_cast<char>('a' + i % 26));
    q.put({{"i", i}, {"text", text}});
    q.put(i);
    EXPECT_EQ(q.get(), (nlohmann::json{{"i", i}, {"text", text}}));
    EXPECT_EQ(q.get(), i);
  }
}

TEST(ProcessQueue, AnItemLargerThanTheBufferIsRefused) {
  mp::Queue q(0, "small", 64);
  try {
    q.put(std::string(100, 'x'));
    FAIL() << "expected length_error";
  } catch (const std::length_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not fit in its 64-byte buffer"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(q.empty());
}

TEST(ProcessQueue, TaskDoneTooOftenThrowsAndJoinReturnsWhenAllAreDone) {
  mp::JoinableQueue q;
  q.put(1);
  q.put(2);
  std::thread worker([&] {
    for (int i = 0; i < 2; ++i) {
      (void)q.get();
      q.task_done();
    }
  });
  q.join();
  worker.join();
  EXPECT_THROW(q.task_done(), std::logic_error);
}

TEST(ProcessQueue, AdoptTellsAQueueFromAJoinableQueue) {
  mp::Queue plain;
  EXPECT_THROW((void)mp::JoinableQueue::adopt(concur::detail::Fd(::dup(plain.fileno()))), std::invalid_argument);
}

// A process killed between "begin change" and "end change" leaves the mark behind; the
// test plays that death by setting the mark itself.
struct HalfChanged : mp::Queue {
  using mp::Queue::Queue;
  void die_mid_change(pid_t pid) { placed_.cell->updating = pid; }
};

TEST(ProcessQueue, AQueueSomeoneDiedChangingIsReportedAsBroken) {
  HalfChanged q;
  q.put(1);
  q.die_mid_change(4242);
  try {
    (void)q.get();
    FAIL() << "expected BrokenQueueError";
  } catch (const mp::BrokenQueueError& e) {
    EXPECT_NE(std::string(e.what()).find("process 4242 died in the middle of changing it"), std::string::npos);
  }
  EXPECT_THROW(q.put(2), mp::BrokenQueueError);  // and it stays broken; no lock left held
}

}  // namespace
