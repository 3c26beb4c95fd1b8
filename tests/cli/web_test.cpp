// CLI tests of the examples that download from the local web server: the scraper (10.9)
// and the hybrid system (s.12), through the real binary.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

TEST(Scraper, BothVariantsDownloadEveryPageInOrder) {
  const json report = run_report({"scraper", "--urls", "6", "--workers", "3", "--bytes", "1234"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"sequential", "threads", "coroutines"}));
  for (const char* v : {"sequential", "threads", "coroutines"}) {
    const json& r = result_of(report, v);
    EXPECT_EQ(r["urls"], 6) << v;
    EXPECT_EQ(r["ok"], 6) << v;
    EXPECT_EQ(r["bytes"], 6 * 1234) << v;
    ASSERT_EQ(r["per_url"].size(), 6u) << v;
    for (std::size_t i = 0; i < 6; ++i) {  // the report lists pages in the order asked for
      const json& page = r["per_url"][i];
      EXPECT_TRUE(page["url"].get<std::string>().ends_with("/page/" + std::to_string(i + 1))) << page;
      EXPECT_EQ(page["status"], 200);
      EXPECT_EQ(page["bytes"], 1234);
    }
  }
  EXPECT_EQ(result_of(report, "sequential")["server_max_in_flight"], 1);  // one at a time, always
  const int in_flight = result_of(report, "threads")["server_max_in_flight"];
  EXPECT_GE(in_flight, 1);
  EXPECT_LE(in_flight, 3);  // never more than the workers
  EXPECT_TRUE(check_held(report, "threads: every page was downloaded"));
  EXPECT_EQ(report["variants"][1]["baseline"], "sequential");
  EXPECT_TRUE(report["variants"][1]["speedup"].is_number());
}

TEST(Scraper, ByIdWithDefaults) {
  const json report = run_report({"10.9"});
  EXPECT_EQ(report["example"]["name"], "scraper");
  EXPECT_EQ(result_of(report, "threads")["ok"], 16);
  EXPECT_EQ(report["params"]["workers"], 8);
  EXPECT_EQ(report["params"]["url"], json::array());
}

TEST(Scraper, UnreachableUrlsAreReportedNotFatal) {
  // Port 1 on loopback: nothing listens, so the connection is refused at once.
  const json report = run_report({"scraper", "--variant", "sequential", "--variant", "threads", "--url",
                                  "http://127.0.0.1:1/a", "--url", "http://127.0.0.1:1/b"});
  for (const char* v : {"sequential", "threads"}) {
    const json& r = result_of(report, v);
    EXPECT_EQ(r["urls"], 2);
    EXPECT_EQ(r["ok"], 0);
    EXPECT_EQ(r["per_url"][0]["status"], 0);
    EXPECT_NE(r["per_url"][0]["error"].get<std::string>().find("could not connect"), std::string::npos);
  }
  for (const json& c : report["checks"]) EXPECT_FALSE(c["required"].get<bool>());  // the web may say no
}

TEST(Scraper, ABadUrlIsAUsageErrorBeforeAnythingRuns) {
  for (const char* bad : {"ftp://example.org/", "example.org", "http://"}) {
    const CliResult r = run_concur({"scraper", "--url", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--url"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
    EXPECT_EQ(r.out.find("──"), std::string::npos) << "nothing ran";
  }
}

TEST(Scraper, CtrlCDuringDownloadsExits130) {
  const CliOptions opts{{}, false, "GET http"};
  const CliResult r = run_concur({"scraper", "--latency", "5"}, opts);
  EXPECT_EQ(r.exit_code, 130) << r.err;
}

TEST(Hybrid, BothJobsFinishUnderEveryStartMethod) {
  for (const char* method : {"fork", "spawn", "forkserver"}) {
    const json report = run_report({"hybrid", "--downloads", "3", "--factorial", "2000", "--start-method", method});
    EXPECT_EQ(variant_names(report), (std::vector<std::string>{"one-after-another", "together"}));
    for (const char* v : {"one-after-another", "together"}) {
      const json& r = result_of(report, v);
      EXPECT_EQ(r["downloads"], 3) << v << " " << method;
      EXPECT_EQ(r["bytes"], 3 * 50000) << v;
      EXPECT_EQ(r["digits"], 5736) << v;  // 2000! has 5736 digits
      for (const char* key : {"io_s", "cpu_s", "total_s"}) EXPECT_GE(r[key].get<double>(), 0) << key;
    }
    EXPECT_TRUE(check_held(report, "together: the process computed n! right"));
    EXPECT_EQ(report["variants"][1]["baseline"], "one-after-another");
  }
}

}  // namespace
}  // namespace concur::test
