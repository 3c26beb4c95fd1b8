#include "concur/core/clock.hpp"

#include <sys/resource.h>

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>

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
