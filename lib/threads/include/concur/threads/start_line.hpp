// concur/threads/start_line.hpp - lets a group of threads start at the same instant.
//
// Like a std::latch of `count`, but the threads spin instead of sleeping while they
// wait for the last one. Waking a sleeping thread on another core takes about 100 µs on
// a small machine, longer than the race of 10.4 lasts: with a sleeping latch, the first
// thread is often finished before the second is awake, and the race never shows. A
// spinning start line releases everyone within a few hundred nanoseconds. After about a
// millisecond of spinning it starts yielding the CPU, so more threads than cores still
// make progress.
//
// Memory ordering: everything a thread wrote before arrive_and_wait() is visible to every
// thread after its arrive_and_wait() returns.
#pragma once

#include <atomic>
#include <cstddef>

namespace concur {

class StartLine {
 public:
  // `spins`: how many times to look before starting to yield the CPU.
  explicit StartLine(std::ptrdiff_t count, long spins = kThreadSpins) : count_(count), spins_(spins) {}
  static constexpr long kThreadSpins = 200'000;
  StartLine(const StartLine&) = delete;
  StartLine& operator=(const StartLine&) = delete;

  // Arrives, then spins until all `count` threads have arrived. Use once per thread. In a
  // controlled run (control.hpp) it waits for the others' turns instead, and passing it
  // is not a choice of the schedule.
  void arrive_and_wait();

 private:
  const std::ptrdiff_t count_;
  const long spins_;
  std::atomic<std::ptrdiff_t> arrived_{0};
};

}  // namespace concur
