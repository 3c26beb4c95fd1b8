// concur::StartLine: nobody passes before everyone has arrived.
#include <gtest/gtest.h>

#include <concur/threads/start_line.hpp>
#include <concur/threads/thread.hpp>

#include <atomic>
#include <deque>

namespace {

TEST(StartLine, NobodyPassesBeforeTheLastArrives) {
  constexpr int kThreads = 4;  // more than this machine's cores: spinning must yield
  concur::StartLine line(kThreads);
  std::atomic<int> arrived{0};
  std::atomic<int> passed_early{0};
  std::deque<concur::Thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      arrived.fetch_add(1);
      line.arrive_and_wait();
      if (arrived.load() < kThreads) passed_early.fetch_add(1);
    });
  for (auto& t : threads) t.start();
  for (auto& t : threads) t.join();
  EXPECT_EQ(arrived.load(), kThreads);
  EXPECT_EQ(passed_early.load(), 0);
}

TEST(StartLine, ACountOfOneReturnsAtOnce) {
  concur::StartLine line(1);
  line.arrive_and_wait();
  SUCCEED();
}

}  // namespace
