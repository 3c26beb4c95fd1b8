// concur/core/host_load.hpp - how busy the rest of the machine was while a run ran.
//
// A speedup means something only against the cores that were free. Two threads on two
// cores are twice as fast as one only if nothing else wanted those cores; with a compiler
// or a CPU hog on the other core they cannot be. HostLoad measures the CPU time that
// *other* processes took between its start and now:
//
//     busy jiffies of all CPUs (/proc/stat's "cpu" line)  -  this process's and its reaped
//     children's CPU time (getrusage), divided by the wall time
//
// giving `busy_cores()`, the average number of cores others kept busy, and `free_cores()`,
// the machine's cores minus that. /proc/stat counts in clock ticks (usually 10 ms), so a
// run of a few ticks gives a coarse figure; children that are not yet reaped (or not ours,
// like a forkserver's) count as other processes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace concur {

// The aggregate "cpu" line of /proc/stat, in clock ticks (USER_HZ).
struct CpuTicks {
  std::uint64_t busy = 0;   // user + nice + system + irq + softirq + steal (sampled per tick)
  std::uint64_t idle = 0;   // idle + iowait (timed exactly on a tickless kernel)
  std::uint64_t total = 0;  // busy + idle
};

// Parses the text of /proc/stat; nullopt when it has no well-formed "cpu " line.
std::optional<CpuTicks> parse_proc_stat(std::string_view text);

// Reads /proc/stat now; nullopt where there is none (not Linux, a sandbox).
std::optional<CpuTicks> read_proc_stat();

// The CPU time this process and its waited-for children have used so far.
std::chrono::nanoseconds own_cpu_time_with_children() noexcept;

// The machine's cores (at least 1).
int host_cpus() noexcept;

// Other processes' CPU use from construction to each call. Not thread-safe; cheap (one
// read of /proc/stat per call).
class HostLoad {
 public:
  HostLoad();

  // The average number of cores other processes kept busy since construction, in
  // [0, host_cpus()]; 0 when /proc/stat cannot be read or no time has passed.
  double busy_cores() const;
  // host_cpus() - busy_cores(): the cores this process could have had.
  double free_cores() const { return host_cpus() - busy_cores(); }

 private:
  std::optional<CpuTicks> ticks0_;
  std::chrono::nanoseconds own0_;
  std::chrono::steady_clock::time_point wall0_;
};

}  // namespace concur
