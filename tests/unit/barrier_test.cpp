// concur::Barrier (threads) and concur::mp::Barrier (processes): rounds, the action once
// per round, arrival indexes, and the ways a barrier breaks instead of waiting for ever.
#include <gtest/gtest.h>

#include <concur/mp/entry.hpp>
#include <concur/mp/process.hpp>
#include <concur/mp/shared_value.hpp>
#include <concur/mp/synchronize.hpp>
#include <concur/threads/barrier.hpp>
#include <concur/threads/thread.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

namespace {

namespace mp = concur::mp;
using nlohmann::json;

TEST(Barrier, KeepsRoundsApartAndRunsTheActionOncePerRound) {
  constexpr int kParties = 4, kRounds = 50;
  std::atomic<int> finished[kRounds] = {};
  std::atomic<int> actions{0}, early{0};
  std::mutex mu;
  std::vector<std::multiset<std::ptrdiff_t>> indexes(kRounds);  // guarded by mu
  concur::Barrier barrier(kParties, [&] {
    if (finished[actions.load()].load() != kParties) ++early;  // the action sees the round complete
    ++actions;
  });
  std::deque<concur::Thread> threads;
  for (int p = 0; p < kParties; ++p)
    threads.emplace_back([&] {
      for (int k = 0; k < kRounds; ++k) {
        ++finished[k];
        const std::ptrdiff_t i = barrier.wait();
        if (finished[k].load() != kParties || actions.load() != k + 1) ++early;
        std::lock_guard guard(mu);
        indexes[k].insert(i);
      }
    });
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
  EXPECT_EQ(actions.load(), kRounds);
  EXPECT_EQ(early.load(), 0);
  for (const auto& round : indexes) EXPECT_EQ(round, (std::multiset<std::ptrdiff_t>{0, 1, 2, 3}));
  EXPECT_FALSE(barrier.broken());
}

TEST(Barrier, ATimeoutBreaksItForEveryoneAndAbortToo) {
  concur::Barrier barrier(3, {}, "short");
  std::atomic<int> broken_seen{0};
  concur::Thread other([&] {
    try {
      barrier.wait();  // no timeout of its own: only the break can end it
    } catch (const concur::BrokenBarrierError&) {
      ++broken_seen;
    }
  });
  other.start();
  EXPECT_THROW(barrier.wait(0.05), concur::BrokenBarrierError);  // the third party never comes
  other.join();
  EXPECT_EQ(broken_seen.load(), 1);
  EXPECT_TRUE(barrier.broken());
  EXPECT_THROW(barrier.wait(), concur::BrokenBarrierError);  // broken stays broken

  concur::Barrier aborted(2);
  aborted.abort();
  EXPECT_THROW(aborted.wait(), concur::BrokenBarrierError);
  EXPECT_THROW(concur::Barrier(0), std::invalid_argument);
}

TEST(Barrier, AThrowingActionBreaksItAndReachesTheLastArriver) {
  concur::Barrier barrier(1, [] { throw std::runtime_error("action failed"); });
  EXPECT_THROW(barrier.wait(), std::runtime_error);
  EXPECT_THROW(barrier.wait(), concur::BrokenBarrierError);
}

void meet(const json& args, mp::Handed handed) {
  auto count = mp::Value<long long>::adopt(std::move(handed.at(0)));
  auto barrier = mp::Barrier::adopt(std::move(handed.at(1)), [&] { count.fetch_add(1000); });
  for (int k = 0; k < args["rounds"].get<int>(); ++k) {
    count.fetch_add(1);
    barrier.wait();
    // Every party counted round k, and the action ran k + 1 times (the others may already
    // have counted round k + 1, but its action cannot run before this party arrives).
    const long long now = count.get();
    if (now / 1000 != k + 1 || now % 1000 < (k + 1) * args["parties"].get<long long>()) std::exit(3);
  }
}
CONCUR_ENTRY(meet);

class BarrierEveryStartMethod : public ::testing::TestWithParam<mp::StartMethod> {};

TEST_P(BarrierEveryStartMethod, ProcessesMeetInRoundsAndTheActionRunsOncePerRound) {
  constexpr int kParties = 3, kRounds = 20;
  mp::Value<long long> count(0, mp::Locking::none, "count");
  mp::Barrier barrier(kParties, {}, "processes");
  EXPECT_EQ(barrier.parties(), kParties);
  std::deque<mp::Process> children;
  for (int p = 0; p < kParties; ++p)
    children.emplace_back(mp::Target{"meet", {{"rounds", kRounds}, {"parties", kParties}}, {count.fileno(), barrier.fileno()}},
                          "", GetParam());
  for (auto& c : children) c.start();
  for (auto& c : children) {
    c.join();
    EXPECT_EQ(c.exitcode(), 0) << c.describe_exit();
  }
  EXPECT_EQ(count.get(), kRounds * (1000 + kParties));
}

INSTANTIATE_TEST_SUITE_P(Methods, BarrierEveryStartMethod,
                         ::testing::Values(mp::StartMethod::fork, mp::StartMethod::spawn, mp::StartMethod::forkserver));

TEST(ProcessBarrier, ATimeoutBreaksIt) {
  mp::Barrier barrier(2, {}, "alone");
  EXPECT_THROW(barrier.wait(0.02), concur::BrokenBarrierError);
  EXPECT_TRUE(barrier.broken());
  EXPECT_THROW(barrier.wait(), concur::BrokenBarrierError);
}

}  // namespace
