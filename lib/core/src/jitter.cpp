#include "concur/core/jitter.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "concur/core/actor.hpp"

namespace concur::jitter {
namespace {

constexpr const char* kVariable = "CONCUR_JITTER";

// 0: not looked at yet, 1: off, 2: on (g_seed holds the seed).
std::atomic<int> g_state{0};
std::atomic<std::uint64_t> g_seed{0};
// Bumped in a forked child, so each thread there draws a fresh sequence from its own name.
std::atomic<std::uint64_t> g_generation{0};

std::uint64_t splitmix(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t fnv1a(const std::string& s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

void watch_forks() {
  [[maybe_unused]] static const int registered =
      ::pthread_atfork(nullptr, nullptr, [] { g_generation.fetch_add(1, std::memory_order_relaxed); });
}

// The first look: a spawned child finds its parent's seed in the environment.
bool on() noexcept {
  int state = g_state.load(std::memory_order_acquire);
  if (state == 0) {
    const char* text = std::getenv(kVariable);
    char* end = nullptr;
    const std::uint64_t s = text != nullptr ? std::strtoull(text, &end, 10) : 0;
    const bool valid = text != nullptr && *text != '\0' && end != nullptr && *end == '\0';
    if (valid) {
      g_seed.store(s, std::memory_order_relaxed);
      watch_forks();
    }
    int expected = 0;
    g_state.compare_exchange_strong(expected, valid ? 2 : 1, std::memory_order_acq_rel);
    state = g_state.load(std::memory_order_acquire);
  }
  return state == 2;
}

struct PerThread {
  bool seeded = false;
  std::uint64_t generation = 0;
  std::uint64_t seed = 0;
  std::uint64_t rng = 0;
  std::chrono::steady_clock::time_point first;  // this thread's first point
  std::chrono::nanoseconds spent{0};            // inside its yields and sleeps so far
  Stats stats;
};


thread_local PerThread t_state;

}  // namespace

void enable(std::uint64_t s) {
  g_seed.store(s, std::memory_order_relaxed);
  ::setenv(kVariable, std::to_string(s).c_str(), 1);
  watch_forks();
  g_state.store(2, std::memory_order_release);
  t_state.seeded = false;  // the calling thread starts its sequence again
}

std::optional<std::uint64_t> seed() {
  if (!on()) return std::nullopt;
  return g_seed.load(std::memory_order_relaxed);
}

void point() noexcept {
  if (!on()) return;
  PerThread& t = t_state;
  const std::uint64_t generation = g_generation.load(std::memory_order_relaxed);
  const std::uint64_t s = g_seed.load(std::memory_order_relaxed);
  if (!t.seeded || t.generation != generation || t.seed != s) {
    t.seeded = true;
    t.generation = generation;
    t.seed = s;
    t.rng = s ^ fnv1a(current_actor());
    t.first = std::chrono::steady_clock::now();
    t.spent = std::chrono::nanoseconds{0};
  }
  ++t.stats.points;
  const std::uint64_t r = splitmix(t.rng);
  // One point in four yields the core; one in sixty-four sleeps 10-100 µs, long enough
  // for the other core's thread to run through its own critical section meanwhile. The
  // choices follow the seed alone; whether the budget lets one be carried out depends on
  // how busy the machine is.
  const bool sleep = (r & 63) == 0, yield = !sleep && (r & 3) == 0;
  if (!sleep && !yield) return;
  ++(sleep ? t.stats.sleeps : t.stats.yields);
  const auto before = std::chrono::steady_clock::now();
  if (!within_budget(t.spent, before - t.first)) {
    ++t.stats.waived;
    return;
  }
  if (sleep)
    std::this_thread::sleep_for(std::chrono::microseconds(10 + (r >> 8) % 91));
  else
    std::this_thread::yield();
  t.spent += std::chrono::steady_clock::now() - before;
}

Stats stats() noexcept { return t_state.stats; }

// A thread's yields and sleeps may take a quarter of its time, plus a little to start
// with. Idle, a yield costs about a microsecond and the budget is never reached. On a
// busy machine a yield hands the core to another runnable process for a whole time slice
// (milliseconds): tens of thousands of them would turn a run of a tenth of a second into
// minutes, and a check would call a correct program hung.
bool within_budget(std::chrono::nanoseconds spent, std::chrono::nanoseconds lived) noexcept {
  constexpr std::chrono::nanoseconds kAllowance = std::chrono::milliseconds(2);
  return spent <= lived / 4 + kAllowance;
}

std::uint64_t ith_seed(std::uint64_t s, int i) noexcept {
  if (i == 0) return s;
  std::uint64_t x = s + static_cast<std::uint64_t>(i);
  return splitmix(x) % 1'000'000'000ULL;  // short enough to type back in
}

}  // namespace concur::jitter
