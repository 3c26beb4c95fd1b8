// concur::mp::Pool: every method, results in order where promised, task errors come back
// as errors, a dying worker breaks the pool instead of hanging it, terminate mid-map.
#include <gtest/gtest.h>

#include <concur/mp/pool.hpp>

#include <fmt/format.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace {

namespace mp = concur::mp;
using mp::Pool;
using mp::StartMethod;
using nlohmann::json;

json square(const json& n) { return n.get<long long>() * n.get<long long>(); }
CONCUR_TASK(square);

json add(const json& args) { return args.at(0).get<long long>() + args.at(1).get<long long>(); }
CONCUR_TASK(add);

json fail_on_three(const json& n) {
  if (n == 3) throw std::runtime_error("three is not allowed");
  return n;
}
CONCUR_TASK(fail_on_three);

json sleep_ms(const json& ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms.get<int>()));
  return ms;
}
CONCUR_TASK(sleep_ms);

json identity(const json& x) { return x; }
CONCUR_TASK(identity);

json whoami(const json&) { return ::getpid(); }
CONCUR_TASK(whoami);

json nap_then_whoami(const json& ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms.get<int>()));
  return ::getpid();
}
CONCUR_TASK(nap_then_whoami);

std::vector<json> numbers(int n) {
  std::vector<json> out;
  for (int i = 0; i < n; ++i) out.emplace_back(i);
  return out;
}

class PoolEveryStartMethod : public ::testing::TestWithParam<StartMethod> {};

TEST_P(PoolEveryStartMethod, MapKeepsTheOrderWhateverTheChunks) {
  Pool pool(2, GetParam());
  EXPECT_EQ(pool.processes(), 2);
  for (std::size_t chunk : {0, 1, 7, 1000}) {
    const std::vector<json> out = pool.map("square", numbers(100), chunk);
    ASSERT_EQ(out.size(), 100u);
    for (int i = 0; i < 100; ++i) ASSERT_EQ(out[i], i * i) << "chunksize " << chunk;
  }
  EXPECT_TRUE(pool.map("square", {}).empty());
  pool.close();
  pool.join();
}

TEST_P(PoolEveryStartMethod, TheWorkIsSpreadOverTheWorkers) {
  Pool pool(2, GetParam());
  std::vector<json> slow(8, 30);
  (void)pool.map("sleep_ms", slow, 1);
  std::vector<json> pids = pool.map("whoami", numbers(40), 1);
  for (const json& pid : pids)
    EXPECT_NE(std::find(pool.worker_pids().begin(), pool.worker_pids().end(), pid.get<pid_t>()),
              pool.worker_pids().end());
  pool.close();
  pool.join();
}

TEST_P(PoolEveryStartMethod, AWorkerKilledMidMapBreaksThePoolAndMapReturns) {
  Pool pool(2, GetParam());
  const pid_t victim = pool.worker_pids().at(0);
  std::thread killer([victim] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::kill(victim, SIGKILL);
  });
  try {
    (void)pool.map("sleep_ms", std::vector<json>(40, 20), 1);
    ADD_FAILURE() << "expected BrokenPoolError";
  } catch (const mp::BrokenPoolError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(fmt::format("(pid {}) died: killed by SIGKILL", victim)), std::string::npos) << what;
    EXPECT_NE(what.find("PoolWorker-1"), std::string::npos) << what;
  }
  killer.join();
  EXPECT_THROW((void)pool.apply("square", 2), mp::BrokenPoolError);
}

INSTANTIATE_TEST_SUITE_P(StartMethods, PoolEveryStartMethod,
                         ::testing::Values(StartMethod::fork, StartMethod::spawn, StartMethod::forkserver),
                         [](const auto& info) { return std::string(mp::to_string(info.param)); });

TEST(Pool, StarmapHandsEachArgumentList) {
  Pool pool(2);
  EXPECT_EQ(pool.starmap("add", {json::array({1, 2}), json::array({10, 20})}), (std::vector<json>{3, 30}));
  EXPECT_THROW((void)pool.starmap("add", {1}), std::invalid_argument);
}

TEST(Pool, ImapIsInOrderAndImapUnorderedHasEveryResult) {
  Pool pool(2);
  std::vector<json> in_order;
  for (const json& r : pool.imap("square", numbers(20))) in_order.push_back(r);
  EXPECT_EQ(in_order, pool.map("square", numbers(20)));
  std::vector<json> as_they_come;
  mp::ResultStream stream = pool.imap_unordered("sleep_ms", {60, 1, 30});
  while (auto r = stream.next(30.0)) as_they_come.push_back(*r);
  ASSERT_EQ(as_they_come.size(), 3u);
  EXPECT_EQ(as_they_come.back(), 60);  // the slowest one last (two workers, three tasks)
  std::sort(as_they_come.begin(), as_they_come.end());
  EXPECT_EQ(as_they_come, (std::vector<json>{1, 30, 60}));
}

TEST(Pool, TheLastChunksGoToWhoeverIsFreeNotBehindALongOne) {
  // Four chunks, two workers: the long one takes a worker, and no other chunk is queued
  // behind it, since a worker holds a next chunk only while more wait than there are
  // workers. The three short ones all run on the other worker, one after another.
  Pool pool(2);
  const std::vector<json> pids = pool.map("nap_then_whoami", {1500, 0, 0, 0}, 1);
  ASSERT_EQ(pids.size(), 4u);
  for (std::size_t i = 1; i < pids.size(); ++i) EXPECT_NE(pids[i], pids[0]) << "item " << i;
}

TEST(Pool, LargeChunksAndLargeResultsBothWaysAtOnceDoNotDeadlock) {
  // 8 chunks of 800 KB each way, more than a socket buffer holds: while a worker sends
  // one large result, the pool sends it its next large chunk. A pool that sent from the
  // thread that reads the results would wait on the worker while the worker waited on it.
  Pool pool(2);
  std::vector<json> items;
  for (int i = 0; i < 64; ++i) items.emplace_back(std::string(100'000, static_cast<char>('a' + i % 26)));
  EXPECT_EQ(pool.map("identity", items, 8), items);
  pool.close();
  pool.join();
}

TEST(Pool, ApplyAsyncGetWaitReadySuccessfulAndCallbacks) {
  Pool pool(2);
  std::atomic<long long> seen{0};
  mp::AsyncResult r = pool.apply_async("square", 12, [&](const json& v) { seen = v.get<long long>(); });
  EXPECT_EQ(r.get(30.0), 144);
  EXPECT_EQ(seen.load(), 144);  // the callback ran before get() returned
  EXPECT_TRUE(r.ready());
  EXPECT_TRUE(r.successful());
  EXPECT_EQ(pool.apply("square", 5), 25);

  mp::AsyncResult slow = pool.apply_async("sleep_ms", 300);
  EXPECT_FALSE(slow.ready());
  EXPECT_THROW((void)slow.successful(), std::logic_error);
  EXPECT_FALSE(slow.wait(0.01));
  EXPECT_THROW((void)slow.get(0.01), mp::TimeoutError);
  EXPECT_EQ(slow.get(30.0), 300);
}

// Whole numbers travel as raw int64s, everything else as JSON: both must come back intact,
// and a chunk with one value that is not an int64 must not be forced into one.
TEST(Pool, MapCarriesWholeNumbersAndEveryOtherValueIntact) {
  Pool pool(2);
  const std::vector<json> ints = {0, -1, 42, INT64_MIN, INT64_MAX, -7};
  EXPECT_EQ(pool.map("identity", ints, 2), ints);
  const std::vector<json> mixed = {1, 2.5, "three", json::array({4}), nullptr, true, UINT64_MAX, json::object({{"k", 5}})};
  for (std::size_t chunk : {1u, 3u, 8u}) EXPECT_EQ(pool.map("identity", mixed, chunk), mixed) << chunk;
  // A failing item's result is null: its chunk's other results still arrive by position.
  try {
    (void)pool.map("fail_on_three", numbers(8), 8);
    ADD_FAILURE() << "expected TaskError";
  } catch (const mp::TaskError&) {
  }
  mp::ResultStream stream = pool.imap("fail_on_three", numbers(6), 6);
  for (int i = 0; i < 6; ++i) {
    if (i == 3)
      EXPECT_THROW((void)stream.next(), mp::TaskError);
    else
      EXPECT_EQ(stream.next(), i);
  }
  EXPECT_EQ(pool.apply("square", -9), 81);
}

TEST(Pool, ATaskThatThrowsComesBackAsItsError) {
  Pool pool(2);
  try {
    (void)pool.map("fail_on_three", numbers(6));
    ADD_FAILURE() << "expected TaskError";
  } catch (const mp::TaskError& e) {
    EXPECT_STREQ(e.what(), "'fail_on_three' raised: three is not allowed");
  }
  std::string reported;
  mp::AsyncResult r = pool.apply_async("fail_on_three", 3, {}, [&](const std::exception& e) { reported = e.what(); });
  EXPECT_TRUE(r.wait(30.0));
  EXPECT_FALSE(r.successful());
  EXPECT_EQ(reported, "'fail_on_three' raised: three is not allowed");
  // In a stream, only the failing item throws; the others still come.
  mp::ResultStream stream = pool.imap("fail_on_three", numbers(5));
  EXPECT_EQ(stream.next(), 0);
  EXPECT_EQ(stream.next(), 1);
  EXPECT_EQ(stream.next(), 2);
  EXPECT_THROW((void)stream.next(), mp::TaskError);
  EXPECT_EQ(stream.next(), 4);
  EXPECT_FALSE(stream.next().has_value());
  EXPECT_EQ(pool.apply("square", 4), 16);  // a failed task does not break the pool
}

TEST(Pool, TerminateMidMapFailsWhatIsLeftAndStopsTheWorkers) {
  const int before = mp::live_children();
  {
    Pool pool(2);
    mp::AsyncResult r = pool.map_async("sleep_ms", std::vector<json>(20, 50), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    pool.terminate();
    EXPECT_THROW((void)r.get(5.0), mp::BrokenPoolError);
    EXPECT_THROW((void)pool.apply("square", 1), std::logic_error);
  }
  EXPECT_EQ(mp::live_children(), before);
}

TEST(Pool, CloseAndJoinRulesAndUnknownTasks) {
  const int before = mp::live_children();
  Pool pool(1);
  EXPECT_THROW((void)pool.apply("no_such_task", 1), std::invalid_argument);
  EXPECT_THROW(pool.join(), std::logic_error);
  mp::AsyncResult pending = pool.apply_async("sleep_ms", 50);
  pool.close();
  EXPECT_THROW((void)pool.apply("square", 1), std::logic_error);
  pool.join();  // the work in hand is finished first
  EXPECT_EQ(pending.get(0.0), 50);
  EXPECT_EQ(mp::live_children(), before);
  EXPECT_THROW(Pool(-1), std::invalid_argument);
}

TEST(Pool, TheDestructorLeavesNoWorkerBehind) {
  const int before = mp::live_children();
  { Pool pool(3); }
  EXPECT_EQ(mp::live_children(), before);
}

}  // namespace

namespace {

TEST(PoolCalls, PartialStarmapAsyncAndCpuCount) {
  Pool pool(2);
  EXPECT_EQ(pool.map(mp::partial("add", {json(100)}), {json(1), json(2), json(3)}), (std::vector<json>{101, 102, 103}));
  mp::AsyncResult sums = pool.starmap_async("add", {json{1, 2}, json{3, 4}});
  EXPECT_EQ(sums.get(30.0), json({3, 7}));
  EXPECT_TRUE(sums.successful());
  EXPECT_THROW(pool.starmap_async("add", {json(1)}), std::invalid_argument);
  mp::AsyncResult slow = pool.apply_async("sleep_ms", 300);
  EXPECT_THROW((void)slow.successful(), std::logic_error);  // not ready yet
  EXPECT_THROW(slow.get(0.01), concur::TimeoutError);
  EXPECT_EQ(slow.get(30.0), 300);
  EXPECT_GE(mp::cpu_count(), 1);
}

}  // namespace
