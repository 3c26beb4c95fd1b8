// tests/cli/nothing_left.hpp - a fixture that fails a test when concur leaves a process
// or a /dev/shm entry behind.
#pragma once

#include <sys/prctl.h>
#include <sys/wait.h>

#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace concur::test {

// Everything in /dev/shm now: a POSIX shared-memory object concur forgot would show here.
inline std::set<std::string> dev_shm() {
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator("/dev/shm")) names.insert(e.path().filename());
  return names;
}

// As a subreaper, a test inherits any descendant of concur that outlives concur: a child
// or fork server concur failed to reap shows up as the test's own child.
class NothingLeftBehind : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    shm_before_ = dev_shm();
  }
  void TearDown() override {
    int status = 0;
    const pid_t left = ::waitpid(-1, &status, WNOHANG);
    EXPECT_EQ(left, -1) << "a process concur started is still around (pid " << left << ")";
    EXPECT_EQ(dev_shm(), shm_before_) << "concur left a file in /dev/shm";
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  std::set<std::string> shm_before_;
};

}  // namespace concur::test
