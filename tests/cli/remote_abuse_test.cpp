// The remote manager as a network server, attacked on loopback (issue 14): idle clients,
// garbage, an oversized frame, a dripping client, clients that die in a get, a burst
// beyond the connection limit and a server out of descriptors, next to correct put and
// get programs. Every item put comes out exactly once, in order; the server keeps
// serving; its descriptors and threads come back to where they were.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <concur/mp/auth.hpp>
#include <concur/mp/connection.hpp>

#include "nothing_left.hpp"
#include "run_cli.hpp"

extern char** environ;

namespace concur::test {
namespace {

namespace mp = concur::mp;
using namespace std::chrono_literals;
using nlohmann::json;

const std::string kKey = "abuse-test-key";

// What the server process holds, from /proc.
struct Usage {
  int fds = 0;
  int threads = 0;
  long rss_kb = 0;
};

Usage usage_of(pid_t pid) {
  Usage u;
  const std::string dir = "/proc/" + std::to_string(pid);
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir + "/fd")) ++u.fds;
  std::ifstream status(dir + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) u.threads = std::stoi(line.substr(8));
    if (line.rfind("VmRSS:", 0) == 0) u.rss_kb = std::stol(line.substr(6));
  }
  return u;
}

// utime + stime of a process, in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

// Polls `ok` every 20 ms for up to `limit`; true once it held.
template <typename Ok>
bool eventually(Ok ok, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// The server's thread count once it has stayed the same for 1.5 s (at most 10 s): 1 for
// the accept loop, plus whatever a sanitizer's runtime adds (TSan: 2 more).
int settled_threads(pid_t server) {
  int last = -1;
  auto since = std::chrono::steady_clock::now();
  const auto end = since + 10s;
  for (;;) {
    const int now = usage_of(server).threads;
    if (now != last) last = now, since = std::chrono::steady_clock::now();
    if (std::chrono::steady_clock::now() - since >= 1500ms || std::chrono::steady_clock::now() > end) return last;
    std::this_thread::sleep_for(50ms);
  }
}

detail::Fd raw_socket(int port) {
  detail::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// An authenticated connection of our own, speaking the manager's protocol by hand.
mp::Connection authenticated(int port) {
  mp::Connection conn(raw_socket(port), true, true);
  conn.set_deadline(std::chrono::steady_clock::now() + 10s);
  mp::client_handshake(conn, kKey);
  conn.set_deadline(std::nullopt);
  return conn;
}

json ask(mp::Connection& conn, long long id, const std::string& method, json args) {
  conn.send({{"id", id}, {"m", method}, {"a", std::move(args)}});
  return conn.recv();
}

// True when the server hung up on fd within `limit` (end of file or a reset).
bool hung_up(int fd, std::chrono::milliseconds limit = 10s) {
  return eventually(
      [&] {
        char buf[256];
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
      },
      limit);
}

// A `concur` client program started in the background (to be killed mid-call).
pid_t start_concur(const std::vector<std::string>& args) {
  std::vector<std::string> all = {CONCUR_BIN};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

using RemoteAbuse = NothingLeftBehind;

TEST_F(RemoteAbuse, HostileClientsLoseNoItemAndLeaveNothingHeld) {
  ::setenv("CONCUR_AUTHKEY", kKey.c_str(), 1);  // for the client programs we start
  const std::map<std::string, std::optional<std::string>> key = {{"CONCUR_AUTHKEY", kKey}};
  CliOptions serve{key, false, "Ctrl-C stops it"};
  std::vector<std::string> got_order;
  std::vector<std::string> put_order;
  serve.on_marker = [&](const std::string& output) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(output, m, std::regex("127\\.0\\.0\\.1:([0-9]+) \\(server pid ([0-9]+)\\)"))) << output;
    const std::string port_text = m[1];
    const int port = std::stoi(port_text);
    const pid_t server = std::stoi(m[2]);
    auto put = [&](const std::string& value) {
      const CliResult r = run_concur({"remote-manager", "put", value, "--port", port_text, "--timeout", "10"}, CliOptions{key});
      EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
      if (r.exit_code == 0) put_order.push_back(value);
    };
    auto get = [&](const std::string& timeout) {
      return run_concur({"remote-manager", "get", "--port", port_text, "--timeout", timeout}, CliOptions{key});
    };

    // The baseline: serve's own connection (it exposed the queue) idles out after 1 s.
    const int idle_threads = settled_threads(server);
    ASSERT_TRUE(eventually([&] { return usage_of(server).threads == idle_threads; })) << usage_of(server).threads;
    const Usage before = usage_of(server);

    // Clients that die while they wait in get(): a program killed, and hand-made ones
    // that hang up. None may take an item.
    const pid_t doomed = start_concur({"remote-manager", "get", "--port", port_text, "--timeout", "30"});
    ASSERT_TRUE(eventually([&] { return usage_of(server).threads >= idle_threads + 2; }));  // its two connections
    std::vector<mp::Connection> dying;
    for (int i = 0; i < 4; ++i) {
      dying.push_back(authenticated(port));
      const json found = ask(dying.back(), 0, "lookup", {"queue"});
      ASSERT_TRUE(found.contains("r")) << found.dump();
      dying.back().send({{"id", found["r"]["id"]}, {"m", "get"}, {"a", {nullptr}}});
    }
    ::kill(doomed, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(doomed, &status, 0), doomed);
    dying.clear();  // they hang up
    // The server notices: their threads end while the queue is still empty.
    ASSERT_TRUE(eventually([&] { return usage_of(server).threads == idle_threads; })) << usage_of(server).threads;

    // Idle clients (never answer the challenge), garbage, an oversized frame announced
    // after the handshake, and a client dripping a request one byte at a time.
    std::vector<detail::Fd> idle;
    for (int i = 0; i < 6; ++i) idle.push_back(raw_socket(port));
    detail::Fd garbage = raw_socket(port);
    ASSERT_EQ(::send(garbage.get(), "GET / HTTP/1.1\r\n\r\n", 18, MSG_NOSIGNAL), 18);
    mp::Connection oversized = authenticated(port);
    ASSERT_EQ(::send(oversized.fileno(), "\x7f\xff\xff\xff", 4, MSG_NOSIGNAL), 4);
    mp::Connection dripping = authenticated(port);

    // Meanwhile, correct clients are served.
    for (int i = 0; i < 3; ++i) put("item-" + std::to_string(i));

    const json refusal = oversized.recv();
    EXPECT_NE(refusal.value("e", "").find("oversized frame"), std::string::npos) << refusal.dump();
    EXPECT_TRUE(hung_up(oversized.fileno()));
    const std::string frame = mp::frame_header(40) + std::string(40, 'x');
    bool cut_off = false;
    for (char c : frame) {  // 44 bytes, 100 ms apart: 4.4 s if the server waited for all
      if (::send(dripping.fileno(), &c, 1, MSG_NOSIGNAL) != 1) {
        cut_off = true;
        break;
      }
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(cut_off || hung_up(dripping.fileno(), 0ms)) << "a dripping client kept its connection";
    for (auto& fd : idle) EXPECT_TRUE(hung_up(fd.get()));
    EXPECT_TRUE(hung_up(garbage.get()));

    for (int i = 3; i < 6; ++i) put("item-" + std::to_string(i));

    // A burst beyond the connection limit (16): the excess is turned away at once.
    std::vector<mp::Connection> burst;
    int busy = 0;
    for (int i = 0; i < 20; ++i) {
      burst.emplace_back(raw_socket(port), true, true);
      burst.back().set_deadline(std::chrono::steady_clock::now() + 10s);
    }
    for (auto& c : burst) {
      try {
        if (c.recv_bytes() == mp::kBusyGreeting) ++busy;
      } catch (const std::exception&) {
      }
    }
    EXPECT_GE(busy, 4);
    burst.clear();

    // Out of descriptors: the accept loop neither spins nor stops serving.
    ASSERT_TRUE(eventually([&] { return usage_of(server).threads == idle_threads; }));
    rlimit old{};
    ASSERT_EQ(::prlimit(server, RLIMIT_NOFILE, nullptr, &old), 0);
    const rlimit low{static_cast<rlim_t>(usage_of(server).fds + 2), old.rlim_max};  // the soft limit only
    ASSERT_EQ(::prlimit(server, RLIMIT_NOFILE, &low, nullptr), 0);
    std::vector<detail::Fd> flood;
    for (int i = 0; i < 10; ++i) flood.push_back(raw_socket(port));
    const long ticks = cpu_ticks(server);
    std::this_thread::sleep_for(1s);
    EXPECT_LT(cpu_ticks(server) - ticks, ::sysconf(_SC_CLK_TCK) / 2) << "the server spun while out of descriptors";
    flood.clear();
    ASSERT_EQ(::prlimit(server, RLIMIT_NOFILE, &old, nullptr), 0);

    for (int i = 6; i < 9; ++i) put("item-" + std::to_string(i));
    const Usage during = usage_of(server);

    // Every item comes out once, in order, and then nothing more.
    for (std::size_t i = 0; i < put_order.size(); ++i) {
      const CliResult r = get("10");
      EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
      std::smatch g;
      if (std::regex_search(r.out, g, std::regex("got '([^']*)'"))) got_order.push_back(g[1]);
    }
    const CliResult empty = get("0.2");
    EXPECT_EQ(empty.exit_code, 1);
    EXPECT_NE(empty.out.find("nothing arrived"), std::string::npos) << empty.out;

    // Everything the clients held is given back.
    EXPECT_TRUE(eventually([&] {
      const Usage now = usage_of(server);
      return now.fds == before.fds && now.threads == before.threads;
    })) << "fds " << usage_of(server).fds << " (were " << before.fds << "), threads " << usage_of(server).threads;
    const Usage after = usage_of(server);
    std::printf("server before: %d fds, %d threads, %ld kB RSS; during: %d fds, %d threads; after: %d fds, %d threads, %ld kB RSS\n",
                before.fds, before.threads, before.rss_kb, during.fds, during.threads, after.fds, after.threads, after.rss_kb);
  };
  const CliResult server = run_concur(
      {"remote-manager", "serve", "--port", "0", "--idle-timeout", "1", "--max-connections", "16"}, serve);
  ::unsetenv("CONCUR_AUTHKEY");
  EXPECT_EQ(server.exit_code, 130) << server.err;
  EXPECT_EQ(put_order.size(), 9u);
  EXPECT_EQ(got_order, put_order);
}

// A server that accepts and never answers: put and get give up at --timeout, naming the
// server and what timed out.
TEST_F(RemoteAbuse, ClientsGiveUpOnASilentServer) {
  detail::Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener.get(), 8), 0);
  socklen_t size = sizeof addr;
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &size);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  const CliOptions key{{{"CONCUR_AUTHKEY", kKey}}};
  for (const std::string command : {"put", "get"}) {
    std::vector<std::string> args = {"remote-manager", command, "--port", port, "--timeout", "0.5"};
    if (command == "put") args.insert(args.begin() + 2, "x");
    const CliResult r = run_concur(args, key);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("127.0.0.1:" + port), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("timed out in the handshake"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace concur::test
