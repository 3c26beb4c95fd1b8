#include "concur/core/host_load.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace concur {
namespace {

std::chrono::nanoseconds to_ns(const timeval& tv) {
  return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}

}  // namespace

std::optional<CpuTicks> parse_proc_stat(std::string_view text) {
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice": guest time is
  // already inside user and nice, so it is not added again.
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.starts_with("cpu ")) continue;
    line.remove_prefix(4);
    std::uint64_t f[8] = {};
    int n = 0;
    while (n < 8) {
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (line.empty()) break;
      const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), f[n]);
      if (ec != std::errc{}) return std::nullopt;
      line.remove_prefix(static_cast<std::size_t>(end - line.data()));
      ++n;
    }
    if (n < 4) return std::nullopt;  // user nice system idle are there since Linux 2.5
    const std::uint64_t busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    return CpuTicks{busy, f[3] + f[4], busy + f[3] + f[4]};
  }
  return std::nullopt;
}

std::optional<CpuTicks> read_proc_stat() {
  std::ifstream in("/proc/stat");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return parse_proc_stat(text.str());
}

std::chrono::nanoseconds own_cpu_time_with_children() noexcept {
  rusage self{}, children{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children);
  return to_ns(self.ru_utime) + to_ns(self.ru_stime) + to_ns(children.ru_utime) + to_ns(children.ru_stime);
}

int host_cpus() noexcept { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

HostLoad::HostLoad()
    : ticks0_(read_proc_stat()), own0_(own_cpu_time_with_children()), wall0_(std::chrono::steady_clock::now()) {}

double HostLoad::busy_cores() const {
  const auto ticks = read_proc_stat();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0_).count();
  if (!ticks || !ticks0_ || wall <= 0) return 0;
  static const long ticks_per_s = std::max(1L, ::sysconf(_SC_CLK_TCK));
  // Busy = every core's wall time minus its idle time; the idle columns are the exact ones.
  const double idle_s = static_cast<double>(ticks->idle - ticks0_->idle) / ticks_per_s;
  const double all_s = std::max(0.0, wall * host_cpus() - idle_s);
  const double own_s = std::chrono::duration<double>(own_cpu_time_with_children() - own0_).count();
  return std::clamp((all_s - own_s) / wall, 0.0, static_cast<double>(host_cpus()));
}

}  // namespace concur
