// 10.9 scraper: a batch of pages downloaded one after another, on a pool of threads, and
// as coroutines on one thread (scraper.coroutines.cpp). A download is mostly waiting, and a
// waiting thread needs no CPU: with W threads, W downloads wait at once and the batch takes
// about 1/W of the sequential time; coroutines get the same overlap from one thread. The
// pages come over real HTTP from a local server answering after --latency (--url: real ones).

#include <concur/concur.hpp>

namespace concur::demos {

// One page: ask, wait, report. The same code in both variants.
static Response download(const std::string& url, const Run& run) {
  say("GET {}", url);
  Response page = http_get(url, std::chrono::seconds(10), run.duration("deadline"), run.integer<std::size_t>("max-body"));
  if (page.ok()) say("got {} bytes in {:.0f} ms", page.bytes, page.seconds * 1e3);
  else say("failed after {:.0f} ms: {}", page.seconds * 1e3, page.why_failed());
  return page;
}

static std::vector<Response> one_by_one(const std::vector<std::string>& urls, Run& run) {
  std::vector<Response> pages;
  for (const std::string& url : urls) pages.push_back(download(url, run));
  return pages;
}

static std::vector<Response> on_threads(const std::vector<std::string>& urls, Run& run) {
  ThreadPool pool(run.integer<std::size_t>("workers"));
  std::vector<std::future<Response>> pending;
  for (const std::string& url : urls) pending.push_back(pool.submit([&url, &run] { return download(url, run); }));
  std::vector<Response> pages;
  for (auto& p : pending) pages.push_back(p.get());  // in the order they were asked for
  return pages;
}

std::vector<Response> on_coroutines(const std::vector<std::string>& urls, Run& run);  // scraper.coroutines.cpp

using Way = std::vector<Response> (*)(const std::vector<std::string>&, Run&);

static void scrape(Run& run, Way way) {
  std::optional<LocalWebServer> site;  // only when no --url was given
  std::vector<std::string> urls = run.texts("url");
  if (urls.empty()) {
    site.emplace(ServerOptions{.latency = run.duration("latency"),
                               .body_bytes = run.integer<std::size_t>("bytes"),
                               .threads = std::max(run.integer<int>("workers"), run.integer<int>("concurrency")) + 8});
    urls = site->page_urls(run.integer<int>("urls"));
    say("the local server answers on port {}, each page after {:.0f} ms", site->port(), to_seconds(run.duration("latency")) * 1e3);
  }

  const std::vector<Response> pages = way(urls, run);

  std::size_t ok = 0, bytes = 0;  // failures were narrated as they happened
  double waited = 0;
  for (const Response& p : pages) {
    ok += p.ok();
    bytes += p.bytes;
    waited += p.seconds;
  }
  run.result({{"urls", urls.size()}, {"ok", ok}, {"bytes", bytes}, {"per_url", pages}});
  const std::string detail = fmt::format("{} of {} pages, {} bytes", ok, urls.size(), bytes);
  if (site) run.result("server_max_in_flight", site->max_in_flight());
  if (site) run.check("every page was downloaded", ok == urls.size(), detail);
  else run.likely("every page was downloaded", ok == urls.size(), detail);  // the web may say no
  if (run.variant() == "sequential")
    return run.explain("One request at a time: the batch took the sum of {} waits ({:.2f} s).", pages.size(), waited);
  const bool threads = run.variant() == "threads";
  const long long at_once = std::min<long long>(run.integer(threads ? "workers" : "concurrency"), std::ssize(urls));
  run.explain("{} kept up to {} requests in flight{}, so their waits overlapped: the speedup is at most that number.",
              threads ? fmt::format("{} threads", run.integer("workers")) : "One thread running coroutines", at_once,
              site ? fmt::format(" (the server saw {} at once)", site->max_in_flight()) : "");
}

Example scraper() {
  return {
      .params = {Param::integer("urls", "pages to download from the local server", 16, 1, 1000),
                 Param::integer("workers", "threads downloading at once", 8, 1, 64),
                 Param::integer("concurrency", "coroutines downloading at once (a semaphore)", 8, 1, 1000),
                 Param::seconds("latency", "how long the local server takes to answer a page", 0.1, 0, 10),
                 Param::integer("bytes", "size of each page", 20'000, 0, 10'000'000),
                 Param::seconds("deadline", "most seconds one download may take in all (a slow drip fails)", 60, 0.1, 3600),
                 Param::integer("max-body", "most bytes of one page; a longer body fails the download", 8 << 20, 1, 1 << 30),
                 Param::text_list("url", "download this address instead of local pages (repeatable)").checked_by(check_url)},
      .check_params = [](const nlohmann::json& p) -> std::string {  // can the local pages arrive?
        if (!p["url"].empty()) return "";
        if (p["max-body"].get<long long>() < p["bytes"].get<long long>())
          return "--max-body is below --bytes: every local page would be cut off";
        if (p["deadline"].get<double>() <= 2 * p["latency"].get<double>())
          return "--deadline must be more than twice --latency: every local page would be late";
        return "";
      },
      .variants = {{"sequential", [](Run& r) { scrape(r, one_by_one); }},
                   {"threads", [](Run& r) { scrape(r, on_threads); }},
                   {"coroutines", [](Run& r) { scrape(r, on_coroutines); }}},
      .baseline = "sequential",
  };
}

}  // namespace concur::demos
