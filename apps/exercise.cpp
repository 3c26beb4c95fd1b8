#include "exercise.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include <concur/core/child.hpp>
#include <concur/core/console.hpp>
#include <concur/core/jitter.hpp>
#include "markdown.hpp"
#include <concur/harness/report.hpp>
#include <concur/harness/timeline_view.hpp>

#include "exercises.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "output_file.hpp"
#include "workshop.hpp"

namespace concur::cli {
namespace {

namespace fs = std::filesystem;
using exercises::Exercise;

std::string exercise_names() {
  std::string names;
  for (const Exercise& x : exercises::all()) names += (names.empty() ? "" : ", ") + x.name;
  return names;
}

struct Located {
  const Example& example;
  const Exercise& exercise;
  fs::path folder;  // exercises/NAME in the source tree
};

Located locate(const Catalogue& cat, const std::string& name) {
  const Example* e = cat.find(name);
  if (e == nullptr)
    throw BadUsage(fmt::format("unknown exercise '{}'; there is one for each of {} ('concur exercise --list')", name,
                               exercise_names()));
  const Exercise* x = exercises::find(e->name);
  if (x == nullptr)
    throw BadUsage(fmt::format("'{}' has no exercise; these examples do: {} ('concur exercise --list')", e->name,
                               exercise_names()));
  const fs::path folder = fs::path(CONCUR_SOURCE_DIR) / "exercises" / x->name;
  if (!fs::exists(folder / "start.cpp"))
    throw BadUsage(fmt::format("the exercises are not here ({} is missing): this concur was installed without its "
                               "sources; clone the project and run 'make' to do the exercises",
                               folder.string()));
  return {*e, *x, folder};
}

// The student's workspace: CONCUR_WORKSPACE, else workspace/ in the source tree.
fs::path workspace() {
  const char* chosen = std::getenv("CONCUR_WORKSPACE");
  return chosen != nullptr && *chosen != '\0' ? fs::path(chosen) : fs::path(CONCUR_SOURCE_DIR) / "workspace";
}

std::string now_text() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::localtime(&t));
  return buf;
}

// The SHA-256 of a file's text, in hex: progress.json records which version passed.
std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 of the checked file failed (libcrypto)");
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

// progress.json in the workspace: per exercise, when it was started, how many hints were
// seen, and whether a full check passed (when, with which seed, and the SHA-256 of the
// file that passed). Only a full check of the student's own file marks an exercise done:
// every run the exercise asks for, a fresh seed, quiet runs, and the file the same at the
// end of the check as when it was built. A failing check of that file clears it again.
class Progress {
 public:
  explicit Progress(fs::path folder) : path_(std::move(folder) / "progress.json") {
    if (!fs::exists(path_)) return;
    data_ = nlohmann::json::parse(read_text(path_), nullptr, /*allow_exceptions=*/false);
    if (!data_.is_object())
      throw BadUsage(fmt::format("{} is damaged (not a JSON object): fix it or delete it to start the record again",
                                 path_.string()));
  }

  nlohmann::json& of(const std::string& name) {
    nlohmann::json& entry = data_[name];
    if (!entry.is_object()) entry = nlohmann::json::object();
    return entry;
  }
  bool passed(const std::string& name) const {
    if (!data_.contains(name) || !data_[name].is_object()) return false;
    const nlohmann::json& entry = data_[name];
    // A record from before the hash was kept is not trusted: a short check could make it.
    return entry.value("passed", false) && entry.contains("sha256") && entry["sha256"].is_string();
  }
  void mark_passed(const std::string& name, std::uint64_t seed, int runs, const std::string& sha256) {
    nlohmann::json& entry = of(name);
    entry["passed"] = true;
    entry["passed_at"] = now_text();
    entry["seed"] = seed;
    entry["runs"] = runs;
    entry["sha256"] = sha256;
  }
  // The file as it is now does not pass: it is no longer done.
  void mark_failed(const std::string& name) {
    nlohmann::json& entry = of(name);
    for (const char* key : {"passed_at", "seed", "runs", "sha256"}) entry.erase(key);
    entry["passed"] = false;
    entry["failed_at"] = now_text();
  }
  // `exercise --fresh`: the record starts again with the starting point.
  void restart(const std::string& name) {
    data_[name] = nlohmann::json::object();
    data_[name]["started"] = now_text();
  }

  void save() const {
    fs::create_directories(path_.parent_path());
    const fs::path temporary = path_.string() + ".new";
    write_text(temporary, data_.dump(2) + "\n");
    fs::rename(temporary, path_);  // a reader sees the old record or the new one, whole
  }

 private:
  fs::path path_;
  nlohmann::json data_ = nlohmann::json::object();
};

// The console on stdout, or on stderr when stdout carries JSON (check --json -).
Console& console(int fd = 1) {
  Console& con = Console::get();
  con.configure(fd, Console::color_wanted(fd, false), true);
  return con;
}

// ---- running the student's program --------------------------------------------------

// What one run left behind.
struct RunResult {
  int status = 0;          // exit status, 128+signal when killed
  bool timed_out = false;  // still running at the time limit
  double seconds = 0;
  nlohmann::json report;   // null when it wrote none
  std::string tail;        // the last lines it printed (not with --narrate)
};

// For the Ctrl-C handler (OnInterrupt stops the run going on): the scratch files to remove.
char g_scratch_files[2][4096];
char g_scratch_dir[4096];

void remove_scratch_from_signal() {
  for (const char* f : g_scratch_files)
    if (f[0] != '\0') ::unlink(f);
  if (g_scratch_dir[0] != '\0') ::rmdir(g_scratch_dir);
}

// A private folder for each check's report and output, removed when the check ends.
class Scratch {
 public:
  Scratch() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/concur-check-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw BadUsage(fmt::format("cannot make a scratch folder {}: {}", pattern, std::strerror(errno)));
    dir_ = pattern;
    remember(g_scratch_dir, dir_);
    remember(g_scratch_files[0], report());
    remember(g_scratch_files[1], output());
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    g_scratch_dir[0] = g_scratch_files[0][0] = g_scratch_files[1][0] = '\0';
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  fs::path report() const { return dir_ / "report.json"; }
  fs::path output() const { return dir_ / "output.log"; }

 private:
  static void remember(char (&slot)[4096], const fs::path& p) {
    std::snprintf(slot, sizeof slot, "%s", p.c_str());
  }
  fs::path dir_;
};

std::string last_lines(const fs::path& path, std::size_t count) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

RunResult run_once(const fs::path& program, const Exercise& x, double time_limit_s, std::uint64_t seed, bool narrate,
                   const Scratch& scratch) {
  std::error_code ignored;
  fs::remove(scratch.report(), ignored);
  std::vector<std::string> args{program.string(), x.name, "--no-timeline", "--json", scratch.report().string(),
                                "--jitter", std::to_string(seed)};
  if (!narrate) args.emplace_back("--quiet");
  args.insert(args.end(), x.options.begin(), x.options.end());

  // A group of its own, so that a hung run is stopped with every process it started.
  const auto began = std::chrono::steady_clock::now();
  std::optional<ChildProgram> child;
  try {
    child.emplace(args, ChildOptions{.own_group = true, .output = narrate ? "" : scratch.output().string()});
  } catch (const std::system_error& e) {
    throw BadUsage(e.what());
  }
  RunResult r;
  const auto limit = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(time_limit_s));
  if (const std::optional<int> status = child->wait_for(limit)) {
    r.status = *status;
  } else {
    r.timed_out = true;
    child->stop();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (fs::exists(scratch.report()))
    r.report = nlohmann::json::parse(read_text(scratch.report()), nullptr, /*allow_exceptions=*/false);
  if (r.report.is_discarded()) r.report = nullptr;
  if (!narrate) r.tail = last_lines(scratch.output(), 12);
  return r;
}

std::string describe_status(int status) {
  if (status > 128) {
    const char* name = ::sigabbrev_np(status - 128);
    return fmt::format("it was killed by SIG{}", name != nullptr ? name : "?");
  }
  return fmt::format("it exited with status {}", status);
}

// nullopt when the run shows the claim; else what went wrong, for the student.
std::optional<std::string> judge_run(const RunResult& r, const Exercise& x, double time_limit_s) {
  if (r.timed_out)
    return fmt::format("still running after {}, so it was stopped: the program hangs (a deadlock, or a thread "
                       "waiting for something that never comes)",
                       format_seconds(time_limit_s));
  std::string options;
  for (const std::string& o : x.options) options += (options.empty() ? "" : " ") + o;
  if (r.status == 2)
    return fmt::format("the program refused the check's options ({}): keep the options of the starting point",
                       options);
  if (r.status != 0 && r.status != 1) return fmt::format("the program crashed: {}", describe_status(r.status));
  if (!r.report.is_object() || !r.report.contains("variants") || r.report["variants"].empty())
    return "the program wrote no report";
  const nlohmann::json& variant = r.report["variants"][0];
  if (variant.contains("error")) return fmt::format("the run threw: {}", variant["error"].get<std::string>());
  if (!variant.contains("runs") || variant["runs"].empty()) return "the program ran nothing";
  try {
    return x.judge(variant["runs"][0].value("result", nlohmann::json::object()));
  } catch (const exercises::MissingResult& e) {
    return std::string(e.what());
  } catch (const nlohmann::json::exception& e) {
    return fmt::format("the run's results are not what the check reads: {}", e.what());
  }
}

// What exploring every schedule of a program (Exercise::explore) found.
struct ExploreResult {
  std::optional<std::string> wrong;  // what a schedule does wrong, for the student
  std::string schedule;              // the shortest schedule that does it
  long schedules = 0;
  double seconds = 0;
  std::string tail;                  // the program's last lines, when it could not explore
};

// The options of the exploration: the exercise's small configuration, and a preemption
// bound, as CHESS: most concurrency bugs need one or two, and the search stays in seconds.
constexpr std::string_view kExplorePreemptions = "2";

ExploreResult explore_once(const fs::path& program, const Exercise& x, double time_limit_s, const Scratch& scratch) {
  std::error_code ignored;
  fs::remove(scratch.report(), ignored);
  std::vector<std::string> args{program.string(), "explore", x.name, "--quiet", "--json", scratch.report().string(),
                                "--preemptions", std::string(kExplorePreemptions)};
  args.insert(args.end(), x.explore.begin(), x.explore.end());
  const auto began = std::chrono::steady_clock::now();
  std::optional<ChildProgram> child;
  try {
    child.emplace(args, ChildOptions{.own_group = true, .output = scratch.output().string()});
  } catch (const std::system_error& e) {
    throw BadUsage(e.what());
  }
  ExploreResult e;
  const auto limit = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(time_limit_s));
  const std::optional<int> status = child->wait_for(limit);
  if (!status) child->stop();
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (!status) {
    e.wrong = fmt::format("exploring every schedule took longer than {}: a schedule hangs", format_seconds(time_limit_s));
    return e;
  }
  const nlohmann::json doc = fs::exists(scratch.report())
                                 ? nlohmann::json::parse(read_text(scratch.report()), nullptr, /*allow_exceptions=*/false)
                                 : nlohmann::json();
  if (*status == 2 || !doc.is_object() || !doc.contains("variants")) {
    e.tail = last_lines(scratch.output(), 6);
    e.wrong = "the program could not be explored one step at a time: keep the starting point's `.controlled` line, "
              "its options and its concur::Shared values";
    return e;
  }
  for (const nlohmann::json& v : doc["variants"]) {
    e.schedules += v.value("schedules", 0L);
    if (e.wrong) continue;
    if (!v["error"].is_null()) {
      e.wrong = fmt::format("a schedule made it fail: {}", v["error"].get<std::string>());
      continue;
    }
    for (const nlohmann::json& o : v["outcomes"]) {
      const std::string outcome = o["outcome"];
      if (outcome == "deadlock") {
        e.wrong = fmt::format("a schedule deadlocks: {}", v.value("first_deadlock", std::string("no thread could go on")));
      } else {
        try {
          if (const std::optional<std::string> why = x.explore_judge(o.value("result", nlohmann::json::object())))
            e.wrong = fmt::format("a schedule ends with {}: {}", outcome, *why);
        } catch (const exercises::MissingResult& m) {
          e.wrong = m.what();
        }
      }
      if (e.wrong) {
        e.schedule = o["shortest"];
        break;
      }
    }
  }
  return e;
}

// Copies the student's file (its text as read once: that is what is built and hashed) to
// where the runner target compiles it from, with a #line so that the compiler's messages
// name the student's file. Unchanged: left alone, so nothing is rebuilt.
void stage(const fs::path& file, std::string_view source, const fs::path& staged) {
  const std::string text = fmt::format("#line 1 \"{}\"\n{}", fs::absolute(file).string(), source);
  fs::create_directories(staged.parent_path());
  if (fs::exists(staged) && read_text(staged) == text) return;
  write_text(staged, text);
}

// The hints of an exercise: the sections of hints.md that start with "## ".
std::vector<std::string> hints_of(const fs::path& folder) {
  std::vector<std::string> hints;
  std::istringstream in(read_text(folder / "hints.md"));
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## "))
      hints.push_back(line + "\n");
    else if (!hints.empty())
      hints.back() += line + "\n";
  }
  return hints;
}

}  // namespace

int list_exercises(const Catalogue& cat) {
  const fs::path ws = workspace();
  Progress progress(ws);
  Console& con = console();
  con.line(con.paint(fmt::format("Exercises (your workspace: {})", ws.string()), Style::bold));
  int done = 0;
  for (const Exercise& x : exercises::all()) {
    const Example* e = cat.find(x.name);
    std::string status = "to do";
    Style style = Style::plain;
    if (progress.passed(x.name)) {
      status = "done", style = Style::green, ++done;
    } else if (fs::exists(ws / (x.name + ".cpp"))) {
      status = "started", style = Style::yellow;
    }
    // The goal wrapped under itself: "  10.4  race          to do    Make the ..."
    constexpr std::size_t kIndent = 31;
    const std::string goal = wrap_text(x.goal, kIndent, std::max<std::size_t>(terminal_width(1), kIndent + 30));
    con.line(fmt::format("  {:<5} {:<13} {}  {}", e != nullptr ? e->id : "", x.name,
                         con.paint(fmt::format("{:<7}", status), style), goal.substr(kIndent)));
  }
  con.line(fmt::format("{} of {} done. Start one with 'concur exercise NAME', test it with 'concur check NAME'.", done,
                       exercises::all().size()));
  return kOk;
}

int start_exercise(const Catalogue& cat, const std::string& name, bool fresh) {
  const Located at = locate(cat, name);
  const fs::path ws = workspace();
  const fs::path mine = ws / (at.exercise.name + ".cpp");
  Progress progress(ws);
  Console& con = console();
  con.line(con.paint(fmt::format("Exercise {} ({} {})", at.exercise.name, at.example.id, at.example.title),
                     Style::bold));
  con.line(at.exercise.goal);
  con.line();
  if (fs::exists(mine) && !fresh) {
    con.line(fmt::format("Your copy is already in the workspace, kept as it is: {}", mine.string()));
    con.line(fmt::format("(to start over: 'concur exercise {} --fresh'; your version is kept as {}.bak)",
                         at.exercise.name, mine.filename().string()));
  } else {
    fs::create_directories(ws);
    if (fs::exists(mine)) {
      fs::rename(mine, mine.string() + ".bak");
      con.line(fmt::format("Your previous version is now {}.bak.", mine.string()));
    }
    fs::copy_file(at.folder / "start.cpp", mine);
    progress.restart(at.exercise.name);  // a new starting point is not done, whatever passed before
    progress.save();
    con.line(fmt::format("The starting point is copied to {}", mine.string()));
    con.line("(the reference demo stays as it is).");
  }
  con.line();
  const std::vector<std::pair<std::string, std::string>> next = {
      {"$EDITOR " + mine.string(), "read its first comment, then repair it"},
      {"concur check " + at.exercise.name, fmt::format("build it and run it {} times with jitter", at.exercise.runs)},
      {"concur hint " + at.exercise.name, "stuck? one hint more each time"}};
  std::size_t width = 0;
  for (const auto& [command, _] : next) width = std::max(width, command.size());
  for (const auto& [command, why] : next) con.line(fmt::format("  {:<{}}   {}", command, width, why));
  return kOk;
}

int check_exercise(const Catalogue& cat, const CheckOptions& o) {
  const Located at = locate(cat, o.name);
  const Exercise& x = at.exercise;
  const int runs = o.runs.empty() ? x.runs : parse_whole(o.runs, "runs", 1, 1000);
  const std::uint64_t seed = o.seed.empty() ? std::random_device{}() % 1'000'000'000u : parse_seed(o.seed, "--seed");
  const double time_limit_s =
      o.time_limit.empty() ? x.time_limit_s : parse_positive(o.time_limit, "--time-limit", "a number of seconds", 3600);
  if (!o.file.empty() && !o.program.empty()) throw BadUsage("--file and --program contradict each other; give one");
  if (o.narrate && o.json == "-")
    throw BadUsage("--narrate and --json - both want stdout: give --json a file path instead");
  const fs::path ws = workspace();
  const bool own_file = o.file.empty() && o.program.empty();  // only this counts for progress
  // Only a full check can mark the exercise done; a replay or a short check says so.
  std::string partial;
  if (runs < x.runs) partial = fmt::format("--runs {} is fewer than the check's {}", runs, x.runs);
  else if (!o.seed.empty()) partial = "--seed replays an earlier check";
  else if (o.narrate) partial = "--narrate runs are not judged quietly";
  else if (o.no_explore && !x.explore.empty()) partial = "--no-explore skips the exploration of every schedule";
  // The verdict as JSON for instructors' scripts, opened before anything runs.
  // Checked now, written whole when the check ends (output_file.hpp).
  const OutputFile json_file(o.json, "--json", true);
  Console& con = console(o.json == "-" ? 2 : 1);

  // The student's own file does not pass as it is now: it is no longer done.
  const auto clear_pass = [&] {
    if (!own_file) return;
    Progress progress(ws);
    progress.mark_failed(x.name);
    progress.save();
  };

  fs::path program;
  std::string what;
  fs::path checked_file;   // own_file: the workspace file whose text was built
  std::string built_hash;  // and that text's SHA-256
  if (!o.program.empty()) {
    program = fs::absolute(o.program);
    if (::access(program.c_str(), X_OK) != 0)
      throw BadUsage(fmt::format("--program {}: no program there that can be run", o.program));
    what = program.string();
  } else {
    const fs::path file = o.file.empty() ? ws / (x.name + ".cpp") : fs::path(o.file);
    if (!fs::exists(file))
      throw BadUsage(o.file.empty() ? fmt::format("there is no {} in your workspace ({}): run 'concur exercise {}' first",
                                                  file.filename().string(), ws.string(), x.name)
                                    : fmt::format("--file {}: no such file", o.file));
    const fs::path build = build_directory();
    const std::string source = read_text(file);
    stage(file, source, build / "exercises" / (x.name + ".cpp"));
    if (own_file) checked_file = file, built_hash = sha256_hex(source);
    if (!build_target(build, "concur-exercise-" + x.name, file.string(),
                      "it does not build: fix the first error above and check again (compiling is not passing, "
                      "but it comes first)")) {
      clear_pass();
      return kCheckFailed;
    }
    program = build / "exercises" / ("concur-exercise-" + x.name);
    what = file.string();
  }

  Scratch scratch;
  std::optional<OnInterrupt> on_ctrl_c;
  on_ctrl_c.emplace("check interrupted", kInterrupted, remove_scratch_from_signal);
  con.line(con.paint(fmt::format("checking {}: {} run{} with jitter, seed {}", what, runs, runs == 1 ? "" : "s", seed),
                     Style::bold));
  con.line(con.paint(x.goal, Style::dim));

  nlohmann::json verdict{{"schema", "concur.check/1"}, {"exercise", x.name}, {"checked", what}, {"seed", seed},
                         {"options", x.options}, {"time_limit_s", time_limit_s}, {"runs", nlohmann::json::array()}};
  const auto finish = [&](bool passed) {
    on_ctrl_c.reset();
    verdict["passed"] = passed;
    json_file.write(verdict.dump(2) + "\n");  // OutputLost: exit 1
    return passed ? kOk : kCheckFailed;
  };
  if (!x.explore.empty() && !o.no_explore) {  // every schedule of a small configuration first: no luck involved
    const ExploreResult e = explore_once(program, x, time_limit_s, scratch);
    std::string small;
    for (const std::string& s : x.explore) small += " " + s;
    con.line(fmt::format("  every schedule of{} (at most {} preemptions): {} explored  {}  {:.2f} s", small,
                         kExplorePreemptions, e.schedules, e.wrong ? con.paint("FAILED", Style::red) : con.paint("ok    ", Style::green),
                         e.seconds));
    verdict["exploration"] = {{"options", x.explore}, {"preemptions", std::stoi(std::string(kExplorePreemptions))},
                              {"schedules", e.schedules}, {"ok", !e.wrong},
                              {"why", e.wrong ? nlohmann::json(*e.wrong) : nlohmann::json()},
                              {"schedule", e.schedule.empty() ? nlohmann::json() : nlohmann::json(e.schedule)}};
    if (e.wrong) {
      clear_pass();
      con.line();
      con.line(con.paint(fmt::format("Not yet: {}.", *e.wrong), Style::red));
      if (!e.tail.empty()) con.line(fmt::format("The program said:\n{}", e.tail));
      if (!e.schedule.empty())
        con.line(fmt::format("Walk through it:           {} step {}{} --schedule {}", program.string(), x.name, small,
                             e.schedule));
      con.line(fmt::format("Stuck?                     concur hint {}", x.name));
      con.line(fmt::format("(Every schedule with at most {} preemptions was tried, so this fails on any machine, busy "
                           "or idle: the schedule above is a fact about the program, not bad luck.)",
                           kExplorePreemptions));
      return finish(false);
    }
  }
  const int width = static_cast<int>(std::to_string(runs).size());
  for (int i = 0; i < runs; ++i) {
    const std::uint64_t run_seed = jitter::ith_seed(seed, i);
    const RunResult r = run_once(program, x, time_limit_s, run_seed, o.narrate, scratch);
    const std::optional<std::string> wrong = judge_run(r, x, time_limit_s);
    con.line(fmt::format("  run {:>{}}/{}  seed {:<10}  {}  {:.2f} s", i + 1, width, runs, run_seed,
                         wrong ? con.paint("FAILED", Style::red) : con.paint("ok    ", Style::green), r.seconds));
    nlohmann::json run_json{{"seed", run_seed}, {"ok", !wrong}, {"wall_s", r.seconds}};
    if (wrong) run_json["why"] = *wrong;
    verdict["runs"].push_back(std::move(run_json));
    if (!wrong) continue;
    clear_pass();
    con.line();
    con.line(con.paint(fmt::format("Not yet: {}.", *wrong), Style::red));
    if (!r.tail.empty() && (r.status != 0 && r.status != 1))
      con.line(fmt::format("The run's last words:\n{}", r.tail));
    con.line(fmt::format("Replay this run:           concur check {} --seed {} --runs 1", x.name, run_seed));
    con.line(fmt::format("Watch it narrated:         concur check {} --seed {} --runs 1 --narrate", x.name, run_seed));
    con.line(fmt::format("Stuck?                     concur hint {}", x.name));
    con.line("(A seed repeats the jitter's choices; the operating system's scheduling still varies, so a replay "
             "usually, not always, fails the same way.)");
    return finish(false);
  }
  con.line();
  con.line(con.paint(fmt::format("Passed: all {} runs showed the claim.", runs), Style::green));
  if (own_file) {
    if (!partial.empty()) {
      con.line(fmt::format("Not marked done: {}. The full check marks it: concur check {}", partial, x.name));
    } else if (sha256_hex(read_text(checked_file)) != built_hash) {
      con.line(fmt::format("Not marked done: {} changed while it was being checked. Check it again: concur check {}",
                           checked_file.string(), x.name));
    } else {
      Progress progress(ws);
      progress.mark_passed(x.name, seed, runs, built_hash);
      progress.save();
      con.line(fmt::format("Marked done ('concur exercise --list'). Compare with the reference: concur solution {}",
                           x.name));
    }
  }
  verdict["full_check"] = partial.empty();
  return finish(true);
}

int show_hints(const Catalogue& cat, const std::string& name) {
  if (name.empty())
    throw BadUsage(fmt::format("hint needs the exercise it is for: concur hint NAME (exercises: {})", exercise_names()));
  const Located at = locate(cat, name);
  const std::vector<std::string> hints = hints_of(at.folder);
  if (hints.empty()) throw BadUsage(fmt::format("{} has no hints in it", (at.folder / "hints.md").string()));
  const fs::path ws = workspace();
  Progress progress(ws);
  nlohmann::json& entry = progress.of(at.exercise.name);
  const int seen = std::min<int>(entry.value("hints", 0) + 1, static_cast<int>(hints.size()));
  entry["hints"] = seen;
  progress.save();
  std::string text = fmt::format("# Hints for {} ({} of {})\n\n", at.exercise.name, seen, hints.size());
  for (int i = 0; i < seen; ++i) text += hints[static_cast<std::size_t>(i)] + "\n";
  text += seen < static_cast<int>(hints.size())
              ? fmt::format("Still stuck? 'concur hint {}' again shows the next one.\n", at.exercise.name)
              : fmt::format("That was the last hint. The solution opens once 'concur check {}' passes.\n",
                            at.exercise.name);
  if (::isatty(1) == 1)
    print_paged(render_markdown(text, stdout_text_style(false)));
  else
    std::cout << text;
  return kOk;
}

int show_solution(const Catalogue& cat, const std::string& name, bool no_color) {
  const Located at = locate(cat, name);
  const fs::path ws = workspace();
  if (!Progress(ws).passed(at.exercise.name))
    throw BadUsage(fmt::format("the reference solution opens after your version passes: run 'concur check {}' first "
                               "(stuck? 'concur hint {}')",
                               at.exercise.name, at.exercise.name));
  const fs::path path = at.folder / "solution.cpp";
  print_paged(fmt::format("// {}\n{}\nYours is {}; compare them with: diff -u {} {}\n", path.string(),
                          render_source(read_text(path), stdout_text_style(no_color)),
                          (ws / (at.exercise.name + ".cpp")).string(), (ws / (at.exercise.name + ".cpp")).string(),
                          path.string()));
  return kOk;
}

}  // namespace concur::cli
