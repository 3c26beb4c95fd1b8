// bench_start - how long a concur::mp::Process takes from start() to running its entry,
// per start method (fork, spawn, forkserver), next to a bare fork() and a bare
// posix_spawn() measured in the same run.
//
// One iteration starts one child. The time is taken just before Process::start() and,
// in the child, by the first statement of its entry (bench_started, below), which sends
// RunClock::elapsed_ns() home through a pipe it was handed. The run clock reads
// CLOCK_MONOTONIC, which is system-wide, and a child of any start method shares its
// parent's time zero, so the difference is the start-to-running latency; it is given to
// Google Benchmark as the iteration's time (UseManualTime). Reaping the child happens
// after, untimed. Two counters say where else the time goes: `start_call` is how long
// start() itself blocks the parent, `to_reaped` is start() to join() returning.
//
// Before the timed loop every benchmark starts one child untimed (and forkserver calls
// ensure_forkserver_running()), so the first start's page faults and the server's own
// start are not in the figure.
//
// Floors, timed the same way (before the call, and the child's first statement):
// - fork: fork(), the child sends clock_gettime(CLOCK_MONOTONIC) and _exit()s.
// - posix_spawn_self: posix_spawn() of this very binary with a hidden argument, whose
//   main() sends the time at once: exec, the dynamic loader and this program's static
//   constructors, which a spawned concur child pays too, but none of concur's handshake.
// - posix_spawn_true: posix_spawn() of /bin/true, timed to waitpid() returning, since
//   /bin/true cannot say when it started: an upper bound of the cheapest exec.
#include <benchmark/benchmark.h>

#include <spawn.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <concur/core/clock.hpp>
#include <concur/mp/entry.hpp>
#include <concur/mp/process.hpp>

#include "bench_os.hpp"

extern char** environ;

namespace {

namespace mp = concur::mp;
using namespace bench;  // write_all, read_all, FdPair, reap (bench_os.hpp)

constexpr benchmark::IterationCount kStarts = 100;  // children per repetition
constexpr int kStampFd = 3;                          // where posix_spawn_self's child writes
constexpr const char* kStampWord = "__bench-start-stamp";

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The child's side: its very first statement reads the run clock and sends it home.
void bench_started(const nlohmann::json& /*args*/, mp::Handed handed) {
  const std::int64_t now = concur::RunClock::elapsed_ns();
  write_all(handed.at(0).get(), &now, sizeof now);
}
CONCUR_ENTRY(bench_started);

// One child, start to running, start() returning, and reaped.
struct Timing {
  std::int64_t to_running = 0;
  std::int64_t start_call = 0;
  std::int64_t to_reaped = 0;
};

// Starts one concur child; an error message instead of a figure when it went wrong.
std::optional<Timing> start_one(mp::StartMethod method, std::string& error) {
  FdPair stamp = FdPair::pipe();
  mp::Process child(mp::Target{"bench_started", nlohmann::json::object(), {stamp[1]}}, "started", method);
  const std::int64_t t0 = concur::RunClock::elapsed_ns();
  child.start();
  const std::int64_t started = concur::RunClock::elapsed_ns();
  stamp.close(1);  // the child has its own copy: a child that dies gives end of file
  std::int64_t running = 0;
  const bool got = read_all(stamp[0], &running, sizeof running);
  const bool ended = child.join(10.0);
  const std::int64_t reaped = concur::RunClock::elapsed_ns();
  if (!ended) {
    child.kill();
    child.join();
    error = "the child did not end";
    return std::nullopt;
  }
  if (!got || child.exitcode() != 0) {
    error = "the child " + child.describe_exit() + " without sending its time";
    return std::nullopt;
  }
  return Timing{running - t0, started - t0, reaped - t0};
}

void report(benchmark::State& state, double start_call_ns, double to_reaped_ns) {
  const double n = static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
  state.counters["start_call_us"] = start_call_ns / n / 1e3;
  state.counters["to_reaped_us"] = to_reaped_ns / n / 1e3;
}

void BM_Start(benchmark::State& state, mp::StartMethod method) {
  std::string error;
  if (method == mp::StartMethod::forkserver) mp::ensure_forkserver_running();
  if (!start_one(method, error)) state.SkipWithError(error.c_str());  // the untimed warm-up
  double start_call = 0, to_reaped = 0;
  for (auto _ : state) {
    const std::optional<Timing> t = start_one(method, error);
    if (!t) {
      state.SkipWithError(error.c_str());
      break;
    }
    state.SetIterationTime(static_cast<double>(t->to_running) / 1e9);
    start_call += static_cast<double>(t->start_call);
    to_reaped += static_cast<double>(t->to_reaped);
  }
  report(state, start_call, to_reaped);
}
BENCHMARK_CAPTURE(BM_Start, fork, mp::StartMethod::fork)
    ->Name("Process/fork")->Iterations(kStarts)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Start, spawn, mp::StartMethod::spawn)
    ->Name("Process/spawn")->Iterations(kStarts)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Start, forkserver, mp::StartMethod::forkserver)
    ->Name("Process/forkserver")->Iterations(kStarts)->UseManualTime()->Unit(benchmark::kMicrosecond);

// ---- floors ---------------------------------------------------------------------------

std::optional<Timing> bare_fork_one() {
  FdPair stamp = FdPair::pipe();
  const std::int64_t t0 = monotonic_ns();
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    const std::int64_t now = monotonic_ns();
    ::_exit(write_all(stamp[1], &now, sizeof now) ? 0 : 1);
  }
  const std::int64_t started = monotonic_ns();
  stamp.close(1);
  std::int64_t running = 0;
  const bool got = read_all(stamp[0], &running, sizeof running);
  const int code = reap(pid);
  const std::int64_t reaped = monotonic_ns();
  if (!got || code != 0) return std::nullopt;
  return Timing{running - t0, started - t0, reaped - t0};
}

// posix_spawn of `path` with `argv`; with a stamp pipe, the child's time comes from it,
// otherwise the time is to the child's exit.
std::optional<Timing> bare_spawn_one(const char* path, char* const argv[], bool stamped) {
  FdPair stamp = FdPair::pipe();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stamped) posix_spawn_file_actions_adddup2(&actions, stamp[1], kStampFd);  // clears CLOEXEC
  pid_t pid = -1;
  const std::int64_t t0 = monotonic_ns();
  const int rc = ::posix_spawn(&pid, path, &actions, nullptr, argv, environ);
  const std::int64_t started = monotonic_ns();
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return std::nullopt;
  stamp.close(1);
  std::int64_t running = 0;
  const bool got = !stamped || read_all(stamp[0], &running, sizeof running);
  const int code = reap(pid);
  const std::int64_t reaped = monotonic_ns();
  if (!got || code != 0) return std::nullopt;
  return Timing{(stamped ? running : reaped) - t0, started - t0, reaped - t0};
}

template <typename Once>
void run_floor(benchmark::State& state, Once once) {
  if (!once()) state.SkipWithError("the floor's child failed");  // the untimed warm-up
  double start_call = 0, to_reaped = 0;
  for (auto _ : state) {
    const std::optional<Timing> t = once();
    if (!t) {
      state.SkipWithError("the floor's child failed");
      break;
    }
    state.SetIterationTime(static_cast<double>(t->to_running) / 1e9);
    start_call += static_cast<double>(t->start_call);
    to_reaped += static_cast<double>(t->to_reaped);
  }
  report(state, start_call, to_reaped);
}

void BM_BareFork(benchmark::State& state) { run_floor(state, bare_fork_one); }
BENCHMARK(BM_BareFork)
    ->Name("Floor/fork")->Iterations(kStarts)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_BareSpawnSelf(benchmark::State& state) {
  char exe[] = "/proc/self/exe";
  std::string word = kStampWord;
  char* argv[] = {exe, word.data(), nullptr};
  run_floor(state, [&] { return bare_spawn_one(exe, argv, true); });
}
BENCHMARK(BM_BareSpawnSelf)
    ->Name("Floor/posix_spawn_self")->Iterations(kStarts)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_BareSpawnTrue(benchmark::State& state) {
  char path[] = "/bin/true";
  char* argv[] = {path, nullptr};
  run_floor(state, [&] { return bare_spawn_one(path, argv, false); });
}
BENCHMARK(BM_BareSpawnTrue)
    ->Name("Floor/posix_spawn_true_to_exit")->Iterations(kStarts)->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  // posix_spawn_self's child: send the time, at once, and go.
  if (argc == 2 && std::strcmp(argv[1], kStampWord) == 0) {
    const std::int64_t now = monotonic_ns();
    ::_exit(write_all(kStampFd, &now, sizeof now) ? 0 : 1);
  }
  return bench::run_benchmarks(argc, argv);
}
