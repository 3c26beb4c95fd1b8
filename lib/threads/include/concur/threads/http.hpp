// concur/threads/http.hpp - a local web server with a chosen latency, and a client to fetch from it.
//
// The scraper (10.9) and the hybrid system (s.12) download pages. Real websites are slow
// for reasons nobody controls, and this machine may have no network at all, so the demos
// talk real HTTP over loopback to a server of their own: every page answers after a
// fixed latency with a body of a fixed size, and both are set per server (or per request,
// with `?latency=SECONDS&bytes=N` in the URL). The client is what Python's
// `requests.get(url)` is in the lecture: one blocking call, one fresh connection.
//
//     concur::LocalWebServer site({.latency = run.scaled(0.1), .body_bytes = 20'000});
//     concur::Response page = concur::http_get(site.url("/page/1"));   // ~0.1 s later
//
// Both are cpp-httplib underneath (Debian's libcpp-httplib-dev). The server binds an
// ephemeral port on 127.0.0.1 before it starts serving, so url() is valid as soon as the
// constructor returns; it serves each connection on a thread of its own pool, sized so the
// server is never what limits a demo (each waiting request holds one thread while it
// sleeps out the latency).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>
#include <vector>

namespace concur {

struct ServerOptions {
  std::chrono::nanoseconds latency{0};  // how long each page takes to answer
  std::size_t body_bytes = 10'000;      // how big each page is
  int threads = 16;                     // requests served at once, at most
  std::string host = "127.0.0.1";
};

// Plays the role of the websites in the lecture's scraper, on this machine.
class LocalWebServer {
 public:
  // Binds and starts serving; returns once requests are being accepted. Throws
  // std::runtime_error when no port could be bound or its threads could not be started
  // (out of threads or memory), with every thread it had started joined.
  explicit LocalWebServer(ServerOptions options = {});
  // Stops accepting, lets the requests in progress finish, joins every server thread.
  ~LocalWebServer();
  LocalWebServer(const LocalWebServer&) = delete;
  LocalWebServer& operator=(const LocalWebServer&) = delete;

  int port() const noexcept { return port_; }
  // "http://127.0.0.1:PORT" followed by `path` ("/page/3").
  std::string url(std::string_view path) const;
  // n page addresses, /page/1 to /page/n.
  std::vector<std::string> page_urls(int n) const;

  // Requests answered so far, and the most that were being answered at one moment (how
  // many the clients really had in flight together).
  std::uint64_t requests_served() const noexcept { return served_.load(); }
  int max_in_flight() const noexcept { return max_in_flight_.load(); }

 private:
  struct Impl;  // keeps httplib.h out of every demo's includes
  ServerOptions options_;
  std::unique_ptr<Impl> impl_;  // owns the server and its threads (started in the constructor)
  std::thread listener_;
  int port_ = -1;
  std::atomic<std::uint64_t> served_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

// What one download got. `status` is the HTTP status (200), or 0 when no answer came
// (then `error` says why: refused, timed out, no such host).
struct Response {
  std::string url;
  int status = 0;
  std::size_t bytes = 0;  // body size
  double seconds = 0;     // from the request to the last byte of the body
  std::string error;
  bool ok() const noexcept { return status >= 200 && status < 300; }
  // Why it failed, in a few words: the error, else the status ("HTTP 404").
  std::string why_failed() const { return error.empty() ? "HTTP " + std::to_string(status) : error; }
};
// As JSON: {"url", "status", "bytes", "seconds", "error"} (a report's per_url entries).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Response, url, status, bytes, seconds, error)

// The body cap http_get() uses unless told otherwise: 8 MiB.
inline constexpr std::size_t kDefaultMaxBody = 8u << 20;

// GET `url` (http:// or https://) on a new connection and wait for the whole body.
// Blocks for at most `timeout` per connect and per read, and for at most `deadline` in all
// once the body flows: a server that drips a byte now and then restarts the read timeout
// every time, the deadline does not restart. A body longer than `max_body` bytes is cut
// off there (an endless body cannot fill the memory): the download fails, its error says
// why. Never throws for network trouble (see Response::error); the body is counted, not
// kept. While a run is recorded, the wait shows on the timeline as "waiting for HOST".
Response http_get(std::string_view url, std::chrono::nanoseconds timeout = std::chrono::seconds(10),
                  std::chrono::nanoseconds deadline = std::chrono::seconds(60), std::size_t max_body = kDefaultMaxBody);

// The reason `url` cannot be fetched ("must start with http:// or https://"), or "".
std::string check_url(std::string_view url);

}  // namespace concur
