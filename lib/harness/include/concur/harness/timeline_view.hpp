// concur/harness/timeline_view.hpp - draws a run's timeline in the terminal.
//
//     Worker-1    ░░██████████████────────────────
//     Worker-4    ░░░░░░░░░░░░░░░░░██████████████
//     room in use ▁▂▃▃▃▃▃▃▃▃▃▃▃▃▃▂▂▃▃▃▃▃▃▃▃▃▃▃▃▁
//                 0 ms        100 ms       200 ms
//                 █ holding room   ░ waiting for room   ─ running
//
// One row per thread, time across. A cell shows what the thread did for most of that
// slice of time: holding something, waiting for something, or just running; blank
// before it started and after it ended. Glyphs differ, so the picture reads without
// colour too. Counters (permits in use, queue depth) are drawn as a sparkline row.
// With more threads than fit (a 50-worker pool), the rows are summarised: how many
// threads were holding, waiting and running in each slice.
#pragma once

#include <cstddef>
#include <string>

#include "concur/core/text.hpp"  // terminal_width
#include "concur/core/timeline.hpp"

namespace concur {

struct TimelineViewOptions {
  std::size_t width = 80;        // columns available, the label column included
  bool color = false;            // ANSI colour as well as glyphs
  std::size_t max_rows = 16;     // more thread rows than this are summarised
  std::int64_t end_ns = 0;       // the right edge; 0 = the last recorded event
};

// The drawing, one line per row, ending in a newline; "" when nothing was recorded.
std::string render_timeline(const Timeline& timeline, const TimelineViewOptions& options);

}  // namespace concur
