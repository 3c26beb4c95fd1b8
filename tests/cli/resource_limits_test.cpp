// Exhausted resources: concur run under a resource limit (address space, file size,
// descriptors) fails with one clear line and exit status 1, never hangs, never dies of a
// signal, and leaves nothing behind. (A low RLIMIT_NPROC does not bind root, who runs
// CI; the address-space limit makes thread creation fail the same way.)
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
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

struct Limited {
  int status = 0;
  bool hung = false;
  std::string out, err;
};

// Runs concur with `args` under setrlimit(resource, value), stdout and stderr to files.
Limited run_limited(int resource, rlim_t value, const std::vector<std::string>& args) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("concur-limits-{}", ::getpid());
  fs::create_directories(dir);
  const fs::path out = dir / "out", err = dir / "err";
  const pid_t pid = start_concur(args, out.string(), err.string(), [&] {
    const rlimit lim{value, value};
    if (::setrlimit(resource, &lim) != 0) ::_exit(126);
  });
  Limited r;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (::waitpid(pid, &r.status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > until) {
      r.hung = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &r.status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.out = file_text(out.string());
  r.err = file_text(err.string());
  fs::remove_all(dir);
  return r;
}

class ResourceLimits : public NothingLeftBehind {
 protected:
  // Exit 1 with `phrase` in what it printed, not a hang or a signal.
  static void expect_clean_failure(const Limited& r, const std::string& phrase) {
    ASSERT_FALSE(r.hung) << "still running after 60 s:\n" << r.out << r.err;
    ASSERT_TRUE(WIFEXITED(r.status)) << "died of signal " << WTERMSIG(r.status) << ":\n" << r.out << r.err;
    EXPECT_EQ(WEXITSTATUS(r.status), 1) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find(phrase), std::string::npos) << "expected '" << phrase << "' in:\n" << r.out << r.err;
  }
};

constexpr rlim_t kSmallAddressSpace = 150'000'000;  // bytes: room for a few dozen thread stacks

// A worker that cannot start used to unwind into joining workers blocked on the queue.
TEST_F(ResourceLimits, ThreadsThatCannotStartEndTheRunWithoutAHang) {
  expect_clean_failure(run_limited(RLIMIT_AS, kSmallAddressSpace, {"queue-pool", "--workers", "64", "--quiet"}),
                       "cannot start thread");
}

// The scraper's local server used to abort in std::terminate here.
TEST_F(ResourceLimits, TheScraperOutOfThreadsSaysSoInsteadOfAborting) {
  expect_clean_failure(
      run_limited(RLIMIT_AS, kSmallAddressSpace, {"scraper", "--urls", "64", "--workers", "64", "--quiet"}),
      "cannot start");
}

// Over the file-size limit, writes fail (EFBIG) instead of SIGXFSZ killing the process.
TEST_F(ResourceLimits, AFileSizeLimitIsAnErrorNotASignal) {
  expect_clean_failure(run_limited(RLIMIT_FSIZE, 1024, {"process-queue", "--items", "2000"}), "File too large");
  expect_clean_failure(run_limited(RLIMIT_FSIZE, 1024, {"queue-pool", "--tasks", "200", "--work", "0"}),
                       "could not write the output to stdout: File too large");
}

// A full disk under stdout: lists, lessons and narration alike end with exit status 1
// and say the output is incomplete.
TEST_F(ResourceLimits, AFullStdoutIsAnError) {
  const std::string err = (fs::temp_directory_path() / fmt::format("concur-full-{}.err", ::getpid())).string();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"list", "--json"}, {"lesson", "race"}, {"race", "--quiet"}}) {
    const pid_t pid = start_concur(args, "/dev/full", err);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << args[0];
    EXPECT_EQ(WEXITSTATUS(status), 1) << args[0];
    EXPECT_NE(file_text(err).find("could not write the output to stdout"), std::string::npos) << args[0] << ": "
                                                                                               << file_text(err);
  }
  fs::remove(err);
}

TEST_F(ResourceLimits, OutOfDescriptorsIsAnError) {
  expect_clean_failure(run_limited(RLIMIT_NOFILE, 12, {"process-queue"}), "Too many open files");
}

}  // namespace
}  // namespace concur::test
