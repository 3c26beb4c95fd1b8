// concur/coro.hpp - everything a coroutine demo uses, in one include: concur.hpp and the
// event loop (concur/coro/). Kept apart from concur.hpp because Boost.Asio takes seconds
// to compile, and only the coroutine demos need it.
#pragma once

#include "concur/concur.hpp"
#include "concur/coro/http.hpp"
#include "concur/coro/loop.hpp"
#include "concur/coro/sync.hpp"
