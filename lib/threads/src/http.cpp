#include "concur/threads/http.hpp"

#include <httplib.h>

#include <fmt/format.h>

#include <sys/socket.h>

#include <charconv>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <system_error>
#include <stdexcept>

#include "concur/core/clock.hpp"
#include "concur/core/timeline.hpp"

namespace concur {

namespace {

// A page of `bytes` bytes that says which page it is, so a body can be told apart.
std::string page_body(std::string_view path, std::size_t bytes) {
  std::string body;
  body.reserve(bytes);
  const std::string line = fmt::format("<p>This is {} on the concur test server.</p>\n", path);
  while (body.size() < bytes) body.append(line, 0, std::min(line.size(), bytes - body.size()));
  return body;
}

// A number from the query string, or `fallback` when it is absent or not a number.
template <typename T>
T query_number(const httplib::Request& req, const char* key, T fallback) {
  if (!req.has_param(key)) return fallback;
  const std::string text = req.get_param_value(key);
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 0 ? value : fallback;
}

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "could not connect (nothing listens there, or no such host)";
    case httplib::Error::ConnectionTimeout: return "timed out while connecting";
    case httplib::Error::Read: return "the connection failed or timed out while reading the answer";
    case httplib::Error::Write: return "the connection failed while sending the request";
    case httplib::Error::SSLConnection: return "the TLS handshake failed";
    case httplib::Error::SSLServerVerification: return "the server's certificate could not be verified";
    case httplib::Error::ExceedRedirectCount: return "too many redirects";
    default: return "failed: " + httplib::to_string(error);
  }
}

// httplib's own ThreadPool starts its threads inside the listener thread and, when one
// cannot start, destroys the others still joinable: std::terminate. This pool starts its
// threads in the caller (the server's constructor), joins the ones it had when the next
// fails, and throws a clear error instead.
class ServerThreads final : public httplib::TaskQueue {
 public:
  explicit ServerThreads(std::size_t n) {
    try {
      for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
    } catch (const std::system_error& e) {
      shutdown();
      throw std::runtime_error(fmt::format("cannot start the local web server's thread {} of {}: {}", threads_.size() + 1,
                                           n, e.code().message()));
    }
  }
  ~ServerThreads() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard guard(mu_);
      jobs_.push_back(std::move(fn));
    }
    cv_.notify_one();
  }
  // Lets the queued connections finish, then joins every thread. Safe to call twice.
  void shutdown() override {
    {
      std::lock_guard guard(mu_);
      closed_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closed_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // closed and drained
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool closed_ = false;                     // guarded by mu_
};

}  // namespace

struct LocalWebServer::Impl {
  httplib::Server server;
  std::unique_ptr<ServerThreads> threads;  // handed to the server when it starts listening
};

LocalWebServer::LocalWebServer(ServerOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  httplib::Server& server = impl_->server;
  const int threads = std::max(1, options_.threads);
  impl_->threads = std::make_unique<ServerThreads>(static_cast<std::size_t>(threads));  // may throw: nothing runs yet
  // listen_after_bind() asks for its task queue once and owns it from then on.
  server.new_task_queue = [impl = impl_.get()]() -> httplib::TaskQueue* { return impl->threads.release(); };
  // A client that keeps its connection open would hold a server thread until this runs
  // out; short, so that stopping the server never waits long.
  server.set_keep_alive_timeout(1);
  server.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    const int now = ++in_flight_;
    for (int seen = max_in_flight_.load(); now > seen && !max_in_flight_.compare_exchange_weak(seen, now);) {
    }
    const double latency_s = query_number(req, "latency", -1.0);
    std::this_thread::sleep_for(latency_s >= 0 ? std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                     std::chrono::duration<double>(latency_s))
                                               : options_.latency);
    res.set_content(page_body(req.path, query_number(req, "bytes", options_.body_bytes)), "text/html");
    --in_flight_;
    ++served_;
  });

  // httplib listens with a backlog of 5: when more clients connect at once than the accept
  // loop has taken, the kernel drops the extra handshakes and the clients retry a whole
  // second later. Keep the socket, and raise its backlog once it listens.
  int listening = -1;
  server.set_socket_options([&listening](int fd) {
    listening = fd;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  port_ = server.bind_to_any_port(options_.host);
  if (port_ < 0) throw std::runtime_error(fmt::format("the local web server could not bind a port on {}", options_.host));
  if (listening >= 0) ::listen(listening, SOMAXCONN);  // on Linux a second listen() only resizes the backlog
  try {
    listener_ = std::thread([&server] { server.listen_after_bind(); });
  } catch (const std::system_error& e) {
    throw std::runtime_error(fmt::format("cannot start the local web server's listener thread: {}", e.code().message()));
  }
  // The port already accepts connections (they wait in its backlog), but a short backlog
  // overflows when many clients connect at once: wait until the accept loop runs.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server.is_running() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
}

LocalWebServer::~LocalWebServer() {
  // stop() before listen_after_bind() has started would be missed: it is started by now
  // (the constructor waited), or it failed and returned.
  impl_->server.stop();
  if (listener_.joinable()) listener_.join();
}

std::string LocalWebServer::url(std::string_view path) const {
  return fmt::format("http://{}:{}{}", options_.host, port_, path);
}

std::vector<std::string> LocalWebServer::page_urls(int n) const {
  std::vector<std::string> urls;
  for (int i = 1; i <= n; ++i) urls.push_back(url(fmt::format("/page/{}", i)));
  return urls;
}

std::string check_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || (url.substr(0, scheme_end) != "http" && url.substr(0, scheme_end) != "https"))
    return fmt::format("'{}' is not a web address: it must start with http:// or https://", url);
  if (url.size() == scheme_end + 3 || url[scheme_end + 3] == '/')
    return fmt::format("'{}' names no host (write http://HOST/PATH)", url);
  return {};
}

Response http_get(std::string_view url, std::chrono::nanoseconds timeout, std::chrono::nanoseconds deadline,
                  std::size_t max_body) {
  Response out;
  out.url = std::string(url);
  if (out.error = check_url(url); !out.error.empty()) return out;

  // "http://host:port/path?q" -> "http://host:port" and "/path?q".
  const std::size_t path_at = url.find('/', url.find("://") + 3);
  const std::string origin(url.substr(0, path_at));
  const std::string path = path_at == std::string_view::npos ? "/" : std::string(url.substr(path_at));
  const std::string host = origin.substr(origin.find("://") + 3);

  httplib::Client client(origin);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(std::min(timeout, deadline));
  client.set_write_timeout(timeout);
  client.set_follow_location(true);

  const Clock::time_point began = Clock::now();
  const Clock::time_point give_up = began + deadline;
  std::size_t received = 0;
  std::string stopped;  // why the receiver cut the download off
  // Called for every piece of the body as it arrives: count it, and give up at the cap or
  // once the deadline has passed (a drip of bytes keeps the read timeout from firing).
  auto receive = [&](const char*, std::size_t length) {
    received += length;
    if (received > max_body) {
      stopped = fmt::format("the body exceeded the cap of {} bytes (--max-body)", max_body);
      return false;
    }
    if (Clock::now() > give_up) {
      stopped = fmt::format("not complete after the deadline of {:.1f} s ({} bytes so far)", to_seconds(deadline), received);
      return false;
    }
    return true;
  };
  httplib::Result result = [&] {
    ScopedSpan waiting(SpanKind::waiting, Recorder::intern("waiting for " + host));
    return client.Get(path, receive, httplib::Progress{});
  }();
  out.seconds = to_seconds(Clock::now() - began);
  out.bytes = received;
  if (!stopped.empty()) {
    out.error = stopped;
    return out;
  }
  if (!result) {
    out.error = describe(result.error());
    return out;
  }
  out.status = result->status;
  return out;
}

}  // namespace concur
