// 10.9 scraper, its third way: every download a coroutine, all on one thread.
//
// Each page is a coroutine that co_awaits coro::http_get (Boost.Beast): while it waits for
// the server it is suspended, and the loop sends the next request. One thread keeps as
// many requests in flight as --concurrency allows: a coroutine semaphore (as
// asyncio.Semaphore) that each download holds while it runs, so a thousand URLs do not
// open a thousand connections at once.

#include <concur/coro.hpp>

namespace concur::demos {

static coro::Task<Response> download_async(const std::string& url, const Run& run, coro::Semaphore& limit) {
  auto permit = co_await limit.hold();  // at most --concurrency downloads at once
  say("GET {}", url);
  Response page = co_await coro::http_get(url, std::chrono::seconds(10), run.duration("deadline"),
                                          run.integer<std::size_t>("max-body"));
  if (page.ok()) say("got {} bytes in {:.0f} ms", page.bytes, page.seconds * 1e3);
  else say("failed after {:.0f} ms: {}", page.seconds * 1e3, page.why_failed());
  co_return page;
}

std::vector<Response> on_coroutines(const std::vector<std::string>& urls, Run& run) {
  return coro::run([&]() -> coro::Task<std::vector<Response>> {
    coro::Semaphore limit("concurrency", run.integer<std::size_t>("concurrency"));
    std::vector<coro::Task<Response>> downloads;
    for (const std::string& url : urls) downloads.push_back(download_async(url, run, limit));
    co_return co_await coro::gather(std::move(downloads));  // the pages, in the order asked for
  }());
}

}  // namespace concur::demos
