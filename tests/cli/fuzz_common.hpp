// tests/cli/fuzz_common.hpp - what the fuzz and output tests share: running concur with
// a bounded wait and a chosen stdout, a scratch working directory, and the catalogue
// with every option's type and range (`concur list --json`).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace concur::test {

// What a bounded run of concur did.
struct Ran {
  int exit_code = -1;  // -1 when a signal ended it
  int signal = 0;
  bool timed_out = false;  // killed by us after the time allowed
  double seconds = 0;
  std::string out, err;
};

// Where the child's stdout goes: a pipe read into Ran::out, nowhere, /dev/full, or the
// file "stdout.txt" in the working directory (as `> stdout.txt` would).
enum class Stdout { pipe, closed, full, file };

// Runs concur with `args` in the current directory; kills it (and its process group)
// after `timeout_s`. stdin is /dev/null.
inline Ran run_bounded(const std::vector<std::string>& args, double timeout_s, Stdout mode = Stdout::pipe) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    ::setpgid(0, 0);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    if (mode == Stdout::pipe) ::dup2(out[1], 1);
    if (mode == Stdout::closed) ::close(1);
    if (mode == Stdout::full) ::dup2(::open("/dev/full", O_WRONLY), 1);
    if (mode == Stdout::file) ::dup2(::open("stdout.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
    ::dup2(err[1], 2);
    std::vector<std::string> copy = args;
    std::string bin = CONCUR_BIN;
    std::vector<char*> argv{bin.data()};
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  Ran r;
  std::vector<std::pair<int, std::string*>> fds{{out[0], &r.out}, {err[0], &r.err}};
  const auto deadline = start + std::chrono::duration<double>(timeout_s);
  while (!fds.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(-child, SIGKILL);
      ::kill(child, SIGKILL);
      break;
    }
    read_some(fds, static_cast<int>(left.count()));
  }
  for (auto& [fd, _] : fds) ::close(fd);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  // Killed by us: its children died with its process group and, if this process is a
  // subreaper, are ours to reap now.
  for (int tries = 0; r.timed_out && tries < 200; ++tries) {
    const pid_t pid = ::waitpid(-1, nullptr, WNOHANG);
    if (pid < 0) break;  // no child left
    if (pid == 0) ::usleep(10'000);
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

// "concur race --threads ''": the command line as a shell would take it back.
inline std::string command_line(const std::vector<std::string>& args) {
  std::string line = "concur";
  for (const std::string& a : args) {
    const bool plain = !a.empty() && a.find_first_of(" '\"\\$`*?;&|<>()") == std::string::npos;
    line += " " + (plain ? a : "'" + a + "'");
  }
  return line;
}

// The lines of a text (a last line without '\n' counts).
inline int line_count(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n + (!text.empty() && text.back() != '\n');
}

// A fresh empty directory made the working directory for the test, removed after it.
class ScratchCwd {
 public:
  ScratchCwd() {
    std::string pattern = (std::filesystem::temp_directory_path() / "concur-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    before_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_);
  }
  ~ScratchCwd() {
    std::error_code ec;
    std::filesystem::current_path(before_, ec);
    std::filesystem::remove_all(dir_, ec);
  }
  const std::filesystem::path& dir() const { return dir_; }
  // The names in the directory now.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) names.push_back(e.path().filename());
    return names;
  }

 private:
  std::filesystem::path dir_, before_;
};

// The catalogue as `concur list --json` gives it, with every option's type and range.
inline nlohmann::json catalogue() {
  const Ran r = run_bounded({"list", "--json"}, 30);
  if (r.exit_code != 0) throw std::runtime_error("concur list --json failed: " + r.err);
  return nlohmann::json::parse(r.out);
}

}  // namespace concur::test
