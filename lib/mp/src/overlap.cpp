#include "concur/mp/overlap.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace concur::mp {

static_assert(sizeof(overlap_detail::Cell) % alignof(OverlapTrack) == 0, "the tracks follow the cell, aligned");

Overlap::Overlap(std::size_t workers, std::string_view name)
    : placed_(detail::create_placed<overlap_detail::Cell>("Overlap", name, workers * sizeof(OverlapTrack))) {
  placed_.cell->workers = workers;
  for (std::size_t w = 0; w < workers; ++w) new (tracks() + w) OverlapTrack;
}

Overlap Overlap::adopt(detail::Fd fd) {
  auto placed = detail::adopt_placed<overlap_detail::Cell>(std::move(fd), "Overlap");
  if (placed.block->size() < detail::kCellOffset + sizeof(overlap_detail::Cell) +
                                 placed.cell->workers * sizeof(OverlapTrack))
    throw std::invalid_argument("adopt: the Overlap is cut short");
  return Overlap(std::move(placed));
}

OverlapProbe Overlap::probe() {
  const std::size_t i = placed_.cell->claimed.fetch_add(1, std::memory_order_relaxed);
  if (i >= placed_.cell->workers)
    throw std::logic_error(fmt::format("mp::Overlap: more than {} probes in one round", placed_.cell->workers));
  return OverlapProbe(tracks(), placed_.cell->workers, i);
}

void Overlap::reset() noexcept {
  for (std::size_t w = 0; w < placed_.cell->workers; ++w) {
    tracks()[w].count = 0;
    tracks()[w].beat.store(0, std::memory_order_relaxed);
  }
  placed_.cell->claimed.store(0, std::memory_order_relaxed);
}

Measure Overlap::measure() const { return measure_tracks(tracks(), placed_.cell->workers); }

}  // namespace concur::mp
