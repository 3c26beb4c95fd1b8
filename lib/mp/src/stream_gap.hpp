// stream_gap.hpp (internal to lib/mp) - when a wait is part of a stream.
//
// A reader that keeps up with a writer waits again moments after its last wait ended; an
// occasional wait comes long after. The mp waits yield their core before sleeping only in
// a stream (Connection's read, a shared object's wait): beside a busy program, a yield
// can hand that program a whole time slice, which an occasional reply would wait for.
#pragma once

#include <chrono>
#include <cstdint>

namespace concur::detail {

// The gap under which the next wait counts as part of the same stream.
inline constexpr std::int64_t kStreamGapNs = 20'000;

inline std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// True when `last_ns` (steady_now_ns() when the last wait ended) was under the gap ago.
inline bool in_stream(std::int64_t last_ns) noexcept { return steady_now_ns() - last_ns < kStreamGapNs; }

}  // namespace concur::detail
