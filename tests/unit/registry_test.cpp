// Things registered by name (concur/core/registry.hpp).
#include <gtest/gtest.h>

#include <concur/core/registry.hpp>

#include <string>
#include <thread>
#include <vector>

TEST(Registry, FindsWhatWasAddedAndNothingElse) {
  concur::Registry<int> r;
  r.add("b", 2);
  r.add("a", 1);
  ASSERT_NE(r.find("a"), nullptr);
  EXPECT_EQ(*r.find("a"), 1);
  EXPECT_EQ(r.get("b"), 2);
  EXPECT_EQ(r.find("c"), nullptr);
  EXPECT_FALSE(r.get("c").has_value());
}

TEST(Registry, AddingANameAgainReplacesItsValueAndKeepsItsPlace) {
  concur::Registry<std::string> r;
  r.add("task", "first");
  const std::string* before = r.find("task");
  r.add("task", "second");
  EXPECT_EQ(r.find("task"), before);  // the same node: pointers stay valid
  EXPECT_EQ(*before, "second");
}

TEST(Registry, ManyThreadsAddAndFindAtOnce) {
  concur::Registry<int> r;
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&r, t] {
      for (int i = 0; i < 200; ++i) {
        r.add(std::to_string(t * 1000 + i), i);
        (void)r.find(std::to_string(i));
      }
    });
  threads.clear();  // joins
  for (int t = 0; t < 4; ++t)
    for (int i = 0; i < 200; ++i) EXPECT_EQ(r.get(std::to_string(t * 1000 + i)), i);
}
