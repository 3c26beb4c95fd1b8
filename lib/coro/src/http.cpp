#include "concur/coro/http.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include "concur/core/coroutine.hpp"
#include "concur/core/timeline.hpp"

namespace concur::coro {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Address {
  std::string host, port, target;
};

// http://HOST[:PORT][/PATH]; check_coroutine_url() has said it is one.
Address split(std::string_view url) {
  std::string_view rest = url.substr(std::string_view("http://").size());
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  Address a;
  a.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  // [::1]:8080 keeps its colons inside the brackets.
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    a.host = std::string(authority);
    a.port = "80";
  } else {
    a.host = std::string(authority.substr(0, colon));
    a.port = std::string(authority.substr(colon + 1));
  }
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  return a;
}

std::string describe(const boost::system::error_code& ec, std::string_view stage) {
  if (ec == beast::error::timeout) return fmt::format("timed out while {}", stage);
  if (ec == http::error::body_limit) return "the body is longer than the most bytes allowed (max-body)";
  return fmt::format("{} while {}", ec.message(), stage);
}

}  // namespace

std::string check_coroutine_url(std::string_view url) {
  if (url.starts_with("https://")) return "the coroutine client speaks http:// only (no TLS)";
  if (!url.starts_with("http://")) return "must start with http://";
  const std::string_view rest = url.substr(7);
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return "has no host after http://";
  return "";
}

Task<Response> http_get(std::string url, std::chrono::nanoseconds timeout, std::chrono::nanoseconds deadline,
                        std::size_t max_body) {
  Response r;
  r.url = url;
  const auto began = std::chrono::steady_clock::now();
  const auto finish = [&] { r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(); };
  if (const std::string why = check_coroutine_url(url); !why.empty()) {
    r.error = why;
    finish();
    co_return r;
  }
  const Address where = split(url);
  const std::uint32_t label = Recorder::intern("waiting for " + where.host);

  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  beast::tcp_stream stream(executor);
  std::string_view stage = "looking up the host";
  try {
    Coroutine::will_wait_for(label);
    const auto addresses = co_await resolver.async_resolve(where.host, where.port, asio::use_awaitable);
    stage = "connecting";
    stream.expires_after(timeout);
    Coroutine::will_wait_for(label);
    co_await stream.async_connect(addresses, asio::use_awaitable);

    stage = "sending the request";
    http::request<http::empty_body> request{http::verb::get, where.target, 11};
    request.set(http::field::host, where.host);
    request.set(http::field::user_agent, "concur");
    stream.expires_after(timeout);
    Coroutine::will_wait_for(label);
    co_await http::async_write(stream, request, asio::use_awaitable);

    stage = "reading the answer";
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_body);
    stream.expires_after(deadline);
    Coroutine::will_wait_for(label);
    co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    r.status = static_cast<int>(parser.get().result_int());
    r.bytes = parser.get().body().size();
  } catch (const boost::system::system_error& e) {
    r.error = describe(e.code(), stage);
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  finish();
  co_return r;
}

}  // namespace concur::coro
