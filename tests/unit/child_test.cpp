// ChildProgram and OnInterrupt (concur/core/child.hpp): exit statuses, time limits,
// process groups stopped whole, output to a file, and Ctrl-C leaving nothing behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "concur/core/child.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A fresh path in the test's temporary folder.
fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
}

// The pid a shell wrote to `path`, waiting up to 5 s for it to be there.
pid_t read_pid(const fs::path& path) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(path);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}

// True once `pid` has ended: reaped, or a zombie (an orphan waits there until init
// reaps it, which can take a while; it runs no more).
bool gone(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    if (::kill(pid, 0) == -1 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, command, state;
    if (stat >> pid_field >> command >> state && state == "Z") return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(ChildProgram, ReportsTheExitStatus) {
  EXPECT_EQ(concur::ChildProgram({"true"}).wait(), 0);
  EXPECT_EQ(concur::ChildProgram({"sh", "-c", "exit 3"}).wait(), 3);
}

TEST(ChildProgram, ASignalIs128PlusItsNumber) {
  EXPECT_EQ(concur::ChildProgram({"sh", "-c", "kill -KILL $$"}).wait(), 128 + SIGKILL);
}

TEST(ChildProgram, AProgramThatIsNotThereIsAnErrorNamingIt) {
  try {
    concur::ChildProgram({"concur-no-such-program"});
    FAIL() << "expected std::system_error";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run 'concur-no-such-program'"), std::string::npos) << e.what();
  }
}

TEST(ChildProgram, WaitForGivesUpAndStopEndsIt) {
  concur::ChildProgram child({"sleep", "30"});
  EXPECT_EQ(child.wait_for(20ms), std::nullopt);
  EXPECT_EQ(child.stop(), 128 + SIGTERM);
  EXPECT_TRUE(gone(child.pid()));
  EXPECT_EQ(child.wait(), 128 + SIGTERM);  // already ended: the same status again
}

TEST(ChildProgram, WaitForReturnsTheStatusOfOneThatEnded) {
  concur::ChildProgram child({"sh", "-c", "exit 5"});
  EXPECT_EQ(child.wait_for(10s), 5);
}

TEST(ChildProgram, StoppingAGroupStopsWhatItStarted) {
  const fs::path pid_file = temp_path("concur-child-group");
  fs::remove(pid_file);
  pid_t grandchild = 0;
  {
    concur::ChildProgram child({"sh", "-c", "sleep 30 & echo $! > \"$0\"; wait", pid_file.string()},
                               {.own_group = true});
    grandchild = read_pid(pid_file);
    ASSERT_GT(grandchild, 0);
    child.stop();
  }
  EXPECT_TRUE(gone(grandchild)) << "the sleep the child started outlived it";
  fs::remove(pid_file);
}

TEST(ChildProgram, DestroyingOneStillRunningStopsIt) {
  pid_t pid = 0;
  {
    concur::ChildProgram child({"sleep", "30"});
    pid = child.pid();
  }
  EXPECT_TRUE(gone(pid));
}

TEST(ChildProgram, OutputGoesToTheFileGiven) {
  const fs::path out = temp_path("concur-child-output");
  concur::ChildProgram child({"sh", "-c", "echo to-stdout; echo to-stderr >&2"}, {.output = out.string()});
  ASSERT_EQ(child.wait(), 0);
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("to-stdout"), std::string::npos) << text;
  EXPECT_NE(text.find("to-stderr"), std::string::npos) << text;
  fs::remove(out);
}

// Ctrl-C while a child runs: the child and what it started are stopped and reaped, the
// cleanup runs, the message is said, and the exit status is the one given.
std::string g_cleanup_marker;
void cleanup() {
  // Async-signal-safe: creates the marker file.
  const int fd = ::open(g_cleanup_marker.c_str(), O_CREAT | O_WRONLY, 0644);
  if (fd >= 0) ::close(fd);
}

TEST(OnInterrupt, StopsTheChildCleansUpAndExits) {
  const fs::path pid_file = temp_path("concur-interrupt-pid");
  g_cleanup_marker = temp_path("concur-interrupt-cleaned").string();
  fs::remove(pid_file);
  fs::remove(g_cleanup_marker);
  EXPECT_EXIT(
      {
        const concur::OnInterrupt on_ctrl_c("test interrupted", 130, cleanup);
        concur::ChildProgram child({"sh", "-c", "sleep 30 & echo $! > \"$0\"; wait", pid_file.string()},
                                   {.own_group = true});
        if (read_pid(pid_file) > 0) ::raise(SIGINT);
        std::this_thread::sleep_for(10s);  // not reached: the handler exits
      },
      ::testing::ExitedWithCode(130), "concur: test interrupted");
  const pid_t grandchild = read_pid(pid_file);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(gone(grandchild)) << "the child's own child outlived the interrupt";
  EXPECT_TRUE(fs::exists(g_cleanup_marker)) << "the cleanup did not run";
  fs::remove(pid_file);
  fs::remove(g_cleanup_marker);
}

TEST(OnInterrupt, WithoutAMessageCtrlCIsIgnoredAndRestoredAfter) {
  struct sigaction before {};
  ::sigaction(SIGINT, nullptr, &before);
  {
    const concur::OnInterrupt editor_decides(nullptr, 130);
    ::raise(SIGINT);  // ignored: we are still here
    struct sigaction now {};
    ::sigaction(SIGINT, nullptr, &now);
    EXPECT_EQ(now.sa_handler, SIG_IGN);
  }
  struct sigaction after {};
  ::sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

TEST(InterruptsBlocked, HoldsSigintUntilItEnds) {
  sigset_t pending;
  {
    const concur::InterruptsBlocked blocked;
    sigset_t mask;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    EXPECT_TRUE(::sigismember(&mask, SIGINT));
    EXPECT_TRUE(::sigismember(&mask, SIGTERM));
    EXPECT_FALSE(::sigismember(&blocked.before(), SIGINT));
  }
  sigset_t mask;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  EXPECT_FALSE(::sigismember(&mask, SIGINT));
  ::sigpending(&pending);
  EXPECT_FALSE(::sigismember(&pending, SIGINT));
}

}  // namespace
