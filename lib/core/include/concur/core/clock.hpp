// concur/core/clock.hpp - the run clock, the timeline's clock, and CPU time.
//
// Every timestamp concur prints or records is relative to the start of the current run
// ("+12.345 ms"), on one steady clock, so lines written by different threads compare
// directly. The runner restarts the clock at the start of each run.
//
// The timeline (core/timeline.hpp) records far more often than anything prints, so it
// reads a cheaper clock while the run lasts (TimelineClock) and converts its readings to
// the run clock's nanoseconds when the run ends.
#pragma once

#include <atomic>
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

// The clock the timeline records with. A span reads a clock twice, and the steady clock
// costs about 30 ns a read on a virtual machine (clock_gettime through the vDSO, then a
// conversion to nanoseconds); the processor's time-stamp counter (TSC) costs 12 to 23 ns
// (bench/README.md, bench_timeline). So where the TSC ticks at one constant rate on every
// CPU, the timeline stores raw ticks and the run's Calibration turns them into run-clock
// nanoseconds when it ends. Elsewhere (not x86-64, a TSC that stops or changes speed, a
// kernel whose clock is neither the TSC nor the hypervisor's kvm-clock read without a
// system call, or CONCUR_TIMELINE_CLOCK=steady in the environment) the ticks are
// steady-clock nanoseconds, and the conversion only subtracts the run's start: the
// timeline as it was before it had a clock of its own. Chosen once per process; a forked
// child keeps its parent's choice, a spawned one makes its own (each process converts its
// own ticks, so their tracks line up either way).
//
// Memory ordering: a processor may read the TSC before the instructions ahead of it have
// finished. now() waits for them (rdtscp, or lfence then rdtsc on a CPU without rdtscp,
// as the kernel's own clock does there): a reading taken after a lock was taken or a
// wait ended is never earlier than what another thread read before the unlock or set()
// that allowed it, so the timeline never shows two holders of one lock at once, nor a
// wait that ends before its set(). now_before_release() does not wait; it is for the end
// of a holding span, read just before the unlock: read early, it only shortens the hold,
// and nothing after it (the unlock included) is visible to another thread before it has
// been read. It never comes out earlier than the same thread's previous reading, so a
// thread's readings stay in order.
class TimelineClock {
 public:
  enum class Source : std::uint8_t { steady, tsc };
  // A reading, in ticks of whichever source this process uses: only a Calibration knows
  // what one is worth. Always positive.
  enum class Ticks : std::int64_t {};

  // The source this process records with.
  static Source source() noexcept;
  // True where the TSC could be used (x86-64, an invariant TSC, and a kernel whose clock
  // vouches for it: see clock.cpp), whatever CONCUR_TIMELINE_CLOCK says.
  static bool tsc_usable() noexcept;

  // The time now, never earlier than anything this thread has done or seen before: after
  // a lock was taken, a wait ended, a value was read under a lock.
  static Ticks now() noexcept;
  // The time now, for the end of a holding span, just before the unlock (see above):
  // about half the cost of now() with the TSC, the same without.
  static Ticks now_before_release() noexcept;

  // How one run's ticks become run-clock nanoseconds. start() reads the steady clock and
  // the ticks together when the run begins, finish() again when it ends, and the ticks in
  // between are placed on the straight line through the two readings. A run too short to
  // measure the TSC's rate well (under kOwnRateMin) uses the rate measured since the
  // process first read both clocks, which includes the run. Thread-compatible: one thread
  // at a time.
  class Calibration {
   public:
    static constexpr std::chrono::milliseconds kOwnRateMin{20};

    static Calibration start() noexcept;
    void finish() noexcept;
    // Nanoseconds since the run clock's zero (RunClock::start_ns() when finish() was
    // called), as RunClock::elapsed_ns() would have said at that moment. Never decreases
    // as `t` increases. Only after finish().
    std::int64_t run_ns(Ticks t) const noexcept;

    // Both clocks read together.
    struct Reading {
      std::int64_t ticks = 0;
      std::int64_t steady_ns = 0;
    };

   private:
    Source source_ = Source::steady;
    Reading begin_;
    double ns_per_tick_ = 1.0;
    std::int64_t zero_ns_ = 0;  // RunClock::start_ns() at finish()
  };
};

namespace detail {
// Chooses the timeline clock again, reading CONCUR_TIMELINE_CLOCK anew: for tests, which
// set the variable and call this between runs (never while one is being recorded).
void choose_timeline_clock() noexcept;

// A reading is inlined where it is taken (two of them are most of a span's cost), so the
// state it needs is here; clock.cpp owns it. 0 until chosen, then one of the three below.
// Relaxed: every thread that chooses chooses the same, and tests change it only between
// runs.
inline std::atomic<std::uint8_t> timeline_source{0};
inline constexpr std::uint8_t kTimelineSteady = 1;
inline constexpr std::uint8_t kTimelineTsc = 2;        // read in order with rdtscp
inline constexpr std::uint8_t kTimelineTscFenced = 3;  // no rdtscp: lfence, then rdtsc
// The calling thread's latest TSC reading: now_before_release() never goes back before it.
inline thread_local std::int64_t latest_tick = 0;
// The steady clock, or the first reading of the process (which chooses).
TimelineClock::Ticks timeline_now_slowly() noexcept;

#if defined(__x86_64__)
// The TSC, read in order with what came before it: rdtscp, or lfence then rdtsc where the
// CPU has no rdtscp. rdtscp as one instruction rather than <x86intrin.h>'s __rdtscp(),
// which stores the CPU number it also returns: that store gave every caller a stack
// frame, the ones that are not recording too. The plain read in now_before_release() is
// GCC's and Clang's builtin for rdtsc (what __rdtsc() calls), so that every file
// including this one does not include that header.
inline std::int64_t read_tsc_ordered(bool rdtscp) noexcept {
  std::uint64_t low, high;
  if (rdtscp) asm volatile("rdtscp" : "=a"(low), "=d"(high) : : "rcx");
  else asm volatile("lfence\n\trdtsc" : "=a"(low), "=d"(high));
  return static_cast<std::int64_t>(high << 32 | low);
}
#endif
}  // namespace detail

inline TimelineClock::Ticks TimelineClock::now() noexcept {
#if defined(__x86_64__)
  const std::uint8_t source = detail::timeline_source.load(std::memory_order_relaxed);
  if (source >= detail::kTimelineTsc) {
    const std::int64_t t = detail::read_tsc_ordered(source == detail::kTimelineTsc);
    detail::latest_tick = t;
    return Ticks{t};
  }
#endif
  return detail::timeline_now_slowly();
}

inline TimelineClock::Ticks TimelineClock::now_before_release() noexcept {
#if defined(__x86_64__)
  if (detail::timeline_source.load(std::memory_order_relaxed) >= detail::kTimelineTsc) {
    // Unordered, the read may run ahead of the instructions before it, even of this
    // thread's previous reading: it never comes out earlier than that one.
    auto t = static_cast<std::int64_t>(__builtin_ia32_rdtsc());
    if (t < detail::latest_tick) t = detail::latest_tick;
    detail::latest_tick = t;
    return Ticks{t};
  }
#endif
  return detail::timeline_now_slowly();
}

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
