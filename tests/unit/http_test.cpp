#include "concur/threads/http.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace concur {
namespace {

TEST(LocalWebServer, ServesPagesOfTheConfiguredSize) {
  LocalWebServer site({.body_bytes = 4321});
  ASSERT_GT(site.port(), 0);
  const Response page = http_get(site.url("/page/7"));
  EXPECT_TRUE(page.ok()) << page.error;
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.bytes, 4321u);
  EXPECT_TRUE(page.error.empty());
  EXPECT_GE(page.seconds, 0);
  EXPECT_EQ(site.requests_served(), 1u);
}

TEST(LocalWebServer, QueryOverridesSizeAndLatency) {
  LocalWebServer site({.latency = std::chrono::seconds(30), .body_bytes = 10});
  // latency=0 overrides the 30 s default; a test that hung here would time out.
  const Response page = http_get(site.url("/x?bytes=99&latency=0"));
  EXPECT_EQ(page.status, 200) << page.error;
  EXPECT_EQ(page.bytes, 99u);
  const Response empty = http_get(site.url("/y?bytes=0&latency=0"));
  EXPECT_EQ(empty.bytes, 0u);
}

TEST(LocalWebServer, PageUrlsAreNumberedFromOne) {
  LocalWebServer site;
  const std::vector<std::string> urls = site.page_urls(3);
  ASSERT_EQ(urls.size(), 3u);
  EXPECT_EQ(urls[0], site.url("/page/1"));
  EXPECT_EQ(urls[2], "http://127.0.0.1:" + std::to_string(site.port()) + "/page/3");
}

TEST(LocalWebServer, AnswersManyClientsAtOnceAndCountsThem) {
  LocalWebServer site({.latency = std::chrono::milliseconds(50), .body_bytes = 100, .threads = 8});
  std::vector<Response> pages(8);
  {
    std::vector<std::jthread> clients;
    for (std::size_t i = 0; i < pages.size(); ++i)
      clients.emplace_back([&, i] { pages[i] = http_get(site.page_urls(8)[i]); });
  }
  for (const Response& p : pages) EXPECT_EQ(p.status, 200) << p.error;
  EXPECT_EQ(site.requests_served(), 8u);
  EXPECT_GE(site.max_in_flight(), 1);
  EXPECT_LE(site.max_in_flight(), 8);
}

TEST(LocalWebServer, TwoServersGetTwoPorts) {
  LocalWebServer a, b;
  EXPECT_NE(a.port(), b.port());
}

TEST(HttpGet, RefusedConnectionIsAnErrorNotAnException) {
  int port = 0;
  { LocalWebServer gone; port = gone.port(); }  // a port that was just closed
  const Response r = http_get("http://127.0.0.1:" + std::to_string(port) + "/", std::chrono::seconds(2));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("could not connect"), std::string::npos) << r.error;
}

TEST(HttpGet, BadAddressesAreRefusedWithoutTouchingTheNetwork) {
  for (const char* bad : {"ftp://host/x", "no-scheme", "http://", "http:///path"}) {
    const Response r = http_get(bad);
    EXPECT_EQ(r.status, 0) << bad;
    EXPECT_FALSE(r.error.empty()) << bad;
    EXPECT_EQ(r.error, check_url(bad));
  }
  EXPECT_EQ(check_url("http://127.0.0.1:8080/page"), "");
  EXPECT_EQ(check_url("https://example.org"), "");
  EXPECT_NE(check_url("file:///etc/passwd").find("http://"), std::string::npos);
}

}  // namespace
}  // namespace concur
