// The command line under fire (issue 14): every example and command, every option, a
// generated set of bad values. Each must be refused before anything runs: exit 2, one
// line on stderr naming the option, nothing on stdout, no file written, nothing left.
// Then the report files: a lost report is exit 1, a refused run touches no file, two
// outputs on one path are refused, a FIFO with no reader and a closed stdout do not hang.
//
// The values are drawn with a seed, printed at the start and with every failure;
// CONCUR_FUZZ_SEED=N replays a run.

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>

#include "fuzz_common.hpp"
#include "nothing_left.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::uint64_t fuzz_seed() {
  if (const char* s = std::getenv("CONCUR_FUZZ_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// Values the option `p` (from `concur list --json`) must refuse.
std::vector<std::string> bad_values(const json& p) {
  const std::string type = p["type"];
  if (type == "integer")
    return {"", std::to_string(p["min"].get<long long>() - 1), std::to_string(p["max"].get<long long>() + 1),
            "99999999999999999999999", "abc", "NaN", "1e999", "3x", "1.5", "--", "0x10"};
  if (type == "seconds")
    return {"", number(p["min"].get<double>() - 1), number(p["max"].get<double>() * 2 + 1), "nan", "inf", "1e999",
            "abc", "0.5s", "--"};
  if (type == "choice") {
    std::string upper = p["choices"][0];
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    return {"", "banana", upper, p["choices"][0].get<std::string>() + " "};
  }
  if (type == "integer_list")
    return {"", ",", "1,,2", "a", std::to_string(p["min"].get<long long>() - 1), "1,"};
  return {""};  // text, text_list: anything but nothing may be a host or a URL
}

// A bad use of a common option, and the option the message must name.
struct Bad {
  std::vector<std::string> args;
  std::string names;
};
const std::vector<Bad> kCommonBad = {
    {{"--repeat", ""}, "--repeat"},        {{"--repeat", "0"}, "repeat"},
    {{"--repeat", "10001"}, "repeat"},     {{"--repeat", "x"}, "repeat"},
    {{"--time-scale", ""}, "--time-scale"}, {{"--time-scale", "0"}, "--time-scale"},
    {{"--time-scale", "nan"}, "--time-scale"}, {{"--time-scale", "1e999"}, "--time-scale"},
    {{"--time-scale", "-1"}, "--time-scale"}, {{"--jitter", ""}, "--jitter"},
    {{"--jitter", "-1"}, "--jitter"},      {{"--jitter", "99999999999999999999"}, "--jitter"},
    {{"--json", ""}, "--json"},            {{"--trace", ""}, "--trace"},
    {{"--trace", "-"}, "--trace"},         {{"--export-markdown", ""}, "--export-markdown"},
    {{"--json", "no-such-dir/r.json"}, "--json"}, {{"--timeline=1"}, "--timeline"},
    {{"--quiet=banana"}, "--quiet"},       {{"--no-color="}, "--no-color"},
    {{"--timeline", "--no-timeline"}, "--timeline"}, {{"--json", "."}, "--json"},
};

// Runs one bad command line and checks it was refused cleanly; `scratch` must stay empty.
void expect_refused(const std::vector<std::string>& args, const std::string& names, const ScratchCwd& scratch,
                    std::uint64_t seed) {
  const Ran r = run_bounded(args, 30);
  const std::string what = command_line(args) + " (CONCUR_FUZZ_SEED=" + std::to_string(seed) + ")";
  EXPECT_FALSE(r.timed_out) << what << " did not end";
  EXPECT_EQ(r.exit_code, 2) << what << "\nstderr: " << r.err;
  EXPECT_EQ(line_count(r.err), 1) << what << "\nstderr: " << r.err;
  EXPECT_TRUE(r.err.starts_with("concur: ")) << what << "\nstderr: " << r.err;
  if (!names.empty()) {
    EXPECT_NE(r.err.find(names), std::string::npos) << what << " does not name " << names << ": " << r.err;
  }
  EXPECT_EQ(r.out, "") << what;
  const std::vector<std::string> left = scratch.entries();
  EXPECT_TRUE(left.empty()) << what << " wrote " << left.front();
  for (const std::string& name : left) fs::remove_all(scratch.dir() / name);
}

class Fuzz : public NothingLeftBehind {};

TEST_F(Fuzz, EveryOptionOfEveryExampleRefusesBadValuesBeforeRunning) {
  const std::uint64_t seed = fuzz_seed();
  std::cout << "CONCUR_FUZZ_SEED=" << seed << "\n";
  std::mt19937_64 rng(seed);
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const json cat = catalogue();
  ScratchCwd scratch;
  // Asking for reports too: a run that was wrongly let through would write them.
  const std::vector<std::string> reports = {"--json", "r.json", "--trace", "t.json", "--export-markdown", "m.md"};
  int runs = 0;
  for (const json& e : cat["examples"]) {
    const std::string name = e["name"];
    for (const json& p : e["params"]) {
      const std::string option = "--" + p["name"].get<std::string>();
      std::vector<std::string> args{pick(2) == 0 ? name : e["id"].get<std::string>()};
      if (p["type"] == "flag") {
        const std::vector<std::string> values{"banana", "", "true", "0"};
        args.push_back(option + "=" + values[pick(values.size())]);
      } else {
        const std::vector<std::string> values = bad_values(p);
        args.insert(args.end(), {option, values[pick(values.size())]});
      }
      args.insert(args.end(), reports.begin(), reports.end());
      // "--" as a value leaves the option without one: CLI11 names the option either way.
      expect_refused(args, option, scratch, seed);
      ++runs;
    }
    const Bad& common = kCommonBad[pick(kCommonBad.size())];
    std::vector<std::string> args{name};
    args.insert(args.end(), common.args.begin(), common.args.end());
    expect_refused(args, common.names, scratch, seed);
    ++runs;
    for (const json& cmd : e["commands"]) {
      for (const json& p : cmd["params"]) {
        const std::vector<std::string> values = bad_values(p);
        std::vector<std::string> args{name, cmd["name"], "--" + p["name"].get<std::string>(),
                                      values[pick(values.size())]};
        if (!cmd["argument"].get<std::string>().empty()) args.push_back("7");
        expect_refused(args, "--" + p["name"].get<std::string>(), scratch, seed);
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 50) << "the catalogue lists too few options to fuzz";
}

// The usual cases, every time (the fuzz above draws among them).
TEST_F(Fuzz, EmptyValuesAndSwitchValuesAreBadUsage) {
  ScratchCwd scratch;
  expect_refused({"race", "--threads", ""}, "--threads", scratch, 0);
  expect_refused({"race", "--json", ""}, "--json", scratch, 0);
  expect_refused({"race", "--repeat", ""}, "--repeat", scratch, 0);
  expect_refused({"process", "--start-method", ""}, "--start-method", scratch, 0);
  expect_refused({"pool", "--kill-worker=banana"}, "--kill-worker", scratch, 0);
  expect_refused({"pool", "--kill-worker=true"}, "--kill-worker", scratch, 0);
  expect_refused({"lesson", ""}, "example", scratch, 0);
  // The commands besides the examples take the same rules.
  expect_refused({"tour", "--repeat", ""}, "--repeat", scratch, 0);
  expect_refused({"tour", "--quiet=yes"}, "--quiet", scratch, 0);
  expect_refused({"check", "race", "--runs", ""}, "--runs", scratch, 0);
  expect_refused({"check", "race", "--json", ""}, "--json", scratch, 0);
  expect_refused({"list", "--json=1"}, "--json", scratch, 0);
  expect_refused({"exercise", "race", "--fresh=no"}, "--fresh", scratch, 0);
  expect_refused({"remote-manager", "put", "--timeout", "", "7"}, "--timeout", scratch, 0);
}

TEST_F(Fuzz, TheRefusedOptionIsTheOneNamed) {
  ScratchCwd scratch;
  expect_refused({"remote-manager", "serve", "--port", "5000", "-v"}, "'-v'", scratch, 0);
  expect_refused({"remote-manager", "serve", "--port", "5000", "--bogus"}, "'--bogus' for 'concur remote-manager serve'",
                 scratch, 0);
  expect_refused({"race", "--thread", "2"}, "did you mean '--threads'", scratch, 0);
}

TEST_F(Fuzz, CombinationsThatCannotWorkAreRefused) {
  ScratchCwd scratch;
  expect_refused({"daemon", "--daemon-step", "0"}, "--daemon-step", scratch, 0);
  expect_refused({"daemon", "--step", "1", "--daemon-step", "1"}, "--daemon-step", scratch, 0);
  expect_refused({"deadlock", "--hold", "0"}, "--hold", scratch, 0);
}

// Values the ranges allow that used to fail the run (issue 14): they work now.
TEST_F(Fuzz, ValuesThatOnceFailedTheRunNowWork) {
  ScratchCwd scratch;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"pool", "--tasks", "64", "--time-scale", "0.05"},            // 2^63 overflowed in starmap
           {"pool", "--kill-worker", "--tasks", "1", "--time-scale", "0.2"},  // the work ended before the kill
           {"try-lock", "--step", "0"}}) {                                 // Worker-1 left before Worker-2 asked
    std::vector<std::string> quiet = args;
    quiet.insert(quiet.end(), {"--quiet", "--no-timeline"});
    const Ran r = run_bounded(quiet, 60);
    EXPECT_EQ(r.exit_code, 0) << command_line(quiet) << "\n" << r.out << r.err;
  }
}

// ---- Report files ----

const std::vector<std::string> kQuick = {"race", "--time-scale", "0.05", "--no-timeline", "--quiet"};
std::vector<std::string> quick(std::vector<std::string> more) {
  std::vector<std::string> args = kQuick;
  args.insert(args.end(), more.begin(), more.end());
  return args;
}
void write_file(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

class Outputs : public NothingLeftBehind {};

TEST_F(Outputs, AReportThatCannotBeWrittenIsExit1) {
  for (const std::string option : {"--json", "--trace", "--export-markdown"}) {
    const Ran r = run_bounded(quick({option, "/dev/full"}), 60);
    EXPECT_EQ(r.exit_code, 1) << option << ": " << r.err;
    EXPECT_NE(r.err.find(option), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    EXPECT_EQ(line_count(r.err), 1) << r.err;
  }
}

TEST_F(Outputs, ACheckVerdictThatCannotBeWrittenIsExit1) {
  const std::string program = (fs::path(CONCUR_BIN).parent_path() / "tests/cli/exercises/exercise-solution-race").string();
  const Ran r = run_bounded({"check", "race", "--program", program, "--runs", "1", "--json", "/dev/full"}, 60);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("the --json report is lost: cannot write '/dev/full'"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("Passed"), std::string::npos) << "the check ran";
}

TEST_F(Outputs, JsonOnAFullOrClosedStdoutIsExit1) {
  for (const Stdout mode : {Stdout::full, Stdout::closed}) {
    const Ran r = run_bounded(quick({"--json", "-"}), 60, mode);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("the --json report is lost: cannot write stdout"), std::string::npos) << r.err;
  }
}

TEST_F(Outputs, DevStdoutIsWrittenThroughTheRedirectionNotReplaced) {
  ScratchCwd scratch;
  const Ran r = run_bounded(quick({"--json", "/dev/stdout"}), 60, Stdout::file);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string text = file_text("stdout.txt");
  EXPECT_NE(text.find("ok: every required check held"), std::string::npos) << "the narration is kept: " << text;
  EXPECT_NE(text.find("\"schema\": \"concur.report/2\""), std::string::npos) << "and the report follows it";
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"stdout.txt"});
}

TEST_F(Outputs, ARefusedRunLeavesExistingFilesAsTheyWere) {
  ScratchCwd scratch;
  write_file("existing.json", "earlier report\n");
  const Ran r = run_bounded(quick({"--json", "existing.json", "--trace", "/nope/t.json"}), 30);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--trace"), std::string::npos) << r.err;
  EXPECT_EQ(file_text("existing.json"), "earlier report\n");
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"existing.json"});
}

TEST_F(Outputs, TwoOutputsOnOneFileAreRefused) {
  ScratchCwd scratch;
  fs::create_directory("sub");
  fs::create_symlink("../r.json", "sub/link.json");
  for (const std::vector<std::string>& two : std::vector<std::vector<std::string>>{
           {"--json", "r.json", "--trace", "r.json"},
           {"--json", "r.json", "--export-markdown", "./sub/../r.json"},
           {"--trace", "r.json", "--export-markdown", "sub/link.json"}}) {
    const Ran r = run_bounded(quick(two), 30);
    EXPECT_EQ(r.exit_code, 2) << command_line(two) << ": " << r.err;
    EXPECT_NE(r.err.find("are the same file"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists("r.json"));
  }
}

TEST_F(Outputs, AReportReplacesTheOldOneWholeAndLeavesNoTemporaryFile) {
  ScratchCwd scratch;
  write_file("r.json", "earlier report\n");
  ::chmod("r.json", 0640);
  const Ran r = run_bounded(quick({"--json", "r.json", "--trace", "t.json", "--export-markdown", "m.md"}), 60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(file_text("r.json"));
  EXPECT_EQ(report["schema"], "concur.report/2");
  EXPECT_TRUE(json::accept(file_text("t.json")));
  EXPECT_NE(file_text("m.md").find("|"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat("r.json", &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "the report keeps the old file's permissions";
  std::vector<std::string> names = scratch.entries();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"m.md", "r.json", "t.json"}));
}

TEST_F(Outputs, AFifoWithNoReaderDoesNotBlockTheRun) {
  ScratchCwd scratch;
  ASSERT_EQ(::mkfifo("fifo", 0600), 0);
  const Ran r = run_bounded({"race", "--time-scale", "0.05", "--no-timeline", "--json", "fifo"}, 60);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.out, "") << "the run must happen before the FIFO is opened";
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("no one opened the FIFO for reading"), std::string::npos) << r.err;
}

TEST_F(Outputs, CtrlCLeavesTheEarlierReportAsItWas) {
  ScratchCwd scratch;
  write_file("r.json", "earlier report\n");
  CliOptions options;
  options.interrupt_after = "acquired the semaphore";  // mid-run: each holds it for 30 s
  const CliResult r = run_concur({"semaphore", "--hold", "30", "--json", "r.json", "--trace", "t.json"}, options);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_EQ(file_text("r.json"), "earlier report\n");
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"r.json"});
}

}  // namespace
}  // namespace concur::test
