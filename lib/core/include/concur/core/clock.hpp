// concur/core/clock.hpp - the run clock and CPU time.
//
// Every timestamp concur prints or records is relative to the start of the current run
// ("+12.345 ms"), read from one steady clock, so lines written by different threads
// compare directly. The runner restarts the clock at the start of each run.
#pragma once

#include <chrono>
#include <cstdint>

namespace concur {

using Clock = std::chrono::steady_clock;

// The process-wide run clock. All functions are thread-safe and never block.
class RunClock {
 public:
  // Marks now as time zero. Called by the runner before each run.
  static void restart() noexcept;

  // Time since the last restart() (or since the process started, before any).
  static std::chrono::nanoseconds elapsed() noexcept;

  // The same, in nanoseconds as an integer: the timeline's unit.
  static std::int64_t elapsed_ns() noexcept;

  // The run's time zero as steady-clock nanoseconds, and setting it: a spawned child
  // takes its parent's, so both narrate on one time line (the steady clock is
  // system-wide).
  static std::int64_t start_ns() noexcept;
  static void set_start_ns(std::int64_t ns) noexcept;

  // Converts an absolute steady-clock time to nanoseconds since the run's start.
  static std::int64_t since_start_ns(Clock::time_point t) noexcept;
};

// CPU time used so far by the whole process, every thread included (user + system).
// The difference over a run is its CPU time: more than the wall time means threads
// really ran in parallel.
std::chrono::nanoseconds process_cpu_time() noexcept;

// CPU time of the child processes that ended and were reaped so far (user + system,
// RUSAGE_CHILDREN): their grandchildren count once a child waited for them. The
// difference over a run is what its processes computed; a forkserver's children count
// only when the server itself is reaped.
std::chrono::nanoseconds children_cpu_time() noexcept;

// The process's memory now: resident pages and address space (/proc/self/statm), the
// heap in use (malloc's count, mallinfo2), and the kernel's memory for the stacks of
// every thread on the machine (KernelStack in /proc/meminfo: 16 KiB per thread on x86-64,
// never in a process's resident set). Zeros where they cannot be read. What N more
// threads or coroutines cost is the difference with all of them alive, over N. The heap
// figure counts memory that was already resident and is reused (a second run of the same
// thing grows the heap but not the resident set); the kernel stacks are counted
// machine-wide, so threads other programs start meanwhile add to them.
struct MemoryUse {
  std::int64_t resident_bytes = 0;
  std::int64_t virtual_bytes = 0;
  std::int64_t heap_bytes = 0;
  std::int64_t kernel_stack_bytes = 0;
};
MemoryUse memory_use() noexcept;
// What was gained from `before` to `after`, field by field.
inline MemoryUse operator-(const MemoryUse& after, const MemoryUse& before) noexcept {
  return {after.resident_bytes - before.resident_bytes, after.virtual_bytes - before.virtual_bytes,
          after.heap_bytes - before.heap_bytes, after.kernel_stack_bytes - before.kernel_stack_bytes};
}

// Seconds as a double, for reports.
inline double to_seconds(std::chrono::nanoseconds d) noexcept {
  return std::chrono::duration<double>(d).count();
}

}  // namespace concur
