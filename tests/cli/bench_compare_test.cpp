// bench_compare as scripts/bench-compare runs it (issue 19): one cheap row end to end, bad
// usage refused before anything runs, and Ctrl-C stopping and reaping the running program
// without writing a half table. Behaviour only: the figures themselves are not checked.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "nothing_left.hpp"
#include "run_cli.hpp"

namespace {

using concur::test::CliOptions;
using concur::test::file_text;
using concur::test::run_concur;

namespace fs = std::filesystem;

CliOptions bench_compare() { return {.binary = BENCH_COMPARE_BIN}; }

class BenchCompare : public concur::test::NothingLeftBehind {
 protected:
  void SetUp() override {
    NothingLeftBehind::SetUp();
    dir_ = fs::temp_directory_path() / ("bench_compare_test." + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    NothingLeftBehind::TearDown();
  }
  fs::path dir_;
};

TEST_F(BenchCompare, OneRowWithoutPythonWritesTheHeaderAndTheRow) {
  const fs::path out = dir_ / "compare.md";
  const auto r = run_concur({"--only", "timeline", "--reps", "1", "--no-python", "--out", out}, bench_compare());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string md = file_text(out);
  EXPECT_EQ(md, r.out) << "the file holds what was printed";
  EXPECT_NE(md.find("- date: "), std::string::npos) << md;
  EXPECT_NE(md.find(" cores, "), std::string::npos) << md;
  EXPECT_NE(md.find("- --no-python: the CPython column is left empty"), std::string::npos) << md;
  EXPECT_NE(md.find("| workload | concur | CPython | OS floor (same run) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| timeline span + 2 clock reads (CPU time) | "), std::string::npos) << md;
  EXPECT_EQ(md.find("| timeline span + 2 clock reads (CPU time) | -"), std::string::npos) << "measured, not missing";
  EXPECT_NE(r.err.find("the CPython column is left empty"), std::string::npos) << r.err;
}

TEST_F(BenchCompare, AFailingTwinIsOneLineItsCellsDashesAndExitOne) {
  // A python3 that answers --version and fails at everything else.
  const fs::path bin = dir_ / "bin";
  fs::create_directories(bin);
  {
    std::ofstream script(bin / "python3");
    script << "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'Python 3.99.0'; exit 0; }\n"
              "echo 'Traceback: the twin broke' >&2\nexit 1\n";
  }
  fs::permissions(bin / "python3", fs::perms::owner_all);
  CliOptions options = bench_compare();
  options.env["PATH"] = bin.string() + ":" + std::getenv("PATH");
  const fs::path out = dir_ / "compare.md";
  const auto r = run_concur({"--only", "start", "--reps", "1", "--out", out}, options);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("bench_compare: `mp_compare.py` failed: exit status 1: Traceback: the twin broke\n"),
            std::string::npos) << r.err;
  const std::string md = file_text(out);
  EXPECT_NE(md.find("| CPython 3.99 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| process start to running, fork | "), std::string::npos) << md;
  EXPECT_NE(md.find(" | - [1] | "), std::string::npos) << "the CPython cell: " << md;
  EXPECT_NE(md.find("- [1] `mp_compare.py` failed: exit status 1: Traceback: the twin broke"), std::string::npos) << md;
}

TEST_F(BenchCompare, BadUsageIsOneLineAndExitTwo) {
  const fs::path out = dir_ / "compare.md";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--reps", "zero", "--out", out}, {"--only", "no-such-row", "--out", out}, {"--frobnicate"},
           {"--out", (dir_ / "missing" / "x.md").string()}}) {
    const auto r = run_concur(args, bench_compare());
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(BenchCompare, CtrlCStopsTheRunningProgramAndWritesNothing) {
  const fs::path out = dir_ / "compare.md";
  CliOptions options = bench_compare();
  options.interrupt_after = "[1/2] pipe-64MiB placement:0: bench_pipe ...";  // while it runs
  const auto r = run_concur({"--only", "pipe-64MiB", "--reps", "2", "--no-python", "--out", out}, options);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted; nothing written"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
