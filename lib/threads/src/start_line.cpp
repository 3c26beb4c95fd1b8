#include "concur/threads/start_line.hpp"

#include "concur/threads/control.hpp"

#include <thread>

namespace concur {

void StartLine::arrive_and_wait() {
  arrived_.fetch_add(1, std::memory_order_acq_rel);
  if (control::active()) {  // one thread runs at a time: wait for the others' turns, not by spinning
    control::point(control::Op::arrive, this, "wait at the start line",
                   [this] { return arrived_.load(std::memory_order_acquire) >= count_; });
    if (control::current_thread_number() >= 0) return;
  }
  // Spin without yielding for a while (about a millisecond): a yielding thread can let
  // the next thread start on its own core, and then the two run one after the other
  // instead of side by side. After that, yield, so more threads than cores still get on.
  for (long spins = 0; arrived_.load(std::memory_order_acquire) < count_; ++spins)
    if (spins > spins_) std::this_thread::yield();
}

}  // namespace concur
