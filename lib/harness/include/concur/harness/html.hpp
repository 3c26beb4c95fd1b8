// concur/harness/html.hpp - a run as one self-contained HTML page (`--html PATH`): what the
// terminal summary shows, plus every variant's timeline drawn as SVG, for a lab report or
// a browser with no network.
//
// The page needs nothing outside itself: inline CSS, inline SVG, no script, no font, no
// URL. Every text that comes from the run (names, labels, explanations, details,
// parameter values) is escaped. Times read as format_seconds() writes them ("2.10 ms"),
// speedups as "1.92×" or "136× slower"; no number is ever in e-notation.
//
// Its parts, in order (docs/html-report.md describes them and the markup tests use):
//   the example (id, name, title, lecture), its settings, the host (and the run, if the
//   report says how it was started);
//   per variant a <section class="variant" data-variant="NAME">: the first run's timeline
//   (<svg class="timeline">, one <g class="track" data-track="NAME"> per track, then a
//   step line per counter), the variant's explanation and anything that went wrong;
//   the summary (<table class="summary">), the medians as bars (<svg class="speedup-chart">),
//   the outcomes over the runs, the checks (<li class="check" data-ok data-required>) and
//   the verdict.
#pragma once

#include <string>

#include "concur/harness/runner.hpp"
#include "concur/harness/sweep.hpp"

namespace concur {

// One complete HTML5 document for a run.
std::string make_html(const Outcome& outcome);

// One complete HTML5 document for a parameter sweep: a table and two charts (speedup and
// median time against the parameter), then every point's report, folded.
std::string make_sweep_html(const SweepOutcome& sweep);

}  // namespace concur
