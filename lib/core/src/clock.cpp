#include "concur/core/clock.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace concur {
namespace {

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Relaxed is enough: restart() happens before the run's threads are created, and
// creating a thread orders everything before it.
std::atomic<std::int64_t> g_start_ns{now_ns()};

}  // namespace

void RunClock::restart() noexcept { g_start_ns.store(now_ns(), std::memory_order_relaxed); }

std::int64_t RunClock::start_ns() noexcept { return g_start_ns.load(std::memory_order_relaxed); }

void RunClock::set_start_ns(std::int64_t ns) noexcept { g_start_ns.store(ns, std::memory_order_relaxed); }

std::int64_t RunClock::elapsed_ns() noexcept {
  return now_ns() - g_start_ns.load(std::memory_order_relaxed);
}

std::chrono::nanoseconds RunClock::elapsed() noexcept {
  return std::chrono::nanoseconds(elapsed_ns());
}

std::int64_t RunClock::since_start_ns(Clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count() -
         g_start_ns.load(std::memory_order_relaxed);
}

// ---- the timeline's clock --------------------------------------------------------------

namespace {

using Source = TimelineClock::Source;
using Ticks = TimelineClock::Ticks;
using Reading = TimelineClock::Calibration::Reading;

#if defined(__x86_64__)
using detail::read_tsc_ordered;

// kvm-clock, a virtual machine's clock, is the TSC scaled by figures the hypervisor
// publishes. The kernel reads it in the vDSO, without a system call, only while the
// hypervisor says the TSC is stable and the same on every virtual CPU
// (PVCLOCK_TSC_STABLE_BIT); otherwise every read is a system call. So the quickest of a
// few reads through the vDSO is compared with the quickest of a few system calls (both
// timed with the TSC): a read that is not clearly quicker is taken for a system call,
// and the TSC is not used. (A system call costs several vDSO reads on any machine; a
// wrong answer here can only be a "no".)
bool vdso_reads_kvm_clock(bool rdtscp) noexcept {
  const auto quickest = [rdtscp](auto read) {
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    for (int i = 0; i < 16; ++i) {
      const std::int64_t before = read_tsc_ordered(rdtscp);
      read();
      best = std::min(best, read_tsc_ordered(rdtscp) - before);
    }
    return best;
  };
  timespec ts{};
  const std::int64_t vdso = quickest([&] { ::clock_gettime(CLOCK_MONOTONIC, &ts); });
  const std::int64_t call = quickest([&] { ::syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts); });
  return 2 * vdso < call;
}
#endif

// Whether the TSC can be used, and how to read it in order.
struct TscSupport {
  bool usable = false;
  bool rdtscp = false;
};

TscSupport tsc_support() noexcept {
  TscSupport support;
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0x80000000u, &a, &b, &c, &d) == 0 || a < 0x80000007u) return support;
  __get_cpuid(0x80000001u, &a, &b, &c, &d);
  support.rdtscp = (d & (1u << 27)) != 0;
  __get_cpuid(0x80000007u, &a, &b, &c, &d);
  if ((d & (1u << 8)) == 0) return support;  // not invariant: its rate follows the CPU's frequency or stops when idle
  // Readings from two CPUs compare only where every CPU's counter agrees. The kernel
  // keeps time with the TSC only once it has checked that; a virtual machine's kvm-clock
  // is read through the vDSO only while the hypervisor vouches for it. Any other
  // clocksource: no.
  std::FILE* f = std::fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
  if (f == nullptr) return support;
  char name[32] = {};
  const bool read = std::fgets(name, sizeof name, f) != nullptr;
  std::fclose(f);
  if (read && std::strcmp(name, "tsc\n") == 0) support.usable = true;
  else if (read && std::strcmp(name, "kvm-clock\n") == 0) support.usable = vdso_reads_kvm_clock(support.rdtscp);
#endif
  return support;
}

#if defined(__x86_64__)
// Both clocks at once: the steady clock between two TSC readings, placed at their middle.
// Of a few tries the narrowest wins, so an interrupt in the middle of one does not count.
Reading read_both(bool rdtscp) noexcept {
  Reading best{};
  std::int64_t narrowest = -1;
  for (int i = 0; i < 4; ++i) {
    const std::int64_t before = read_tsc_ordered(rdtscp);
    const std::int64_t ns = now_ns();
    const std::int64_t after = read_tsc_ordered(rdtscp);
    if (narrowest < 0 || after - before < narrowest) {
      narrowest = after - before;
      best = {before + narrowest / 2, ns};
    }
  }
  return best;
}
#else
Reading read_both(bool) noexcept { return {now_ns(), now_ns()}; }
#endif

// What the process found when it first looked, kept for its whole life (a forked child's
// too: the TSC is the machine's, not the process's).
struct Machine {
  TscSupport tsc;
  Reading first;  // the earliest reading of both clocks, where the TSC is usable
};

const Machine& machine() noexcept {
  static const Machine m = [] {
    const TscSupport tsc = tsc_support();
    return Machine{tsc, tsc.usable ? read_both(tsc.rdtscp) : Reading{}};
  }();
  return m;
}

Reading read_both() noexcept { return read_both(machine().tsc.rdtscp); }

Source choose() noexcept {
  const char* wanted = std::getenv("CONCUR_TIMELINE_CLOCK");
  if (wanted != nullptr && std::strcmp(wanted, "steady") == 0) return Source::steady;
  return machine().tsc.usable ? Source::tsc : Source::steady;
}

Source chosen() noexcept {
  std::uint8_t s = detail::timeline_source.load(std::memory_order_relaxed);
  if (s == 0) {
    detail::choose_timeline_clock();
    s = detail::timeline_source.load(std::memory_order_relaxed);
  }
  return s >= detail::kTimelineTsc ? Source::tsc : Source::steady;
}

}  // namespace

void detail::choose_timeline_clock() noexcept {
  const std::uint8_t source = choose() == Source::steady ? detail::kTimelineSteady
                              : machine().tsc.rdtscp       ? detail::kTimelineTsc
                                                           : detail::kTimelineTscFenced;
  detail::timeline_source.store(source, std::memory_order_relaxed);
}

TimelineClock::Ticks detail::timeline_now_slowly() noexcept {
  if (chosen() == Source::tsc) return TimelineClock::now();
  return TimelineClock::Ticks{now_ns()};
}

TimelineClock::Source TimelineClock::source() noexcept { return chosen(); }

bool TimelineClock::tsc_usable() noexcept { return machine().tsc.usable; }

TimelineClock::Calibration TimelineClock::Calibration::start() noexcept {
  Calibration c;
  c.source_ = chosen();
  if (c.source_ == Source::tsc) c.begin_ = read_both();
  return c;
}

void TimelineClock::Calibration::finish() noexcept {
  zero_ns_ = RunClock::start_ns();
  if (source_ != Source::tsc) return;
  const Reading end = read_both();
  // The run's own two readings, when far enough apart to fix the rate to about a
  // millionth; otherwise the process's first reading, which is earlier still.
  const Reading from =
      end.steady_ns - begin_.steady_ns >= std::chrono::nanoseconds(kOwnRateMin).count() ? begin_ : machine().first;
  const std::int64_t ticks = end.ticks - from.ticks;
  const std::int64_t ns = end.steady_ns - from.steady_ns;
  // Both are positive unless the run lasted less than one reading: then any rate will do.
  ns_per_tick_ = ticks > 0 && ns > 0 ? static_cast<double>(ns) / static_cast<double>(ticks) : 0.0;
}

std::int64_t TimelineClock::Calibration::run_ns(Ticks t) const noexcept {
  const std::int64_t ticks = static_cast<std::int64_t>(t);
  if (source_ != Source::tsc) return ticks - zero_ns_;
  // Rounded half away from zero, as std::llround() would, without a call per event.
  const double ns = static_cast<double>(ticks - begin_.ticks) * ns_per_tick_;
  return begin_.steady_ns + static_cast<std::int64_t>(ns >= 0 ? ns + 0.5 : ns - 0.5) - zero_ns_;
}

std::chrono::nanoseconds process_cpu_time() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

std::chrono::nanoseconds children_cpu_time() noexcept {
  rusage ru{};
  if (::getrusage(RUSAGE_CHILDREN, &ru) != 0) return {};
  const auto of = [](const timeval& tv) { return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec); };
  return std::chrono::duration_cast<std::chrono::nanoseconds>(of(ru.ru_utime) + of(ru.ru_stime));
}

MemoryUse memory_use() noexcept {
  MemoryUse use;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return use;
  long long pages = 0, resident = 0;
  if (std::fscanf(f, "%lld %lld", &pages, &resident) == 2) {
    const long page = ::sysconf(_SC_PAGESIZE);
    use.virtual_bytes = pages * page;
    use.resident_bytes = resident * page;
  }
  std::fclose(f);
  const struct mallinfo2 heap = ::mallinfo2();
  use.heap_bytes = static_cast<std::int64_t>(heap.uordblks + heap.hblkhd);  // in small chunks + mmapped ones
  if (std::FILE* info = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    long long kib = 0;
    while (std::fgets(line, sizeof line, info) != nullptr)
      if (std::sscanf(line, "KernelStack: %lld kB", &kib) == 1) use.kernel_stack_bytes = kib * 1024;
    std::fclose(info);
  }
  return use;
}

}  // namespace concur
