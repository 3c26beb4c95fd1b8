// bench_compare - concur's benchmarks and their CPython twins side by side, in one go
// (issue 19; `make bench-compare` or scripts/bench-compare build it and run it).
//
// For each repetition, for each workload (a row of the table at one placement), it runs
// the concur side (a benchmark program, filtered to the workload's lines and their floors,
// one Google Benchmark repetition) and then the CPython side (bench/mp_compare.py or
// bench/pool_compare.py, that job at that placement, one repetition), so the machine's
// drift spreads over both. Medians over the repetitions; every ratio divides two medians
// of this run. The table goes to stdout and, whole or not at all, to --out; with
// --update-readme also between the markers of README.md's "Performance" section.
//
// The rows and the benchmark names they read are in compare_table.cpp (kRows); the pure
// parts live there and are unit-tested. This file starts the programs: each in its own
// process group, waited for, killed (with what it left in its group) if it hangs past
// kChildTimeout or Ctrl-C comes; anything reparented to us is reaped too.
//
// Exit status: 0 done; 1 a program or twin failed (its cells are "-", a footnote says
// why) or the file could not be written; 2 bad usage; 130 interrupted.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "compare_table.hpp"

namespace {

namespace cmp = bench::compare;
namespace fs = std::filesystem;

constexpr std::string_view kMinTime = "0.2";  // --benchmark_min_time: seconds per line
constexpr unsigned kChildTimeout = 900;       // seconds; CPython counting primes takes about a minute
constexpr unsigned kGraceAfterSigint = 3;     // seconds before SIGKILL follows a forwarded Ctrl-C

constexpr std::string_view kUsage = R"(usage: bench_compare [--reps N] [--only ROWS] [--out PATH] [--no-python] [--update-readme]

Runs concur's benchmarks and their CPython twins, interleaved, and prints the table as
markdown (bench/README.md, "Side by side with CPython"). Build first: scripts/bench-compare
builds the release preset and runs this.

  --reps N          repetitions; each cell is the median (default 3)
  --only ROWS       only these rows, comma-separated (repeatable); the rows:
{}
  --out PATH        where the markdown goes (default bench/results/compare.md in the
                    source tree), written whole or not at all
  --no-python       leave the CPython column empty
  --update-readme   also put the table between README.md's bench-compare markers
  --help            this text
)";

// ---- signals: Ctrl-C is forwarded to the running child's process group ------------------

volatile std::sig_atomic_t g_interrupted = 0;
volatile std::sig_atomic_t g_alarm = 0;
volatile pid_t g_child = 0;  // the process group of the program running now, or 0

void on_interrupt(int) {
  g_interrupted = 1;
  if (g_child > 0) ::kill(-g_child, SIGINT);  // async-signal-safe; the child is in its own group
}
void on_alarm(int) { g_alarm = 1; }

void install_handlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_interrupt;  // no SA_RESTART: waitpid() returns EINTR and we look
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = on_alarm;
  ::sigaction(SIGALRM, &sa, nullptr);
}

// ---- running a program --------------------------------------------------------------------

struct Ran {
  bool ok = false;
  std::string out;      // its stdout
  std::string problem;  // why not ok: "exit status 1: <its last line on stderr>"
};

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string line = text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return line;
}

// Reaps what a program left behind and was reparented to us (we are a subreaper): gives it
// a moment to end by itself, then kills what is left in the program's group.
void reap_leftovers(pid_t group) {
  for (int tries = 0;; ++tries) {
    int status = 0;
    const pid_t r = ::waitpid(-1, &status, WNOHANG);
    if (r > 0) continue;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return;  // ECHILD: nothing left
    if (tries == 100) ::kill(-group, SIGKILL);
    if (tries == 150) {
      fmt::print(stderr, "bench_compare: a process started by the last program is still running\n");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Runs argv with stdin from /dev/null and stdout, stderr into files in `dir`; waits for it.
Ran run(const std::vector<std::string>& argv, const fs::path& dir) {
  const fs::path out_path = dir / "stdout", err_path = dir / "stderr";
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (in < 0 || out < 0 || err < 0) {
    const std::string why = std::strerror(errno);
    for (int fd : {in, out, err})
      if (fd >= 0) ::close(fd);
    return {false, {}, "cannot open its output files: " + why};
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: Ctrl-C reaches it through us, and it can be killed whole
    ::dup2(in, 0), ::dup2(out, 1), ::dup2(err, 2);
    ::execvp(args[0], args.data());
    const std::string why = fmt::format("cannot run {}: {}\n", argv[0], std::strerror(errno));
    [[maybe_unused]] const ssize_t n = ::write(2, why.data(), why.size());
    ::_exit(127);
  }
  ::close(in), ::close(out), ::close(err);
  if (pid < 0) return {false, {}, fmt::format("fork: {}", std::strerror(errno))};
  ::setpgid(pid, pid);  // as the child does: whichever runs first
  g_child = pid;
  if (g_interrupted) ::kill(-pid, SIGINT);
  g_alarm = 0;
  ::alarm(kChildTimeout);
  bool timed_out = false, forwarded = false;
  int status = 0;
  while (::waitpid(pid, &status, 0) != pid) {
    if (errno != EINTR) break;
    if (g_alarm) {  // it outlived its time, or a forwarded Ctrl-C
      g_alarm = 0;
      timed_out = !g_interrupted;
      ::kill(-pid, SIGKILL);
    }
    if (g_interrupted && !forwarded) {
      forwarded = true;
      ::alarm(kGraceAfterSigint);
    }
  }
  ::alarm(0);
  g_child = 0;
  Ran ran;
  ran.out = file_text(out_path);
  if (timed_out)
    ran.problem = fmt::format("no answer in {} s: killed", kChildTimeout);
  else if (WIFSIGNALED(status))
    ran.problem = fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  else if (WEXITSTATUS(status) != 0)
    ran.problem = fmt::format("exit status {}: {}", WEXITSTATUS(status), last_line(file_text(err_path)));
  ran.ok = ran.problem.empty();
  if (!ran.ok) ::kill(-pid, SIGKILL);  // whatever it left in its group
  reap_leftovers(pid);
  return ran;
}

// The first line a command prints on stdout, or nullopt if it fails.
std::optional<std::string> output_of(const std::vector<std::string>& argv, const fs::path& dir) {
  Ran ran = run(argv, dir);
  if (!ran.ok) return std::nullopt;
  const std::size_t nl = ran.out.find('\n');
  return nl == std::string::npos ? ran.out : ran.out.substr(0, nl);
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
  return false;
}

// ---- the machine ------------------------------------------------------------------------------

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string kernel() {
  utsname u{};
  return ::uname(&u) == 0 ? u.release : "unknown";
}

std::string date_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

std::string revision(const fs::path& dir) {
  const std::string source = CONCUR_SOURCE_DIR;
  const std::optional<std::string> head = output_of({"git", "-C", source, "rev-parse", "--short", "HEAD"}, dir);
  if (!head) return "(not a git checkout)";
  const Ran changes = run({"git", "-C", source, "status", "--porcelain", "--untracked-files=no"}, dir);
  return *head + (changes.ok && !changes.out.empty() ? "-modified" : "");
}

// ---- options ----------------------------------------------------------------------------------

struct Options {
  int reps = 3;
  std::vector<std::string> only;
  fs::path out = fs::path(CONCUR_SOURCE_DIR) / "bench" / "results" / "compare.md";
  bool default_out = true;
  bool no_python = false;
  bool update_readme = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  fmt::print(stderr, "bench_compare: {} (see --help)\n", message);
  std::exit(2);
}

std::string joined(const std::vector<std::string>& words, std::string_view between) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : std::string(between)) + w;
  return out;
}

Options parse_options(int argc, char** argv) {
  Options o;
  const std::vector<std::string> groups = cmp::group_names();
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i], value;
    const bool has_value = arg.find('=') != std::string::npos;
    if (has_value) value = arg.substr(arg.find('=') + 1), arg.resize(arg.find('='));
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= args.size()) usage_error(arg + " needs a value");
      return args[++i];
    };
    auto no_value = [&] {
      if (has_value) usage_error(arg + " takes no value");
    };
    if (arg == "--help" || arg == "-h") {
      std::string list = "                   ";
      for (const std::string& g : groups) {
        if (list.size() - list.rfind('\n') + g.size() > 88) list += "\n                   ";
        list += " " + g;
      }
      fmt::print(fmt::runtime(kUsage), list);
      std::exit(0);
    } else if (arg == "--reps") {
      const std::string v = take();
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 1000) usage_error("--reps takes a whole number from 1 to 1000, not '" + v + "'");
      o.reps = static_cast<int>(n);
    } else if (arg == "--only") {
      std::istringstream names(take());
      for (std::string name; std::getline(names, name, ',');) {
        if (std::find(groups.begin(), groups.end(), name) == groups.end())
          usage_error(fmt::format("no row '{}'; the rows: {}", name, joined(groups, ", ")));
        o.only.push_back(name);
      }
    } else if (arg == "--out") {
      o.out = take();
      o.default_out = false;
      if (o.out.empty() || o.out.filename().empty()) usage_error("--out needs a file name");
      const fs::path parent = fs::absolute(o.out).parent_path();
      if (!fs::is_directory(parent)) usage_error("--out: no directory " + parent.string());
    } else if (arg == "--no-python") {
      no_value();
      o.no_python = true;
    } else if (arg == "--update-readme") {
      no_value();
      o.update_readme = true;
    } else {
      usage_error("unknown option '" + args[i] + "'");
    }
  }
  return o;
}

// Writes `text` to a file beside `path`, then renames it into place: whole or not at all.
bool write_whole(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.parent_path() / fmt::format(".{}.{}.tmp", path.filename().string(), ::getpid());
  {
    std::ofstream f(temporary, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      return false;
    }
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) fs::remove(temporary, error);
  return !error;
}

// ---- one side of a workload ---------------------------------------------------------------

struct Paths {
  fs::path source = CONCUR_SOURCE_DIR;
  fs::path bench = fs::read_symlink("/proc/self/exe").parent_path();  // beside the benchmark programs
  fs::path concur = CONCUR_BIN;
};

std::vector<std::string> split(std::string_view words) {
  std::istringstream in{std::string(words)};
  return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

// The concur side of a workload: argv, and the name to show for it. A benchmark program
// writes its JSON to `json`, not to its standard output, where a line the library says
// (a warning, say) would break it.
std::pair<std::vector<std::string>, std::string> concur_command(const std::vector<const cmp::Row*>& rows, const Paths& paths,
                                                                const fs::path& json) {
  const cmp::Source& first = rows.front()->concur;
  if (first.kind == cmp::Source::Kind::example) {
    std::vector<std::string> argv{paths.concur.string()};
    for (std::string& w : split(first.program)) argv.push_back(std::move(w));
    for (const char* w : {"--json", "-", "--quiet", "--no-color"}) argv.emplace_back(w);
    return {argv, "concur " + first.program};
  }
  std::vector<std::string> names;
  for (const cmp::Row* row : rows)
    for (const cmp::Source* s : {&row->concur, &row->floor})
      if (s->kind == cmp::Source::Kind::benchmark && std::find(names.begin(), names.end(), s->name) == names.end())
        names.push_back(s->name);
  return {{(paths.bench / first.program).string(), "--benchmark_filter=" + cmp::filter_regex(names),
           "--benchmark_out=" + json.string(), "--benchmark_out_format=json",
           fmt::format("--benchmark_min_time={}", kMinTime), "--benchmark_repetitions=1"},
          first.program};
}

std::vector<std::string> twin_command(const std::vector<const cmp::Row*>& rows, int placement, const Paths& paths,
                                      const fs::path& json) {
  const cmp::Source& first = rows.front()->python;
  std::vector<std::string> argv{"python3", (paths.source / "bench" / first.program).string()};
  std::set<std::string> jobs;
  for (const cmp::Row* row : rows)
    if (jobs.insert(row->python.job).second) argv.insert(argv.end(), {"--only", row->python.job});
  if (placement >= 0) argv.insert(argv.end(), {"--placement", std::to_string(placement)});
  argv.insert(argv.end(), {"--reps", "1", "--json", json.string()});
  return argv;
}

enum class Side { concur, python };

// Runs one side of a workload and adds what it measured, or why not, to its rows' cells:
// the concur and floor cells, or the CPython cell. False if the program failed.
bool measure(Side side, const std::vector<std::string>& argv, const std::string& shown, const std::string& progress,
             const std::vector<cmp::RowResult*>& rows, const fs::path& dir, const fs::path& json, int cores) {
  const auto started = std::chrono::steady_clock::now();
  fmt::print(stderr, "{} ...", progress);
  std::error_code ignored;
  fs::remove(json, ignored);
  const Ran ran = run(argv, dir);
  fmt::print(stderr, " {:.1f} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (g_interrupted) return false;
  cmp::Figures figures;
  std::string failure;
  if (!ran.ok) {
    failure = fmt::format("`{}` failed: {}", shown, ran.problem);
  } else {
    try {
      if (side == Side::python)
        figures = cmp::parse_twin_json(file_text(json));
      else if (rows.front()->row.concur.kind == cmp::Source::Kind::example)
        figures = cmp::parse_example_json(ran.out, cores);
      else
        figures = cmp::parse_benchmark_json(file_text(json));
    } catch (const std::exception& e) {
      failure = fmt::format("`{}`: {}", shown, e.what());
    }
  }
  bool ok = failure.empty();
  if (!ok) fmt::print(stderr, "bench_compare: {}\n", failure);
  for (cmp::RowResult* r : rows) {
    using Pick = std::pair<cmp::Cell*, const cmp::Source*>;
    const std::vector<Pick> picks = side == Side::python ? std::vector<Pick>{{&r->python, &r->row.python}}
                                                         : std::vector<Pick>{{&r->concur, &r->row.concur}, {&r->floor, &r->row.floor}};
    for (auto [cell, source] : picks) {
      if (source->kind == cmp::Source::Kind::none) continue;
      if (!failure.empty()) {
        cell->notes.push_back(failure);
        continue;
      }
      const cmp::Found found = cmp::find(figures, *source, shown);
      if (found.value) cell->values.push_back(*found.value);
      if (!found.note.empty()) cell->notes.push_back(found.note);
      if (figures.errors.contains(source->name)) {  // the line ran and failed: a failure, not a rename
        if (ok) fmt::print(stderr, "bench_compare: {}\n", found.note);
        ok = false;
      }
    }
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  const Paths paths;
  const fs::path readme = paths.source / "README.md";
  if (options.update_readme && !cmp::replace_section(file_text(readme), "")) {
    fmt::print(stderr, "bench_compare: {} has no {} ... {} markers\n", readme.string(), cmp::kBeginMarker, cmp::kEndMarker);
    return 2;
  }
  install_handlers();
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);  // what a program leaves behind comes to us to be reaped
  ::setenv("PYTHONDONTWRITEBYTECODE", "1", 1);  // no __pycache__ in the source tree

  char dir_template[] = "/tmp/bench_compare.XXXXXX";
  if (!::mkdtemp(dir_template)) {
    fmt::print(stderr, "bench_compare: cannot make a temporary directory: {}\n", std::strerror(errno));
    return 1;
  }
  const fs::path dir = dir_template;
  struct RemoveDir {
    fs::path dir;
    ~RemoveDir() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } remove_dir{dir};

  cmp::Header header;
  header.date_utc = date_utc();
  header.cores = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  header.cpu_model = cpu_model();
  header.kernel = kernel();
  header.load_average = load_average();
  header.reps = options.reps;
  header.rows = options.only.empty() ? "all" : joined(options.only, ", ");
  header.revision = revision(dir);
  if (options.no_python) {
    header.python_missing = "--no-python";
  } else if (!on_path("python3")) {
    header.python_missing = "python3 not found";
  } else {
    header.python = output_of({"python3", "--version"}, dir);
    if (!header.python) header.python_missing = "python3 --version failed";
  }
  if (!header.python) fmt::print(stderr, "{}: the CPython column is left empty\n", header.python_missing);

  std::vector<cmp::RowResult> results;
  for (cmp::Row& row : cmp::table_rows())
    if (options.only.empty() || std::find(options.only.begin(), options.only.end(), row.group) != options.only.end())
      results.push_back({std::move(row), {}, {}, {}});
  std::vector<cmp::Row> rows;
  for (const cmp::RowResult& r : results) rows.push_back(r.row);

  bool ok = true;
  const fs::path json = dir / "figures.json";  // where each program writes what it measured
  for (int rep = 1; rep <= options.reps && !g_interrupted; ++rep) {
    for (const cmp::Workload& w : cmp::workloads(rows)) {
      if (g_interrupted) break;
      std::vector<cmp::RowResult*> ws;
      std::vector<const cmp::Row*> ws_rows;
      for (std::size_t i : w.rows) ws.push_back(&results[i]), ws_rows.push_back(&results[i].row);
      const std::string what = fmt::format("[{}/{}] {}{}", rep, options.reps, w.group,
                                           w.placement >= 0 ? fmt::format(" placement:{}", w.placement) : "");
      const auto [concur_argv, concur_shown] = concur_command(ws_rows, paths, json);
      ok &= measure(Side::concur, concur_argv, concur_shown, what + ": " + concur_shown, ws, dir, json, header.cores);
      const cmp::Source& twin = ws_rows.front()->python;
      if (!header.python || twin.kind == cmp::Source::Kind::none || g_interrupted) continue;
      ok &= measure(Side::python, twin_command(ws_rows, w.placement, paths, json), twin.program,
                    what + ": " + twin.program, ws, dir, json, header.cores);
    }
  }
  if (g_interrupted) {
    fmt::print(stderr, "bench_compare: interrupted; nothing written\n");
    return 130;
  }

  const std::string markdown = cmp::render_markdown(header, results);
  fmt::print("{}", markdown);
  std::error_code ignored;
  if (options.default_out) fs::create_directories(options.out.parent_path(), ignored);
  if (!write_whole(options.out, markdown)) {
    fmt::print(stderr, "bench_compare: cannot write {}\n", options.out.string());
    return 1;
  }
  fmt::print(stderr, "bench_compare: wrote {}\n", options.out.string());
  if (options.update_readme) {
    const std::optional<std::string> updated = cmp::replace_section(file_text(readme), markdown);
    if (!updated || !write_whole(readme, *updated)) {
      fmt::print(stderr, "bench_compare: cannot update {}\n", readme.string());
      return 1;
    }
    fmt::print(stderr, "bench_compare: updated {}\n", readme.string());
  }
  return ok ? 0 : 1;
}
