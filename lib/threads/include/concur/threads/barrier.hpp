// concur/threads/barrier.hpp - threads meeting at a barrier, in rounds.
//
// Plays the role of threading.Barrier: `parties` threads call wait(); none returns until
// the last has arrived, then all go on together and the barrier is ready for the next
// round. The optional action runs once per round, in the last thread to arrive, before
// anyone is let go.
//
//     concur::Barrier round_end(3, [] { say("everyone finished the round"); });
//     ... in each of 3 threads:  work(); round_end.wait();
//
// Written by hand rather than over std::barrier because of what Python adds: a wait can
// time out, and abort() ends every wait; either breaks the barrier, and every wait on a
// broken barrier throws BrokenBarrierError instead of waiting for a thread that will never
// come. An action that throws breaks it too (its exception goes to the last arriver).
// A concur::Thread asked to stop while it waits ends the wait with ThreadStopped.
//
// Memory ordering: everything any party wrote before wait() is visible to every party
// after its wait() returns, and to the action.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace concur {

class BrokenBarrierError : public std::runtime_error {
 public:
  explicit BrokenBarrierError(std::string_view barrier);
};

class Barrier {
 public:
  // timeout_s: the default for wait() (Python's timeout argument).
  explicit Barrier(std::ptrdiff_t parties, std::function<void()> action = {}, std::string_view name = "barrier",
                   std::optional<double> timeout_s = std::nullopt);
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  // Waits for the round to fill. Returns this thread's arrival index in the round: 0 for
  // the first, parties - 1 for the last (the one that ran the action). Throws
  // BrokenBarrierError if the barrier is or becomes broken, or the timeout passes (which
  // breaks it for the others too).
  std::ptrdiff_t wait(std::optional<double> timeout_s = std::nullopt);
  // Breaks the barrier: every wait, now and later, throws BrokenBarrierError.
  void abort();

  std::ptrdiff_t parties() const noexcept { return parties_; }
  std::ptrdiff_t n_waiting() const;
  bool broken() const;
  const std::string& name() const noexcept { return name_; }

 private:
  const std::ptrdiff_t parties_;
  const std::function<void()> action_;
  const std::string name_;
  const std::optional<double> timeout_s_;
  const std::uint32_t waiting_label_;
  mutable std::mutex mu_;
  std::condition_variable_any released_;
  std::ptrdiff_t arrived_ = 0;      // guarded by mu_: in this round so far
  std::uint64_t generation_ = 0;    // guarded by mu_: rounds completed
  bool broken_ = false;             // guarded by mu_
};

}  // namespace concur
