// The forkserver start method. A server process, started once as a fresh exec of this
// binary (so it has a single thread, whatever the parent has), forks each child on
// request. The request carries the child's entry and arguments and, with SCM_RIGHTS,
// the descriptors it is handed. The server is the child's real parent: it reaps it and
// reports the exit code through a status pipe whose read end it hands back at start.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>

#include "concur/core/actor.hpp"
#include "concur/mp/connection.hpp"
#include "concur/mp/process.hpp"
#include "spawn.hpp"

namespace concur::mp {
namespace {

// The client side: one server per process, started on first use.
class ForkServerClient {
 public:
  void ensure_running() {
    std::lock_guard guard(mu_);
    if (!conn_) launch();
  }

  ServedChild start(const Target& target, const std::string& name) {
    std::lock_guard guard(mu_);
    if (!conn_) launch();
    try {
      return ask(target, name);
    } catch (const std::system_error&) {
    } catch (const EOFError&) {
    }
    // The server is gone (stopped by an interrupt handler, or killed): start a new one.
    stop();
    launch();
    return ask(target, name);
  }

  ~ForkServerClient() {
    std::lock_guard guard(mu_);
    stop();
  }

 private:
  ServedChild ask(const Target& target, const std::string& name) {
    conn_->send(start_order(target, name));
    send_fds(conn_->fileno(), target.fds);
    const nlohmann::json reply = conn_->recv();
    if (reply.contains("error")) throw std::runtime_error("fork server: " + reply["error"].get<std::string>());
    std::vector<detail::Fd> status = receive_fds(conn_->fileno(), 1);
    return {reply["pid"].get<pid_t>(), std::move(status.at(0))};
  }

  // Closing our end tells the server to finish: it ends its children and exits.
  void stop() {
    if (!conn_) return;
    conn_.reset();
    int status = 0;
    detail::retry_eintr([&] { return ::waitpid(server_pid_, &status, 0); });
    unregister_child(server_pid_);
  }

  void launch() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) detail::throw_errno("socketpair");
    detail::Fd mine(sv[0]), theirs(sv[1]);
    {
      const InterruptsBlocked no_interrupt_until_registered;
      server_pid_ = exec_self(kForkServerCommand.data(), theirs.get());
      register_child(server_pid_);  // Ctrl-C stops it too (and it stops its children)
    }
    theirs.reset();  // only the server holds that end now: if it dies, we read end of file
    conn_.emplace(std::move(mine), true, true);
    conn_->set_readahead(false);  // a status descriptor follows each reply
    (void)conn_->recv();  // "ready": the server has loaded and waits for requests
  }

  std::mutex mu_;
  std::optional<Connection> conn_;  // guarded by mu_
  pid_t server_pid_ = -1;           // guarded by mu_
};

ForkServerClient& client() {
  static ForkServerClient c;
  return c;
}

}  // namespace

ServedChild forkserver_child(const Target& target, const std::string& name) {
  if (find_entry(target.entry) == nullptr)
    throw std::invalid_argument(fmt::format("no process entry named '{}' (register it with CONCUR_ENTRY)", target.entry));
  return client().start(target, name);
}

void ensure_forkserver_running() { client().ensure_running(); }

void run_forkserver(int socket) {
  // SIGCHLD (a child ended) and SIGTERM (stop) arrive as readable data on a signalfd,
  // so the loop below has one place to wait: poll.
  sigset_t handled, old;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGTERM);
  sigprocmask(SIG_BLOCK, &handled, &old);
  detail::Fd signals(::signalfd(-1, &handled, SFD_CLOEXEC));
  Connection client(detail::Fd(socket), true, true);
  client.set_readahead(false);  // descriptors follow each order on this socket
  // Named once here, so each child only renames itself (see Process::start).
  set_current_actor("ForkServer");
  client.send({{"ready", ::getpid()}});
  std::map<pid_t, detail::Fd> status_of;  // the write end of each live child's status pipe

  auto reap = [&](int options) {
    for (;;) {
      int status = 0;
      const pid_t pid = detail::retry_eintr([&] { return ::waitpid(-1, &status, options); });
      if (pid <= 0) return;
      if (auto it = status_of.find(pid); it != status_of.end()) {
        const std::int32_t code = exit_code_of(status);
        try {
          detail::write_all(it->second.get(), &code, sizeof code);
        } catch (const std::exception&) {
          // The client closed its read end: nobody is waiting for this code.
        }
        status_of.erase(it);
      }
    }
  };
  auto finish = [&] {
    for (auto& [pid, fd] : status_of) ::kill(pid, SIGTERM);
    while (!status_of.empty()) reap(0);
    ::_exit(0);
  };

  for (;;) {
    pollfd polls[2] = {{client.fileno(), POLLIN, 0}, {signals.get(), POLLIN, 0}};
    detail::retry_eintr([&] { return ::poll(polls, 2, -1); });
    if (polls[1].revents != 0) {
      signalfd_siginfo info{};
      detail::read_exact(signals.get(), &info, sizeof info);
      if (info.ssi_signo == SIGTERM) finish();
      reap(WNOHANG);
    }
    if (polls[0].revents == 0) continue;
    nlohmann::json order;
    std::vector<detail::Fd> fds;
    try {
      order = client.recv();
      fds = receive_fds(client.fileno(), order["fds"].get<std::size_t>());
    } catch (const std::exception&) {
      finish();  // the client is gone (EOF) or speaks nonsense: end everything
    }
    int status_pipe[2];
    if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
      client.send({{"error", "pipe2 failed"}});
      continue;
    }
    detail::Fd status_read(status_pipe[0]), status_write(status_pipe[1]);
    const pid_t server = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      // The child: dies with the server (which dies with the run), none of the server's
      // descriptors, the normal signal mask, then the entry.
      die_with_parent(server, true);
      client.close();
      signals.reset();
      status_read.reset();
      status_write.reset();
      for (auto& [other, fd] : status_of) fd.reset();
      sigprocmask(SIG_SETMASK, &old, nullptr);
      ::_exit(run_order(order, std::move(fds)));
    }
    if (pid < 0) {
      client.send({{"error", "fork failed"}});
      continue;
    }
    status_of.emplace(pid, std::move(status_write));
    client.send({{"pid", pid}});
    send_fds(client.fileno(), {status_read.get()});
  }
}

}  // namespace concur::mp
