// Fault injection: a child of a run is killed with SIGKILL at a random (seeded) moment.
// Whatever it was doing, concur must end within a bounded time (never wait forever for
// the dead child), say what happened when it fails, and leave nothing behind. And when
// concur itself is killed, its children die with it.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nothing_left.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The processes whose parent is `pid`, from /proc.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> found;
  if (DIR* d = ::opendir("/proc")) {
    while (const dirent* e = ::readdir(d)) {
      const pid_t p = static_cast<pid_t>(std::atoi(e->d_name));
      if (p <= 0) continue;
      std::ifstream stat(fmt::format("/proc/{}/stat", p));
      std::string line;
      if (!std::getline(stat, line)) continue;
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const std::size_t close = line.rfind(')');
      if (close == std::string::npos) continue;
      char state = 0;
      int ppid = 0;
      if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == pid && state != 'Z')
        found.push_back(p);
    }
    ::closedir(d);
  }
  return found;
}

// True when `pid` is a fork server: the concur binary run again with the server's command
// as its first argument. (Its children share its command line, so ask only of a child of
// concur itself.)
bool runs_fork_server(pid_t pid) {
  std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid));
  std::string program, first;
  return std::getline(cmdline, program, '\0') && std::getline(cmdline, first, '\0') && first == "__concur-forkserver";
}

// Its children and theirs: under forkserver the example's processes are the fork
// server's children, not concur's.
std::vector<pid_t> descendants_of(pid_t pid) {
  std::vector<pid_t> all = children_of(pid);
  for (std::size_t i = 0; i < all.size(); ++i)
    for (pid_t grandchild : children_of(all[i])) all.push_back(grandchild);
  return all;
}

struct Faulted {
  int status = 0;            // waitpid status of concur
  bool hung = false;         // still running at the limit (then killed)
  pid_t victim = 0;          // the child killed (0: none was running to kill)
  std::string output;        // stdout and stderr
};

// Runs concur with `args` (output to a file), kills one of its children `delay` after the
// first child appears (the child chosen by `rng`), and waits at most `limit` for concur.
Faulted run_and_kill(const std::vector<std::string>& args, std::mt19937& rng, std::chrono::milliseconds delay,
                     bool workers_only = false, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const fs::path out = fs::temp_directory_path() / fmt::format("concur-faults-{}.out", ::getpid());
  const pid_t pid = start_concur(args, out.string(), out.string());
  Faulted f;
  const auto start = Clock::now();
  std::optional<Clock::time_point> kill_at;
  for (;;) {
    const pid_t r = ::waitpid(pid, &f.status, WNOHANG);
    if (r == pid) break;
    const auto now = Clock::now();
    if (now - start > limit) {
      f.hung = true;
      for (pid_t c : children_of(pid)) ::kill(c, SIGKILL);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &f.status, 0);
      break;
    }
    if (f.victim == 0) {
      std::vector<pid_t> kids = descendants_of(pid);
      // workers_only: not the fork server. Before it has forked a worker it has no
      // children, so it is known by its command line too.
      if (workers_only) {
        const std::vector<pid_t> direct = children_of(pid);
        std::erase_if(kids, [&](pid_t k) {
          return !children_of(k).empty() ||
                 (std::find(direct.begin(), direct.end(), k) != direct.end() && runs_fork_server(k));
        });
      }
      if (!kids.empty() && !kill_at) kill_at = now + delay;
      if (!kids.empty() && kill_at && now >= *kill_at) {
        // workers_only: the first one started (the lowest pid); else any, by the seed.
        f.victim = workers_only ? *std::min_element(kids.begin(), kids.end())
                                : kids[std::uniform_int_distribution<std::size_t>(0, kids.size() - 1)(rng)];
        ::kill(f.victim, SIGKILL);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  f.output = file_text(out.string());
  fs::remove(out);
  // A fork-server child whose server was killed is re-parented to us (the test is a
  // subreaper), not to concur, and dies with its server: reap those, for a few seconds;
  // anything still alive after that is reported by the fixture.
  const auto until = Clock::now() + std::chrono::seconds(3);
  for (int status = 0; ::waitpid(-1, &status, WNOHANG) >= 0 && Clock::now() < until;)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return f;
}

std::uint32_t seed_from_env() {
  if (const char* s = std::getenv("CONCUR_FAULT_SEED")) return static_cast<std::uint32_t>(std::strtoul(s, nullptr, 10));
  return std::random_device{}();
}

class Faults : public NothingLeftBehind, public ::testing::WithParamInterface<std::tuple<std::string, std::string>> {};

// Every example that starts processes, each start method: concur ends (0 when the killed
// child's part was already done, 1 with the failure said), is never killed by a signal
// and never hangs, and leaves no process and no shared memory behind.
TEST_P(Faults, AKilledChildEndsTheRunCleanly) {
  const auto& [example, method] = GetParam();
  const std::uint32_t seed = seed_from_env();
  std::mt19937 rng(seed);
  const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 40)(rng));
  // start-methods has a variant per method instead of the option.
  std::vector<std::string> args = {example, example == "start-methods" ? "--variant" : "--start-method", method,
                                   "--no-timeline"};
  const Faulted f = run_and_kill(args, rng, delay);
  const std::string what = fmt::format("concur {} --start-method {} with a child killed after {} ms (CONCUR_FAULT_SEED={}), "
                                       "victim pid {}:\n{}", example, method, delay.count(), seed, f.victim, f.output);
  ASSERT_FALSE(f.hung) << "still running 30 s after the kill: " << what;
  ASSERT_TRUE(WIFEXITED(f.status)) << "concur itself died of signal " << WTERMSIG(f.status) << ": " << what;
  const int code = WEXITSTATUS(f.status);
  EXPECT_TRUE(code == 0 || code == 1) << "exit status " << code << ": " << what;
  if (code == 1) {
    // Failing, it says why: a failed check or an error line (often naming the dead child).
    EXPECT_TRUE(f.output.find("✗") != std::string::npos || f.output.find("error") != std::string::npos ||
                f.output.find(fmt::format("pid {}", f.victim)) != std::string::npos)
        << "failed without saying why: " << what;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryProcessExample, Faults,
    ::testing::Combine(::testing::Values("multiprocessing", "pipe", "process-queue", "custom-manager", "executors",
                                         "manager", "pool", "primes", "process-lock", "process-race", "shared-struct",
                                         "shared-value", "gil", "hybrid", "isolation", "sentinel", "terminate",
                                         "process-semaphore", "safe-print", "barrier", "start-methods"),
                       ::testing::Values("fork", "spawn", "forkserver")),
    [](const auto& info) {
      std::string name = std::get<0>(info.param) + "_" + std::get<1>(info.param);
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

class DeadConsumer : public NothingLeftBehind, public ::testing::WithParamInterface<std::string> {};

// The case: a consumer killed mid-stream. Its items will never be marked done, so
// the parent's join() would wait forever; instead the run fails at once, naming it.
TEST_P(DeadConsumer, FailsTheRunNamingTheDeadConsumer) {
  std::mt19937 rng(seed_from_env());
  const std::vector<std::string> args = {"process-queue", "--items", "100000", "--consumers", "1", "--producers", "1",
                                         "--start-method", GetParam(), "--quiet"};
  // The victim is the first worker started: the consumer (process-queue starts the
  // consumers first).
  const Faulted f = run_and_kill(args, rng, std::chrono::milliseconds(30), true);
  ASSERT_NE(f.victim, 0) << "no child ran to be killed: " << f.output;
  ASSERT_FALSE(f.hung) << f.output;
  ASSERT_TRUE(WIFEXITED(f.status)) << f.output;
  EXPECT_EQ(WEXITSTATUS(f.status), 1) << f.output;
  EXPECT_NE(f.output.find(fmt::format("(pid {}) ", f.victim)), std::string::npos)
      << "the error names the dead process (pid " << f.victim << "): " << f.output;
}

INSTANTIATE_TEST_SUITE_P(EveryStartMethod, DeadConsumer, ::testing::Values("fork", "spawn", "forkserver"));

// Orphans: concur killed with SIGKILL mid-run takes its children with it, whichever way
// they were started. As a subreaper, the test inherits any that survive.
class KilledParent : public ::testing::TestWithParam<std::string> {};

// Runs process-queue, kills concur alone once it has `wanted` descendants, and says how
// many of them were still running 5 s later.
std::size_t left_running_after_kill(const std::string& method, std::size_t wanted, bool poll_closely) {
  EXPECT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  const pid_t pid = start_concur({"process-queue", "--items", "100000", "--start-method", method}, "/dev/null",
                                 "/dev/null");
  const auto start = Clock::now();
  while (descendants_of(pid).size() < wanted && Clock::now() - start < std::chrono::seconds(10))
    if (!poll_closely) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::vector<pid_t> kids = descendants_of(pid);
  EXPECT_GE(kids.size(), 1u) << "concur started no child within 10 s";
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Every descendant ends within a few seconds; reap them as they come to us.
  std::set<pid_t> left;
  const auto until = Clock::now() + std::chrono::seconds(5);
  for (;;) {
    while (::waitpid(-1, &status, WNOHANG) > 0) {
    }
    left.clear();
    for (pid_t k : kids)
      if (::kill(k, 0) == 0) left.insert(k);
    for (pid_t k : children_of(::getpid())) left.insert(k);
    if (left.empty() || Clock::now() > until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (pid_t k : left) ::kill(k, SIGKILL);
  while (::waitpid(-1, &status, WNOHANG) > 0) {
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  return left.size();
}

TEST_P(KilledParent, LeavesNoChildRunning) {
  EXPECT_EQ(left_running_after_kill(GetParam(), 3, false), 0u) << "children of the killed concur still running 5 s later";
}

// Killed the moment its first child exists: a spawned child (or the fork server) is then
// usually still loading, before it has armed its death signal.
TEST_P(KilledParent, LeavesNoChildRunningWhenKilledAsTheFirstStarts) {
  for (int round = 0; round < 3; ++round)
    EXPECT_EQ(left_running_after_kill(GetParam(), 1, true), 0u) << "round " << round;
}

INSTANTIATE_TEST_SUITE_P(EveryStartMethod, KilledParent, ::testing::Values("fork", "spawn", "forkserver"));

}  // namespace
}  // namespace concur::test
