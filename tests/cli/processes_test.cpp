// CLI tests of the process examples (lectures 10 and 11, supplementary): each example's
// claims under every start method, and hygiene: no process, shared-memory file or
// descriptor left behind, on success and on Ctrl-C.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <thread>
#include <set>
#include <string>
#include <vector>

#include "nothing_left.hpp"
#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

TEST(Examples, ProcessStartsAChildByEveryMethod) {
  for (const char* id : {"process", "10.11", "11.1"}) {
    const json report = run_report({id});
    EXPECT_EQ(report["example"]["name"], "process");
    EXPECT_EQ(variant_names(report), (std::vector<std::string>{"fork", "spawn", "forkserver"}));
    for (const char* v : {"fork", "spawn", "forkserver"}) {
      const json& r = result_of(report, v);
      EXPECT_NE(r["child_pid"], r["parent_pid"]) << v;
      EXPECT_GT(r["start_ms"].get<double>(), 0) << v;
    }
  }
}

TEST(Examples, PipeDeliversEveryMessageInOrderUnderEveryStartMethod) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"pipe", "--messages", "25", "--start-method", method});
    EXPECT_EQ(report["params"]["start_method"], method);
    EXPECT_EQ(variant_names(report), (std::vector<std::string>{"duplex", "one-way"}));
    for (const char* v : {"duplex", "one-way"}) {
      const json& r = result_of(report, v);
      EXPECT_EQ(r["sent"], 25) << method << " " << v;
      EXPECT_EQ(r["received"], 25) << method << " " << v;
      EXPECT_EQ(r["in_order"], true) << method << " " << v;
      EXPECT_GT(r["bytes"].get<long long>(), 25 * 10) << method << " " << v;
    }
  }
  EXPECT_EQ(run_report({"11.4", "--messages", "3"})["example"]["name"], "pipe");
}

TEST(Examples, SentinelStopsTheWorkerExactlyThere) {
  for (const std::string& method : kStartMethods) {
    const json r = result_of(run_report({"sentinel", "--items", "7", "--start-method", method}), "sentinel");
    EXPECT_EQ(r["items"], 7) << method;
    EXPECT_EQ(r["processed"], 7) << method;
  }
}

TEST(Examples, TerminateEndsAndReapsTheChild) {
  for (const std::string& method : kStartMethods) {
    const json r = result_of(run_report({"terminate", "--start-method", method}), "terminate");
    EXPECT_EQ(r["exitcode"], -15) << method;
    EXPECT_EQ(r["alive_before"], true) << method;
    EXPECT_EQ(r["alive_after"], false) << method;
  }
}

TEST(Examples, IsolationLeavesTheParentsListAlone) {
  for (const std::string& method : kStartMethods) {
    const json r = result_of(run_report({"isolation", "--start-method", method}), "isolation");
    EXPECT_EQ(r["parent_list"], json::array({1, 2, 3})) << method;
    EXPECT_EQ(r["child_list"], json::array({1, 2, 3, 4, 5})) << method;
  }
}

TEST(Examples, ProcessQueueConsumesEveryItemOnce) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"process-queue", "--producers", "3", "--consumers", "2", "--items", "40",
                                    "--maxsize", "3", "--start-method", method});
    EXPECT_EQ(variant_names(report), std::vector<std::string>{"queue"});
    const json& r = result_of(report, "queue");
    EXPECT_EQ(r["produced"], 120) << method;
    EXPECT_EQ(r["consumed"], 120) << method;
    EXPECT_EQ(r["duplicates"], 0) << method;
  }
  for (const char* id : {"10.13", "11.5"})
    EXPECT_EQ(run_report({id, "--items", "2"})["example"]["name"], "process-queue");
}

TEST(Examples, ProcessRaceCountsConsistently) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"11.2", "--processes", "3", "--iterations", "20000", "--start-method", method});
    EXPECT_EQ(report["example"]["name"], "process-race");
    const json& r = result_of(report, "unsynchronized");
    EXPECT_EQ(r["expected"], 60000) << method;
    EXPECT_EQ(r["actual"].get<long long>() + r["lost"].get<long long>(), 60000) << method;
    EXPECT_GE(r["actual"].get<long long>(), 1) << method;
    EXPECT_GE(r["lost"].get<long long>(), 0) << method;
  }
}

TEST(Examples, ProcessLockLosesNothingWithTheLockOrFetchAdd) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"process-lock", "--iterations", "5000", "--start-method", method});
    EXPECT_EQ(variant_names(report), (std::vector<std::string>{"unsynchronized", "lock", "atomic"}));
    for (const char* v : {"lock", "atomic"}) {
      const json& r = result_of(report, v);
      EXPECT_EQ(r["expected"], 10000) << method << " " << v;
      EXPECT_EQ(r["actual"], 10000) << method << " " << v;
      EXPECT_EQ(r["lost"], 0) << method << " " << v;
    }
    EXPECT_TRUE(check_held(report, "lock: no update lost")) << method;
    EXPECT_TRUE(check_held(report, "atomic: no update lost")) << method;
  }
}

TEST(Examples, SharedValueGivesTenAndElevenTwelveThirteen) {
  for (const std::string& method : kStartMethods) {
    const json r = result_of(run_report({"11.6", "--start-method", method}), "shared");
    EXPECT_EQ(r["value"], 10) << method;
    EXPECT_EQ(r["array"], json::array({11, 12, 13})) << method;
  }
  const json r = result_of(run_report({"shared-value", "--processes", "3", "--rounds", "4"}), "shared");
  EXPECT_EQ(r["value"], 12);
  EXPECT_EQ(r["array"], json::array({13, 14, 15}));
}

TEST(Examples, SharedStructIsSeenAndUpdatedByEveryProcess) {
  for (const std::string& method : kStartMethods) {
    const json r = result_of(run_report({"11.7", "--processes", "4", "--start-method", method}), "shared");
    EXPECT_EQ(r["visits"], 4) << method;
    EXPECT_EQ(r["total"], 10.0) << method;
    // Each of 4 processes moved every point one step right and doubled its height.
    EXPECT_EQ(r["points"], json::parse("[[5.5,-4.0],[1.0,16.0],[4.0,72.0]]")) << method;
  }
}

TEST(Examples, PoolGetsEveryResultRightByEveryMethod) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"pool", "--tasks", "7", "--start-method", method});
    EXPECT_EQ(variant_names(report),
              (std::vector<std::string>{"map", "imap_unordered", "apply_async", "starmap", "more-calls"}));
    for (const char* v : {"map", "imap_unordered", "apply_async", "starmap"}) {
      const json& r = result_of(report, v);
      EXPECT_EQ(r["tasks"], 7) << method << " " << v;
      EXPECT_EQ(r["completed"], 7) << method << " " << v;
      EXPECT_EQ(r["correct"], true) << method << " " << v;
    }
  }
}

TEST(Examples, PoolsOtherCallsDoWhatTheNotesShow) {
  for (const std::string& method : kStartMethods) {
    const json r = result_of(run_report({"pool", "--variant", "more-calls", "--start-method", method}), "more-calls");
    EXPECT_EQ(r["apply"], 42) << method;
    EXPECT_EQ(r["cubes"], json::array({1, 8, 27, 64, 125})) << method;
    EXPECT_EQ(r["products"], json::array({2, 12, 30})) << method;
    EXPECT_EQ(r["timed_out"], true) << method;
    EXPECT_GE(r["cpu_count"].get<int>(), 1) << method;
  }
}

TEST(Examples, PoolWithAKilledWorkerReportsItAndReturns) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"11.11", "--kill-worker", "--tasks", "40", "--start-method", method});
    EXPECT_EQ(variant_names(report).back(), "kill-worker");
    const json& r = result_of(report, "kill-worker");
    EXPECT_EQ(r["tasks"], 40) << method;
    EXPECT_GT(r["failed"].get<int>(), 0) << method;
    EXPECT_EQ(r["completed"].get<int>() + r["failed"].get<int>(), 40) << method;
    EXPECT_NE(r["error"].get<std::string>().find("died: killed by SIGKILL"), std::string::npos) << r["error"];
  }
}

TEST(Examples, PrimesAgreeInEveryVariant) {
  const json report = run_report({"primes", "--limit", "100000", "--workers", "3"});
  EXPECT_EQ(variant_names(report), (std::vector<std::string>{"sequential", "threads", "processes"}));
  for (const char* v : {"sequential", "threads", "processes"}) {
    EXPECT_EQ(result_of(report, v)["primes"], 9592) << v;  // pi(100000)
    EXPECT_EQ(result_of(report, v)["checked"], 100000) << v;
  }
  const json listed = run_report({"11.12", "--numbers", "2,4,97,100,1000000007,4294967297", "--start-method", "spawn"});
  for (const char* v : {"sequential", "threads", "processes"}) {
    EXPECT_EQ(result_of(listed, v)["primes"], 3) << v;  // 2, 97 and 1000000007; 2^32+1 = 641 x 6700417
    EXPECT_EQ(result_of(listed, v)["checked"], 6) << v;
  }
}

TEST(Examples, ExecutorsEndEveryFutureOneWayOrAnother) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"executors", "--calls", "7", "--start-method", method});
    EXPECT_EQ(variant_names(report), (std::vector<std::string>{"thread-executor", "process-executor"}));
    for (const char* v : {"thread-executor", "process-executor"}) {
      const json& r = result_of(report, v);
      EXPECT_EQ(r["submitted"], 7) << method << " " << v;
      EXPECT_EQ(r["cancelled"], 2) << method << " " << v;  // two workers busy, the last two queued
      EXPECT_EQ(r["completed"], 4) << method << " " << v;  // and one raised
      EXPECT_EQ(r["callbacks"], 7) << method << " " << v;
      EXPECT_EQ(r["raised"], 1) << method << " " << v;
      EXPECT_EQ(r["map"], json::array({1, 4, 9, 16, 25})) << method << " " << v;
      EXPECT_EQ(r["cancel_running_refused"], true) << method << " " << v;
    }
  }
}

TEST(Examples, ManagerSharesADictAndAListWithEveryWorker) {
  for (const std::string& method : kStartMethods) {
    const json report = run_report({"11.8", "--workers", "5", "--increments", "50", "--start-method", method});
    EXPECT_EQ(variant_names(report),
              (std::vector<std::string>{"manager", "plus-one-by-proxy", "plus-one-in-server"}));
    const json& r = result_of(report, "manager");
    EXPECT_EQ(r["dict"], r["expected_dict"]) << method;
    EXPECT_EQ(r["dict"].size(), 5u) << method;
    EXPECT_EQ(r["dict"]["worker-5"], 25) << method;
    json sorted = r["list"];
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, r["expected_list"]) << method;
    EXPECT_EQ(r["namespace"].size(), 5u) << method;  // each worker noted the keys it saw after the barrier
    for (const json& saw : r["namespace"]) EXPECT_EQ(saw, 5) << method;
    const json& server = result_of(report, "plus-one-in-server");
    EXPECT_EQ(server["expected"], 250) << method;
    EXPECT_EQ(server["lost"], 0) << method;
    const json& proxy = result_of(report, "plus-one-by-proxy");  // how many were lost is up to the scheduler
    EXPECT_EQ(proxy["expected"], 250) << method;
    EXPECT_GE(proxy["lost"].get<long long>(), 0) << method;
    EXPECT_LT(proxy["lost"].get<long long>(), 250) << method;
  }
}

TEST(Examples, CustomManagerRunsTheMethodsInTheServer) {
  for (const std::string& method : kStartMethods) {
    const json r = result_of(run_report({"custom-manager", "--workers", "4", "--rounds", "15", "--start-method", method}),
                             "custom");
    EXPECT_EQ(r["balance"], 7 * 4 * 15) << method;
    EXPECT_EQ(r["expected_balance"], 7 * 4 * 15) << method;
    EXPECT_EQ(r["operations"], 2 * 4 * 15) << method;
    EXPECT_GT(r["server_pid"].get<int>(), 0) << method;
  }
}

TEST(BadInput, PrimesNumbersMustBeAListOfWholeNumbers) {
  for (const char* bad : {"1,,2", "1,x", "7,", "-5"}) {
    const CliResult r = run_concur({"primes", "--numbers", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--numbers must be whole numbers"), std::string::npos) << r.err;
  }
}

TEST(Examples, RemoteManagerPutsGetsAndRefusesAWrongKey) {
  const json r = result_of(run_report({"remote-manager"}), "remote");
  EXPECT_EQ(r["put"], r["got"]);
  EXPECT_EQ(r["wrong_key_refused"], true);
  EXPECT_EQ(run_report({"11.10"})["example"]["name"], "remote-manager");
}

// The three programs of 11.10, run as three terminals would: serve until Ctrl-C, and
// meanwhile put, get, a wrong key and an empty get.
TEST(Examples, RemoteManagerServePutAndGetAreSeparatePrograms) {
  const std::map<std::string, std::optional<std::string>> key = {{"CONCUR_AUTHKEY", "test-key"}};
  CliOptions serve{key, false, "Ctrl-C stops it"};
  CliResult put, got, wrong, empty;
  serve.on_marker = [&](const std::string& output) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(output, m, std::regex("127\\.0\\.0\\.1:([0-9]+)"))) << output;
    const std::string port = m[1];
    put = run_concur({"11.10.2", "a value", "--port", port}, CliOptions{key});
    got = run_concur({"remote-manager", "get", "--port", port, "--timeout", "10"}, CliOptions{key});
    wrong = run_concur({"11.10.3", "--port", port}, CliOptions{{{"CONCUR_AUTHKEY", "not-the-key"}}});
    empty = run_concur({"11.10.3", "--port", port, "--timeout", "1"}, CliOptions{key});
  };
  const CliResult server = run_concur({"11.10.1", "--port", "0"}, serve);
  EXPECT_EQ(server.exit_code, 130) << server.err;
  EXPECT_EQ(put.exit_code, 0) << put.err;
  EXPECT_NE(put.out.find("put 'a value'"), std::string::npos) << put.out;
  EXPECT_EQ(got.exit_code, 0) << got.err;
  EXPECT_NE(got.out.find("got 'a value'"), std::string::npos) << got.out;
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.out.find("refused"), std::string::npos) << wrong.out;
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.out.find("nothing arrived"), std::string::npos) << empty.out;
}

TEST(BadInput, RemoteManagerNeedsAKeyAndAnAddress) {
  const CliResult no_key = run_concur({"remote-manager", "put", "x"}, CliOptions{{{"CONCUR_AUTHKEY", std::nullopt}}});
  EXPECT_EQ(no_key.exit_code, 2);
  EXPECT_NE(no_key.err.find("set CONCUR_AUTHKEY or give --authkey-file"), std::string::npos) << no_key.err;
  const CliResult bad_host =
      run_concur({"11.10.1", "--host", "localhost"}, CliOptions{{{"CONCUR_AUTHKEY", "k"}}});
  EXPECT_EQ(bad_host.exit_code, 2);
  EXPECT_NE(bad_host.err.find("is not an IPv4 address"), std::string::npos) << bad_host.err;
  const CliResult no_value = run_concur({"remote-manager", "put"}, CliOptions{{{"CONCUR_AUTHKEY", "k"}}});
  EXPECT_EQ(no_value.exit_code, 2);
  const CliResult missing_file = run_concur({"11.10.2", "x", "--authkey-file", "/nonexistent/key"});
  EXPECT_EQ(missing_file.exit_code, 2);
  EXPECT_NE(missing_file.err.find("cannot read the auth key file"), std::string::npos) << missing_file.err;
}

TEST_F(NothingLeftBehind, AfterEveryProcessExampleUnderEveryStartMethod) {
  for (const std::string& method : kStartMethods)
    for (const char* example : {"process-queue", "process-race", "process-lock", "shared-value", "shared-struct",
                                "pipe", "sentinel", "terminate", "hybrid", "isolation", "multiprocessing", "pool", "executors", "manager",
                                "custom-manager"}) {
      const CliResult r = run_concur({example, "--quiet", "--time-scale", "0.05", "--start-method", method});
      EXPECT_EQ(r.exit_code, 0) << example << " " << method << ": " << r.err;
    }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"process", "--quiet", "--repeat", "2"},
        {"pool", "--quiet", "--kill-worker", "--time-scale", "0.2"},
        {"primes", "--quiet", "--limit", "20000"},
        {"gil", "--quiet", "--count", "2000000"},
        {"remote-manager", "--quiet"}}) {
    const CliResult r = run_concur(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
}

TEST_F(NothingLeftBehind, CtrlCInTheMiddleOfAProcessExampleExits130) {
  for (const std::string& method : kStartMethods) {
    // Producers that would run for minutes; interrupted once items are flowing.
    const CliOptions opts{{}, false, "got 1-3"};
    const CliResult r = run_concur({"process-queue", "--items", "100000", "--maxsize", "2", "--start-method", method},
                                   opts);
    EXPECT_EQ(r.signal, 0) << method;
    EXPECT_EQ(r.exit_code, 130) << method << ": " << r.err;
    EXPECT_NE(r.err.find("interrupted"), std::string::npos) << method;
  }
}

TEST_F(NothingLeftBehind, CtrlCWhileAChildWorksForeverExits130) {
  for (const std::string& method : kStartMethods) {
    const CliOptions opts{{}, false, "working (round 2)"};
    const CliResult r = run_concur({"terminate", "--after", "60", "--start-method", method}, opts);
    EXPECT_EQ(r.exit_code, 130) << method << ": " << r.err;
  }
}

}  // namespace
}  // namespace concur::test
