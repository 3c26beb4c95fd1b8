// CLI test of --html: real runs of race, semaphore and pool (with a worker killed) write
// their HTML report, headless Chromium loads each one, and the DOM it built must match what
// the same run wrote to --json and --trace: a section per variant, a track group per
// recorded track, an item per check, the summary table. Skipped without chromium.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace concur::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr auto kChromiumLimit = std::chrono::seconds(60);

// chromium on PATH, or "" when there is none.
std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (std::size_t from = 0; from <= dirs.size();) {
    const std::size_t to = std::min(dirs.find(':', from), dirs.size());
    const fs::path candidate = fs::path(dirs.substr(from, to - from)) / "chromium";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    from = to + 1;
  }
  return {};
}

// A directory of its own for one test, removed with everything in it.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "concur-html-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// This process's children now, from /proc (ppid is the 4th field of /proc/PID/stat).
std::vector<pid_t> children() {
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string stat = file_text((entry.path() / "stat").string());
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    long ppid = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %*c %ld", &ppid) == 1 && ppid == ::getpid())
      pids.push_back(static_cast<pid_t>(std::stol(entry.path().filename().string())));
  }
  return pids;
}

// Waits for every child this process has (it is their subreaper, so Chromium's helpers
// come here when Chromium ends); any still alive after a few seconds is killed, and fails
// the test.
void reap_every_child() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool killed = false;
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) continue;
    if (pid == -1) return;  // ECHILD: none left
    if (!killed && std::chrono::steady_clock::now() > deadline) {
      for (const pid_t left : children()) {
        ADD_FAILURE() << "process " << left << " outlived Chromium's process group; killed";
        ::kill(left, SIGKILL);
      }
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Loads `html` in headless Chromium and returns the DOM it built (serialized), or "" with
// a test failure when it could not. Chromium runs in a process group of its own, killed
// whole when it takes longer than kChromiumLimit and, in any case, once it has ended.
std::string dump_dom(const std::string& chromium, const std::string& html, const TempDir& dir) {
  const std::string out = dir / "dom.html", profile = dir / "profile";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int null = ::open("/dev/null", O_WRONLY);
    if (fd < 0 || null < 0 || ::dup2(fd, 1) < 0 || ::dup2(null, 2) < 0) ::_exit(126);
    const std::string user_data = "--user-data-dir=" + profile, url = "file://" + html;
    ::execl(chromium.c_str(), "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            user_data.c_str(), "--dump-dom", url.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return {};
  }
  ::setpgid(pid, pid);  // as the child does: whichever runs first
  const auto deadline = std::chrono::steady_clock::now() + kChromiumLimit;
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(-pid, SIGKILL);  // Chromium's helpers, and Chromium itself if it overran
  if (done == 0) ::waitpid(pid, &status, 0);
  reap_every_child();
  EXPECT_NE(done, 0) << "chromium took longer than " << kChromiumLimit.count() << " s on " << html;
  EXPECT_TRUE(done != 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) << "chromium failed on " << html;
  return file_text(out);
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// The serialized element that starts with `open`, up to its `close`.
std::string element(const std::string& dom, const std::string& open, const std::string& close) {
  const std::size_t from = dom.find(open);
  if (from == std::string::npos) return {};
  const std::size_t to = dom.find(close, from);
  return dom.substr(from, to == std::string::npos ? std::string::npos : to + close.size() - from);
}

// How many tracks the trace has for a variant: a "thread_name" per track, "NAME · VARIANT".
std::size_t traced_tracks(const json& trace, const std::string& variant) {
  std::size_t n = 0;
  for (const json& e : trace["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name" && e["args"]["name"].get<std::string>().ends_with(" · " + variant)) ++n;
  return n;
}

class HtmlInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty()) GTEST_SKIP() << "chromium is not on PATH (apt-get install chromium): the HTML is not loaded";
    // Chromium's helper processes outlive it for a moment; as subreaper this test reaps them.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  }
  void TearDown() override { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }

  // Runs concur with --html, --json and --trace into the temp dir, loads the page in
  // Chromium, and checks its DOM against the run's own JSON report and trace.
  void run_and_load(std::vector<std::string> args) {
    const std::string html = dir_ / "report.html", report_path = dir_ / "report.json", trace_path = dir_ / "trace.json";
    args.insert(args.end(), {"--quiet", "--html", html, "--json", report_path, "--trace", trace_path});
    const CliResult r = run_concur(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const std::string page = file_text(html);
    ASSERT_FALSE(page.empty()) << "no HTML written";
    EXPECT_EQ(page.find("http://"), std::string::npos);
    EXPECT_EQ(page.find("https://"), std::string::npos);
    const json report = json::parse(file_text(report_path));
    const json trace = json::parse(file_text(trace_path));
    const std::string dom = dump_dom(chromium_, html, dir_);
    ASSERT_NE(dom.find("</html>"), std::string::npos) << "chromium gave no document";
    expect_variants(dom, report, trace);
    expect_checks(dom, report);
  }

  void expect_variants(const std::string& dom, const json& report, const json& trace) {
    EXPECT_EQ(count(dom, "<section class=\"variant\""), report["variants"].size());
    const std::string summary = element(dom, "<table class=\"summary\">", "</table>");
    ASSERT_FALSE(summary.empty()) << "no summary table";
    for (const json& v : report["variants"]) {
      const std::string name = v["name"];
      const std::string section = element(dom, "<section class=\"variant\" data-variant=\"" + name + "\">", "</section>");
      ASSERT_FALSE(section.empty()) << "no section for " << name;
      const std::size_t tracks = traced_tracks(trace, name);
      EXPECT_EQ(count(section, "<g class=\"track\""), tracks) << name;
      if (tracks > 0) {
        EXPECT_EQ(count(section, "<svg class=\"timeline\""), 1u) << name;
      }
      EXPECT_EQ(count(summary, "<tr data-variant=\"" + name + "\">"), 1u) << name;
    }
  }

  void expect_checks(const std::string& dom, const json& report) {
    EXPECT_EQ(count(dom, "<li class=\"check\""), report["checks"].size());
    for (const json& c : report["checks"])  // each check's verdict, as the report has it
      EXPECT_EQ(count(dom, std::string("<li class=\"check\" data-ok=\"") + (c["ok"].get<bool>() ? "true" : "false") +
                               "\" data-required=\"" + (c["required"].get<bool>() ? "true" : "false") + "\">"),
                count_checks(report, c["ok"].get<bool>(), c["required"].get<bool>()))
          << c["name"];
    EXPECT_EQ(count(dom, report["ok"].get<bool>() ? "<p class=\"verdict ok\"" : "<p class=\"verdict failed\""), 1u);
  }

  static std::size_t count_checks(const json& report, bool ok, bool required) {
    std::size_t n = 0;
    for (const json& c : report["checks"]) n += c["ok"] == ok && c["required"] == required;
    return n;
  }

  std::string chromium_;
  TempDir dir_;
};

TEST_F(HtmlInChromium, Race) {
  run_and_load({"race"});
  // The race starts its two threads (the default), each a row of the timeline.
  const std::string dom = file_text(dir_ / "dom.html");
  EXPECT_GE(count(element(dom, "<svg class=\"timeline\"", "</svg>"), "<g class=\"track\""), 2u);
}

TEST_F(HtmlInChromium, Semaphore) {
  run_and_load({"semaphore", "--time-scale", "0.05"});
  // Six workers want in (the default): a row each at least.
  const std::string dom = file_text(dir_ / "dom.html");
  EXPECT_GE(count(element(dom, "<svg class=\"timeline\"", "</svg>"), "<g class=\"track\""), 6u);
}

TEST_F(HtmlInChromium, PoolWithAKilledWorker) {
  run_and_load({"pool", "--kill-worker", "--time-scale", "0.2"});
  const std::string dom = file_text(dir_ / "dom.html");
  EXPECT_NE(dom.find("data-variant=\"kill-worker\""), std::string::npos);
  EXPECT_NE(dom.find("PoolWorker-"), std::string::npos) << "the workers' tracks, from other processes";
}

TEST_F(HtmlInChromium, PrimesSweep) {
  // The sweep's page: its table, the speedup chart with a line per compared variant and
  // the ideal line (workers is a worker count), and every point's own report, folded.
  const std::string html = dir_ / "sweep.html", report_path = dir_ / "sweep.json";
  const CliResult r = run_concur({"primes", "--sweep", "workers=1..3", "--limit", "20000", "--quiet", "--html", html,
                                  "--json", report_path});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json report = json::parse(file_text(report_path));
  ASSERT_EQ(report["sweep"]["values"], (json{1, 2, 3}));
  const std::string dom = dump_dom(chromium_, html, dir_);
  ASSERT_NE(dom.find("</html>"), std::string::npos) << "chromium gave no document";
  EXPECT_EQ(count(dom, "<table class=\"sweep\">"), 1u);
  const std::string chart = element(dom, "<svg class=\"sweep-chart\" data-chart=\"speedup\"", "</svg>");
  ASSERT_FALSE(chart.empty()) << "no speedup chart";
  EXPECT_EQ(count(chart, "<polyline class=\"ideal\""), 1u);
  EXPECT_NE(chart.find("data-variant=\"threads\""), std::string::npos);
  EXPECT_NE(chart.find("data-variant=\"processes\""), std::string::npos);
  EXPECT_EQ(count(dom, "<details class=\"point\""), 3u);
  EXPECT_EQ(count(dom, "<section class=\"variant\""), 9u) << "three variants at each of three points";
}

}  // namespace
}  // namespace concur::test
