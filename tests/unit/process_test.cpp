// concur::mp::Process (fork start method): exit codes as Python reports them, join with a
// timeout, terminate and kill, and every child reaped.
#include <gtest/gtest.h>

#include <concur/mp/connection.hpp>
#include <concur/mp/entry.hpp>
#include <concur/mp/process.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace {

using concur::mp::Process;
using concur::mp::StartMethod;
using concur::mp::Target;

// Entries a spawned child can run: registered by name, as the child knows nothing else.
void reply_square(const nlohmann::json& args, std::vector<concur::detail::Fd> fds) {
  concur::mp::Connection out(std::move(fds.at(0)), false, true);
  const int n = args.at("n");
  out.send({{"square", n * n}, {"pid", ::getpid()}});
}
CONCUR_ENTRY(reply_square);

void exit_with(const nlohmann::json& args, std::vector<concur::detail::Fd>) { ::_exit(args.at("code").get<int>()); }
CONCUR_ENTRY(exit_with);

void fail_loudly(const nlohmann::json&, std::vector<concur::detail::Fd>) { throw std::runtime_error("entry failed"); }
CONCUR_ENTRY(fail_loudly);

void count_fds(const nlohmann::json&, std::vector<concur::detail::Fd> fds) {
  // Reports which descriptors the child has open besides 0-2 and the ones it was given.
  concur::mp::Connection out(std::move(fds.at(0)), false, true);
  int extra = 0;
  for (int fd = 4; fd < 1024; ++fd)  // 3 carried the spawn hand-over, over anything inherited there
    if (fd != out.fileno() && ::fcntl(fd, F_GETFD) != -1) ++extra;
  out.send(extra);
}
CONCUR_ENTRY(count_fds);

class ProcessEveryStartMethod : public ::testing::TestWithParam<StartMethod> {};

TEST_P(ProcessEveryStartMethod, AnEntryRunsWithItsArgumentsAndDescriptors) {
  auto [reader, writer] = concur::mp::Pipe(false);
  Process p(Target{"reply_square", {{"n", 12}}, {writer.fileno()}}, "Squarer", GetParam());
  EXPECT_EQ(p.start_method(), GetParam());
  p.start();
  writer.close();  // the child has its own copy now
  const nlohmann::json answer = reader.recv();
  EXPECT_EQ(answer["square"], 144);
  EXPECT_EQ(answer["pid"], *p.pid());
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_THROW((void)reader.recv(), concur::mp::EOFError);  // no other writer is left
}

TEST_P(ProcessEveryStartMethod, ExitCodesAndExceptions) {
  Process exits(Target{"exit_with", {{"code", 7}}}, "", GetParam());
  exits.start();
  exits.join();
  EXPECT_EQ(exits.exitcode(), 7);
  Process throws(Target{"fail_loudly"}, "", GetParam());
  throws.start();
  throws.join();
  EXPECT_EQ(throws.exitcode(), 1);
}

TEST_P(ProcessEveryStartMethod, AnUnknownEntryIsRefusedBeforeAnythingStarts) {
  Process p(Target{"no_such_entry"}, "", GetParam());
  EXPECT_THROW(p.start(), std::invalid_argument);
  EXPECT_FALSE(p.pid().has_value());
}

TEST_P(ProcessEveryStartMethod, TheChildInheritsNoStrayDescriptors) {
  auto [reader, writer] = concur::mp::Pipe(false);
  auto [spare_a, spare_b] = concur::mp::Pipe();  // open in the parent, not handed over
  Process p(Target{"count_fds", {}, {writer.fileno()}}, "", GetParam());
  p.start();
  writer.close();
  const int extra = reader.recv();
  p.join();
  // What the test process itself inherited without close-on-exec (a shell or CI runner
  // may leave some open) passes on to any child; nothing of ours may.
  int inheritable = 0;
  for (int fd = 4; fd < 1024; ++fd)
    if (const int flags = ::fcntl(fd, F_GETFD); flags != -1 && (flags & FD_CLOEXEC) == 0) ++inheritable;
  if (GetParam() != StartMethod::fork) {
    // spawn: exec closed every close-on-exec descriptor; forkserver: the server is such
    // an exec, and closes its own descriptors in each child it forks.
    EXPECT_EQ(extra, inheritable);
  } else {
    // fork copies every descriptor, the spare pair too; a forked child that runs an
    // entry then closes all it was not handed, even what the test process inherited.
    EXPECT_EQ(extra, 0);
  }
}

void sleep_forever(const nlohmann::json&, std::vector<concur::detail::Fd>) {
  for (;;) ::pause();
}
CONCUR_ENTRY(sleep_forever);

TEST_P(ProcessEveryStartMethod, TerminateAndJoinWithTimeout) {
  Process p(Target{"sleep_forever"}, "Sleeper", GetParam());
  p.start();
  EXPECT_FALSE(p.join(0.02));
  EXPECT_TRUE(p.is_alive());
  p.terminate();
  EXPECT_TRUE(p.join(30));
  EXPECT_EQ(p.exitcode(), -SIGTERM);
  EXPECT_EQ(p.describe_exit(), "killed by SIGTERM");
}

TEST_P(ProcessEveryStartMethod, TheSentinelBecomesReadableWhenTheChildEnds) {
  Process p(Target{"sleep_forever"}, "Sleeper", GetParam());
  EXPECT_EQ(p.sentinel(), -1);
  p.start();
  ASSERT_GE(p.sentinel(), 0);
  EXPECT_FALSE(concur::detail::wait_readable(p.sentinel(), 20));
  p.kill();
  EXPECT_TRUE(concur::detail::wait_readable(p.sentinel(), 30'000));
  EXPECT_TRUE(p.join(30));
  EXPECT_EQ(p.sentinel(), -1);  // reaped: nothing left to watch
  EXPECT_EQ(p.exitcode(), -SIGKILL);
}

// The manager demo's hang under fault injection: a worker killed while the others wait for
// it at a barrier. The parent joins the dead one first (and sees its end); joining the next
// must still fail, naming the dead one, since that child was running when it died.
TEST_P(ProcessEveryStartMethod, AJoinFailsOnAChildThatDiedWhileItRan) {
  Process victim(Target{"sleep_forever"}, "Victim", GetParam());
  Process waiter(Target{"sleep_forever"}, "Waiter", GetParam());
  victim.start();
  waiter.start();
  ASSERT_EQ(::kill(*victim.pid(), SIGKILL), 0);  // not through the object: unexpected
  EXPECT_TRUE(victim.join(30));
  EXPECT_EQ(victim.exitcode(), -SIGKILL);
  try {
    waiter.join();
    ADD_FAILURE() << "the join of a child that may wait for a dead one returned";
  } catch (const concur::mp::PeerDiedError& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("Victim (pid {}) was killed by SIGKILL", *victim.pid())),
              std::string::npos)
        << e.what();
  }
  waiter.kill();
  EXPECT_TRUE(waiter.join(30));
}

// But a child whose end was seen before another started cannot be what the other waits
// for: exit code 7, joined, is not a dead peer of the next child (waits of three slices).
TEST_P(ProcessEveryStartMethod, AChildSeenEndedBeforeAnotherStartedIsNotItsDeadPeer) {
  Process exits(Target{"exit_with", {{"code", 7}}}, "Seven", GetParam());
  exits.start();
  EXPECT_TRUE(exits.join(30));
  Process sleeper(Target{"sleep_forever"}, "Sleeper", GetParam());
  sleeper.start();
  EXPECT_NO_THROW(EXPECT_FALSE(sleeper.join(0.15)));
  sleeper.kill();
  EXPECT_TRUE(sleeper.join(30));
}

INSTANTIATE_TEST_SUITE_P(StartMethods, ProcessEveryStartMethod, ::testing::Values(StartMethod::fork, StartMethod::spawn, StartMethod::forkserver),
                         [](const auto& info) { return std::string(concur::mp::to_string(info.param)); });

TEST(Process, ANormalExitIsZeroAndTheChildIsReaped) {
  const int before = concur::mp::live_children();  // a fork server may be running
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
  EXPECT_EQ(concur::mp::live_children(), before);
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
  const int before = concur::mp::live_children();
  {
    Process p([] { ::pause(); });
    p.start();
    pid = *p.pid();
    EXPECT_EQ(concur::mp::live_children(), before + 1);
  }
  EXPECT_EQ(concur::mp::live_children(), before);
  EXPECT_EQ(::kill(pid, 0), -1);
}

TEST(Process, TerminateAllStopsEveryChild) {
  Process a([] { ::pause(); }), b([] { ::pause(); });
  const int before = concur::mp::live_children();
  a.start();
  b.start();
  EXPECT_EQ(concur::mp::live_children(), before + 2);
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

namespace {

namespace mp = concur::mp;

TEST(StartMethods, SetOnceForTheProgramOrPerUseThroughAContext) {
  mp::reset_start_method();
  EXPECT_EQ(mp::get_start_method(), StartMethod::fork);
  mp::set_start_method(StartMethod::spawn);
  EXPECT_THROW(mp::set_start_method(StartMethod::fork), std::runtime_error);
  EXPECT_EQ(mp::get_start_method(), StartMethod::spawn);
  Process by_default(Target{"exit_with", {{"code", 0}}});
  EXPECT_EQ(by_default.start_method(), StartMethod::spawn);
  const mp::Context ctx = mp::get_context(StartMethod::forkserver);
  Process by_context = ctx.Process(Target{"exit_with", {{"code", 0}}});
  EXPECT_EQ(by_context.start_method(), StartMethod::forkserver);
  EXPECT_EQ(mp::get_start_method(), StartMethod::spawn);  // the context left the program's alone
  mp::set_start_method(StartMethod::forkserver, /*force=*/true);
  EXPECT_EQ(mp::get_start_method(), StartMethod::forkserver);
  mp::reset_start_method();
}

}  // namespace
