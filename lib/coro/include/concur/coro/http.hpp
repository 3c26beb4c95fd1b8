// concur/coro/http.hpp - an HTTP GET that a coroutine awaits: requests.get for asyncio.
//
// concur::http_get() (threads/http.hpp) blocks its thread for the whole download: right
// on a thread of its own, fatal on an event loop. This one is a coroutine on Boost.Beast:
// while it waits for the connection, the server and the body, its coroutine is suspended
// and the loop runs the others, so one thread keeps many downloads in flight. Same
// Response, same limits as http_get(), http:// only (the local server's pages).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "concur/coro/loop.hpp"
#include "concur/threads/http.hpp"

namespace concur::coro {

// GET `url` on a new connection and wait for the whole body: at most `timeout` to connect
// and send the request, at most `deadline` for the whole answer, and at most `max_body`
// bytes of body. Network trouble is reported in Response::error, not thrown.
Task<Response> http_get(std::string url, std::chrono::nanoseconds timeout = std::chrono::seconds(10),
                        std::chrono::nanoseconds deadline = std::chrono::seconds(60),
                        std::size_t max_body = kDefaultMaxBody);

// The reason `url` cannot be fetched by http_get() above ("the coroutine client speaks
// http:// only"), or "".
std::string check_coroutine_url(std::string_view url);

}  // namespace concur::coro
