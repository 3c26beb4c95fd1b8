// lib/core/src/track_slot.hpp - where a thread records on the timeline (private to core).
//
// Each thread has a slot of its own: its track in the current run and the spans it has
// open. A coroutine has one too (core/coroutine.hpp): while a thread runs a coroutine's
// turn, it records in the coroutine's slot instead, so the coroutine gets a track of its
// own although it shares the thread with others.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "concur/core/clock.hpp"

namespace concur {
// Both defined in concur/core/timeline.hpp, not included here: timeline.cpp includes this.
struct Track;
enum class SpanKind : std::uint8_t;
}  // namespace concur

namespace concur::detail {

struct OpenSpan {
  const void* key;
  SpanKind kind;
  std::uint32_t label;
  TimelineClock::Ticks start;
};

struct TrackSlot {
  TrackSlot() = default;
  TrackSlot(const TrackSlot&) = delete;
  TrackSlot& operator=(const TrackSlot&) = delete;
  // Hands the spans still open to the run (Recorder::open's note): a thread that ends
  // holding something.
  ~TrackSlot();

  Track* track = nullptr;
  std::uint64_t epoch = 0;
  // A thread holds few things at once; a small fixed array keeps open() allocation-free.
  std::array<OpenSpan, 16> open{};
  std::size_t open_count = 0;
  const std::string* coroutine_name = nullptr;  // a coroutine's slot: the name of its track
};

// Makes the calling thread record in `slot` (nullptr: its own again); returns the slot it
// recorded in before, for the caller to switch back to.
TrackSlot* switch_slot(TrackSlot* slot) noexcept;

}  // namespace concur::detail
