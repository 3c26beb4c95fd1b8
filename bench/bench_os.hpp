// bench_os.hpp - the small OS helpers the benchmark programs share: whole-buffer
// read()/write() loops, a pair of descriptors closed on scope exit, reaping a bare
// fork()ed child, and pinning two processes or threads to cores. Header-only; every
// program includes it once.
#pragma once

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <concur/core/memory.hpp>
#include <concur/mp/process.hpp>

namespace bench {

// ---- descriptors ------------------------------------------------------------------------

// Writes all of `n` bytes, retrying on EINTR and short writes; false on an error.
inline bool write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Reads all of `n` bytes, retrying on EINTR and short reads; false at end of file or on
// an error.
inline bool read_all(int fd, void* data, std::size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// Two descriptors from pipe2() or socketpair() (both close-on-exec), closed when it
// goes; close(i) ends one side early, e.g. so that the other process sees end of file.
struct FdPair {
  int fd[2] = {-1, -1};
  static FdPair pipe() {
    FdPair p;
    if (::pipe2(p.fd, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
    return p;
  }
  static FdPair sockets() {
    FdPair p;
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p.fd) != 0)
      throw std::system_error(errno, std::generic_category(), "socketpair");
    return p;
  }
  FdPair() = default;
  FdPair(FdPair&& o) noexcept : fd{o.fd[0], o.fd[1]} { o.fd[0] = o.fd[1] = -1; }
  FdPair& operator=(FdPair&&) = delete;
  ~FdPair() { close(0), close(1); }
  int operator[](int i) const { return fd[i]; }
  void close(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

// The pipe floors' message: as long as the largest frame of {"i": n} (4-byte header + 8).
struct Record {
  std::uint32_t size = 8;
  std::uint32_t i = 0;
  std::uint32_t pad = 0;
};
static_assert(sizeof(Record) == 12);

// ---- children ---------------------------------------------------------------------------

// Waits for a bare fork()ed child; its exit code, or minus the signal that killed it.
inline int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Ends a concur child after the timed loop: it must have ended by itself, with 0, or the
// benchmark is skipped with an error naming it (`who`: "child", "producer").
inline void finish(benchmark::State& state, concur::mp::Process& child, const std::string& who = "child") {
  if (!child.join(10.0)) {
    child.kill();
    child.join();
    state.SkipWithError(("the " + who + " did not end").c_str());
  } else if (child.exitcode() != 0) {
    state.SkipWithError(("the " + who + " " + child.describe_exit()).c_str());
  }
}

// ---- placement ------------------------------------------------------------------------

// Where the two sides of a handoff run, the benchmark's `placement` argument: 0 lets the
// scheduler choose, 1 pins both to one core, 2 to two different cores.
enum Placement { kScheduler = 0, kSameCore = 1, kOtherCores = 2 };

inline Placement placement_of(const benchmark::State& state) {
  return static_cast<Placement>(state.range(0));
}

// The CPUs this process may run on, in order.
inline std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

// Pins a process (0: the calling thread) to one CPU.
inline bool pin(pid_t pid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::sched_setaffinity(pid, sizeof set, &set) == 0;
}

// Pins every thread of a process to one CPU (the threads it starts later inherit it from
// their creator): a server that runs a thread per client, as mp::Manager's does, is then
// pinned whole. Falls back to the process's main thread when /proc cannot be read.
inline bool pin_process(pid_t pid, int cpu) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  bool ok = true, any = false;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    any = true;
    // A thread may end between the listing and the call: that is not a failure.
    if (!pin(static_cast<pid_t>(std::stol(task.path().filename().string())), cpu) && errno != ESRCH) ok = false;
  }
  return any ? ok : pin(pid, cpu);
}

// Pins a thread to one CPU.
inline bool pin_thread(pthread_t thread, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::pthread_setaffinity_np(thread, sizeof set, &set) == 0;
}

// Pins the calling (main) thread and its partner, a child process (all its threads) or a
// thread, as `placement` asks; gives the main thread its old affinity back when the
// benchmark ends. ok() is false when it could not.
class Pinning {
 public:
  Pinning(Placement placement, pid_t child) {
    place(placement, [child](int cpu) { return pin_process(child, cpu); });
  }
  Pinning(Placement placement, std::thread& partner) {
    place(placement, [&partner](int cpu) { return pin_thread(partner.native_handle(), cpu); });
  }
  ~Pinning() { ::pthread_setaffinity_np(::pthread_self(), sizeof saved_, &saved_); }
  Pinning(const Pinning&) = delete;
  Pinning& operator=(const Pinning&) = delete;
  bool ok() const { return ok_; }

 private:
  template <typename PinPartner>
  void place(Placement placement, PinPartner pin_partner) {
    ::pthread_getaffinity_np(::pthread_self(), sizeof saved_, &saved_);
    if (placement == kScheduler) return;
    const std::vector<int> cpus = allowed_cpus();
    if (cpus.empty() || (placement == kOtherCores && cpus.size() < 2)) {
      ok_ = false;
      return;
    }
    ok_ = pin_thread(::pthread_self(), cpus[0]) && pin_partner(placement == kSameCore ? cpus[0] : cpus[1]);
  }

  cpu_set_t saved_;
  bool ok_ = true;
};

// ---- bare children, for the floors ------------------------------------------------------

// A bare fork(): the child runs body() and leaves with _exit(0).
template <typename Body>
inline pid_t fork_child(Body body) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  return pid;
}

inline void finish_bare(benchmark::State& state, pid_t pid) {
  if (reap(pid) != 0) state.SkipWithError("the floor's child failed");
}

// The floor of one-way small messages: a bare child write()s `batch` 12-byte records
// per iteration into a pipe (told to go by a byte on another pipe) and this process
// read()s them. bench_pipe's one_way and bench_process_queue compare with it.
inline void raw_records_one_way(benchmark::State& state, int batch) {
  FdPair data = FdPair::pipe();
  FdPair go = FdPair::pipe();
  const pid_t pid = fork_child([&] {
    data.close(0);
    go.close(1);
    char b;
    Record rec;
    while (read_all(go[0], &b, 1))
      for (int k = 0; k < batch; ++k) {
        ++rec.i;
        if (!write_all(data[1], &rec, sizeof rec)) return;
      }
  });
  data.close(1);
  go.close(0);
  {
    Pinning pinning(placement_of(state), pid);
    if (!pinning.ok()) state.SkipWithError("could not pin the processes");
    for (auto _ : state) {
      if (!write_all(go[1], "g", 1)) {
        state.SkipWithError("the child has gone");
        break;
      }
      long sum = 0;
      Record rec;
      for (int k = 0; k < batch; ++k) {
        if (!read_all(data[0], &rec, sizeof rec)) {
          state.SkipWithError("the child has gone");
          break;
        }
        sum += rec.i;
      }
      benchmark::DoNotOptimize(sum);
    }
  }
  go.close(1);
  finish_bare(state, pid);
  state.SetItemsProcessed(state.iterations() * batch);
}

// The main() of a program whose children may be spawned: a spawned child or the fork
// server (a fresh exec of this binary) runs its entry and never returns; anything else
// runs the benchmarks.
inline int run_benchmarks(int argc, char** argv) {
  concur::mp::run_if_spawned(argc, argv);
  // As the concur binary (apps/program.cpp) and CPython do from the start: a reader that
  // has gone is EPIPE, not a signal, and a pipe write needs no signal mask around it.
  ::signal(SIGPIPE, SIG_IGN);
  concur::reuse_large_allocations();  // as the concur binary does too (concur/core/memory.hpp)
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace bench
