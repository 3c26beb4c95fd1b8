#include "concur/core/memory.hpp"

#include <malloc.h>

namespace concur {

bool reuse_large_allocations() noexcept {
  constexpr int kLarge = 512 << 20;
  // Setting either threshold also stops glibc from moving them by itself.
  return ::mallopt(M_MMAP_THRESHOLD, kLarge) == 1 && ::mallopt(M_TRIM_THRESHOLD, kLarge) == 1;
}

}  // namespace concur
