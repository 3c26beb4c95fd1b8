// concur/core/jitter.hpp - random yields at the runtime's synchronization points, seeded.
//
// A race or a deadlock shows up only when threads interleave at the wrong moment, and on
// an idle machine that moment may not come for thousands of runs. With jitter on, every
// lock, unlock, acquire, release, set, wait, put, get and thread start passes through
// point(), which now and then yields the core or sleeps a few microseconds. The choices
// come from a random sequence per thread, seeded from the run's seed and the thread's
// name, so the same seed makes the same choices again (`concur check race --seed 42`).
// The operating system's own scheduling still varies: a seed replays the perturbation,
// not the whole interleaving.
//
// Cost: a thread's yields and sleeps take at most about a quarter of its time (plus 2 ms).
// On a busy machine one yield can cost a whole time slice; past the budget a chosen yield
// or sleep is waived (counted in stats().waived), so a jittered run stays within a small
// factor of an unjittered one however loaded the cores are.
//
// Off (the default), point() is one atomic load and a branch.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace concur::jitter {

// Turns jitter on for this process and for every process it starts from now on (the
// seed travels in the environment variable CONCUR_JITTER, so spawned children see it).
void enable(std::uint64_t seed);

// The seed in force, or nullopt when jitter is off.
std::optional<std::uint64_t> seed();

// A synchronization point: with jitter on, maybe yield, maybe sleep 10-100 µs (within
// the thread's budget).
void point() noexcept;

// How many points this thread has passed, how many of them the seed chose to yield or to
// sleep, and how many of those were waived because the budget was spent (for the tests,
// and for curious students: jitter::stats() in a demo).
struct Stats {
  std::uint64_t points = 0;
  std::uint64_t yields = 0;
  std::uint64_t sleeps = 0;
  std::uint64_t waived = 0;
};
Stats stats() noexcept;

// Whether a thread that has lived `lived` since its first point and spent `spent` of it in
// yields and sleeps may take another: spent <= lived / 4 + 2 ms.
bool within_budget(std::chrono::nanoseconds spent, std::chrono::nanoseconds lived) noexcept;

// The seed of the ith run of a check that began with `seed`: ith_seed(s, 0) == s, so a
// failing run can be replayed alone with its own seed.
std::uint64_t ith_seed(std::uint64_t seed, int i) noexcept;

}  // namespace concur::jitter
