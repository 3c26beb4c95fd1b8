#include "run_cli.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <cstdlib>
#include <stdexcept>

namespace concur::test {
namespace {

[[noreturn]] void exec_child(const std::vector<std::string>& args, const CliOptions& options) {
  for (const auto& [name, value] : options.env) {
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
  std::vector<char*> argv;
  std::string bin = options.binary.empty() ? std::string(CONCUR_BIN) : options.binary;
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(bin.c_str(), argv.data());
  ::_exit(127);
}

// Reads every fd until all reach end of file; sends SIGINT once the marker is seen.
void drain(pid_t child, std::vector<std::pair<int, std::string*>> fds, const CliOptions& options, int terminal = -1) {
  const std::string& marker = options.interrupt_after;
  bool interrupted = marker.empty();
  std::size_t next_action = 0;
  std::size_t seen_from = 0;  // where the next action's text is looked for
  std::size_t next_keys = 0;
  std::size_t keys_from = 0;  // where the next keys' text is looked for
  while (!fds.empty()) {
    for (std::string* grew : read_some(fds, -1)) {
      while (terminal >= 0 && next_keys < options.type_when_seen.size()) {
        const auto& [text, keys] = options.type_when_seen[next_keys];
        const std::size_t at = grew->find(text, keys_from);
        if (at == std::string::npos) break;
        keys_from = at + text.size();
        if (::write(terminal, keys.data(), keys.size()) != static_cast<ssize_t>(keys.size()))
          throw std::runtime_error("could not type into the terminal");
        ++next_keys;
      }
      while (next_action < options.when_seen.size()) {
        const std::size_t at = grew->find(options.when_seen[next_action].first, seen_from);
        if (at == std::string::npos) break;
        seen_from = at + options.when_seen[next_action].first.size();
        options.when_seen[next_action++].second();
      }
      if (!interrupted && grew->find(marker) != std::string::npos) {
        if (options.on_marker) options.on_marker(*grew);
        ::kill(child, SIGINT);
        interrupted = true;
      }
    }
  }
}

CliResult finish(pid_t child, CliResult r) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace

std::vector<std::string*> read_some(std::vector<std::pair<int, std::string*>>& fds, int timeout_ms) {
  std::vector<pollfd> polls;
  for (auto& [fd, _] : fds) polls.push_back({fd, POLLIN, 0});
  std::vector<std::string*> grew;
  if (::poll(polls.data(), polls.size(), timeout_ms) < 0) {
    if (errno == EINTR) return grew;
    throw std::runtime_error("poll failed");
  }
  for (std::size_t i = polls.size(); i-- > 0;) {
    if (polls[i].revents == 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fds[i].first, buf, sizeof buf);
    if (n > 0) {
      fds[i].second->append(buf, static_cast<std::size_t>(n));
      grew.push_back(fds[i].second);
    } else if (!(n < 0 && errno == EINTR)) {
      ::close(fds[i].first);  // end of file (or EIO: a pty whose child has gone)
      fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  return grew;
}

pid_t start_concur(const std::vector<std::string>& args, const std::string& out, const std::string& err,
                   const std::function<void()>& in_child) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = err == out ? ::dup(o) : ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0) ::_exit(126);
    ::close(o);
    ::close(e);
    if (in_child) in_child();
    exec_child(args, {});
  }
  if (pid < 0) throw std::runtime_error("fork failed");
  return pid;
}

CliResult run_concur(const std::vector<std::string>& args, const CliOptions& options) {
  CliResult r;
  if (options.terminal) {
    int master = -1;
    winsize ws{};
    ws.ws_col = options.columns;
    ws.ws_row = options.rows;
    const pid_t child = ::forkpty(&master, nullptr, nullptr, &ws);
    if (child < 0) throw std::runtime_error("forkpty failed");
    if (child == 0) exec_child(args, options);
    drain(child, {{master, &r.out}}, options, master);
    return finish(child, std::move(r));
  }
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    exec_child(args, options);
  }
  ::close(out[1]);
  ::close(err[1]);
  drain(child, {{out[0], &r.out}, {err[0], &r.err}}, options);
  return finish(child, std::move(r));
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace concur::test
