// concur/mp/overlap.hpp - concur::Overlap for processes: the tracks live in shared memory.
//
// The parent makes it for `workers` children and hands fileno() to each (Target::fds);
// a child adopts it and takes its probe right after the start line, as a thread would
// (see concur/threads/overlap.hpp for what is measured and why):
//
//     auto overlap = mp::Overlap::adopt(std::move(handed.at(2)));
//     start_line.arrive_and_wait();
//     OverlapProbe inside = overlap.probe();
//     for (...) { read; write; inside.tick(); }
//     inside.stop();
//
// Memory ordering: each child writes only its own track; the parent reads them with
// measure() after joining every child, and calls reset() before starting the next round.
#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>

#include "concur/core/fd.hpp"
#include "concur/mp/shared_memory.hpp"
#include "concur/threads/overlap.hpp"

namespace concur::mp {

namespace overlap_detail {
// The block's cell; `workers` OverlapTracks follow it.
struct Cell {
  std::atomic<std::size_t> claimed{0};
  std::size_t workers = 0;
};
static_assert(std::atomic<std::size_t>::is_always_lock_free, "a counter shared by processes must be lock-free");
}  // namespace overlap_detail

class Overlap {
 public:
  explicit Overlap(std::size_t workers, std::string_view name = "overlap");
  // The Overlap a parent handed to this process.
  static Overlap adopt(detail::Fd fd);

  // The next free track's probe; std::logic_error past `workers`.
  OverlapProbe probe();
  void reset() noexcept;
  Measure measure() const;
  int fileno() const noexcept { return placed_.block->fileno(); }

 private:
  explicit Overlap(detail::Placed<overlap_detail::Cell> placed) : placed_(std::move(placed)) {}
  OverlapTrack* tracks() const noexcept { return reinterpret_cast<OverlapTrack*>(placed_.extra()); }
  detail::Placed<overlap_detail::Cell> placed_;
};

}  // namespace concur::mp
