// http_get against misbehaving servers: one that drips its body a byte at a time (each
// byte restarts a read timeout, so only an overall deadline ends it) and one that sends
// an endless chunked body (only a body cap ends it). Both fail the download, say why, and
// return; the run goes on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "concur/threads/http.hpp"

namespace concur {
namespace {

using namespace std::chrono_literals;

// A one-connection HTTP server on loopback that answers with `headers` and then calls
// `body(fd)` until it returns false or the test ends.
class RawServer {
 public:
  template <class Body>
  RawServer(std::string headers, Body body) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, headers = std::move(headers), body] {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      char request[4096];
      (void)::recv(fd, request, sizeof request, 0);
      bool alive = ::send(fd, headers.data(), headers.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(headers.size());
      while (alive && !stop_) alive = body(fd);
      ::close(fd);
    });
  }
  ~RawServer() {
    stop_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  std::string url() const { return fmt::format("http://127.0.0.1:{}/", port_); }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(HttpLimits, ADrippingServerIsCutOffAtTheDeadline) {
  RawServer drip("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n", [](int fd) {
    std::this_thread::sleep_for(50ms);  // well inside the 2 s read timeout: it never fires
    return ::send(fd, "x", 1, MSG_NOSIGNAL) == 1;
  });
  const auto start = std::chrono::steady_clock::now();
  const Response r = http_get(drip.url(), 2s, 600ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok() && r.error.empty()) << "a 1 MB body at 20 bytes/s cannot arrive whole";
  EXPECT_FALSE(r.error.empty());
  EXPECT_LT(took, 10s) << "the deadline, not the read timeout, ended it";  // bound only: never a hang
}

TEST(HttpLimits, AnEndlessChunkedBodyStopsAtTheCap) {
  const std::string chunk = fmt::format("{:x}\r\n{}\r\n", 4096, std::string(4096, 'y'));
  RawServer endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", [chunk](int fd) {
    return ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(chunk.size());
  });
  const Response r = http_get(endless.url(), 2s, 30s, 256 * 1024);
  EXPECT_FALSE(r.error.empty()) << "an endless body fails the download";
  EXPECT_LE(r.bytes, 256u * 1024 + 4096) << "counting stopped at the cap";
}

}  // namespace
}  // namespace concur
