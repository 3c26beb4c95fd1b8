// concur::mp::Process (fork start method): exit codes as Python reports them, join with a
// timeout, terminate and kill, and every child reaped.
#include <gtest/gtest.h>

#include <concur/mp/connection.hpp>
#include <concur/mp/process.hpp>

#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace {

using concur::mp::Process;

TEST(Process, ANormalExitIsZeroAndTheChildIsReaped) {
  Process p([] {}, "Quick");
  EXPECT_FALSE(p.pid().has_value());
  EXPECT_FALSE(p.is_alive());
  p.start();
  ASSERT_TRUE(p.pid().has_value());
  EXPECT_NE(*p.pid(), ::getpid());
  EXPECT_TRUE(p.join());
  EXPECT_FALSE(p.is_alive());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(p.describe_exit(), "exited with 0");
  EXPECT_EQ(p.name(), "Quick");
  EXPECT_EQ(concur::mp::live_children(), 0);
  EXPECT_EQ(::kill(*p.pid(), 0), -1);  // reaped: no such process any more
}

TEST(Process, ATargetThatThrowsExitsWithOne) {
  Process p([] { throw std::runtime_error("boom"); });
  p.start();
  p.join();
  EXPECT_EQ(p.exitcode(), 1);
}

TEST(Process, ChildMemoryIsACopy) {
  int value = 1;
  auto [reader, writer] = concur::mp::Pipe(false);
  Process p([&] {
    value = 99;  // changes the child's copy only
    writer.send(value);
  });
  p.start();
  EXPECT_EQ(reader.recv(), 99);
  p.join();
  EXPECT_EQ(value, 1);
}

TEST(Process, JoinWithATimeoutReturnsFalseWhileItRuns) {
  auto [reader, writer] = concur::mp::Pipe(false);
  Process p([&] { (void)reader.recv(); });  // waits for our word
  p.start();
  EXPECT_FALSE(p.join(0.05));
  EXPECT_TRUE(p.is_alive());
  EXPECT_FALSE(p.exitcode().has_value());
  EXPECT_EQ(p.describe_exit(), "running");
  writer.send("go");
  EXPECT_TRUE(p.join(30));
  EXPECT_EQ(p.exitcode(), 0);
}

TEST(Process, TerminateAndKillShowAsNegativeSignals) {
  Process sleeper([] { ::pause(); });
  sleeper.start();
  sleeper.terminate();
  sleeper.join();
  EXPECT_EQ(sleeper.exitcode(), -SIGTERM);
  EXPECT_EQ(sleeper.describe_exit(), "killed by SIGTERM");

  Process stubborn([] {
    ::signal(SIGTERM, SIG_IGN);
    ::pause();
  });
  stubborn.start();
  stubborn.kill();
  stubborn.join();
  EXPECT_EQ(stubborn.exitcode(), -SIGKILL);
  stubborn.terminate();  // after the end: no effect, no error
  EXPECT_EQ(stubborn.exitcode(), -SIGKILL);
}

TEST(Process, StartTwiceAndJoinBeforeStartAreErrors) {
  Process p([] {});
  EXPECT_THROW(p.join(), std::logic_error);
  p.start();
  EXPECT_THROW(p.start(), std::logic_error);
  p.join();
}

TEST(Process, DefaultNamesCountUp) {
  Process a([] {}), b([] {});
  EXPECT_EQ(a.name().rfind("Process-", 0), 0u);
  EXPECT_NE(a.name(), b.name());
}

TEST(Process, TheDestructorStopsAndReapsAChildStillRunning) {
  pid_t pid = 0;
  {
    Process p([] { ::pause(); });
    p.start();
    pid = *p.pid();
    EXPECT_EQ(concur::mp::live_children(), 1);
  }
  EXPECT_EQ(concur::mp::live_children(), 0);
  EXPECT_EQ(::kill(pid, 0), -1);
}

TEST(Process, TerminateAllStopsEveryChild) {
  Process a([] { ::pause(); }), b([] { ::pause(); });
  a.start();
  b.start();
  EXPECT_EQ(concur::mp::live_children(), 2);
  concur::mp::terminate_all_from_signal(1000);
  EXPECT_EQ(concur::mp::live_children(), 0);
  EXPECT_EQ(::kill(*a.pid(), 0), -1);
  EXPECT_EQ(::kill(*b.pid(), 0), -1);
  EXPECT_FALSE(a.is_alive());  // the objects see the end, without an exit code
  EXPECT_FALSE(b.exitcode().has_value());
}

TEST(Process, SignalNames) {
  EXPECT_EQ(concur::mp::signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(concur::mp::signal_name(SIGKILL), "SIGKILL");
}

}  // namespace
