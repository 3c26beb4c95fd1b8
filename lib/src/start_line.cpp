#include "concur/start_line.hpp"

#include <thread>

namespace concur {

void StartLine::arrive_and_wait() noexcept {
  arrived_.fetch_add(1, std::memory_order_acq_rel);
  // A short burst of pure spinning catches the common case (everyone is already running);
  // after that, yield so a thread that has not arrived yet can get a core.
  for (int spins = 0; arrived_.load(std::memory_order_acquire) < count_; ++spins)
    if (spins > 1000) std::this_thread::yield();
}

}  // namespace concur
