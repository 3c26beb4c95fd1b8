// concur/harness/runtime.hpp - where the runtime meets the harness: the parameters and
// results several examples share, built from the lower layers' types.
//
// The runtime (core, threads, mp) knows nothing of examples, runs or command lines; an
// option such as --start-method is the harness's way of choosing a runtime value, so it
// is declared here, next to the Run it is read from.
#pragma once

#include <chrono>
#include <string_view>

#include "concur/harness/example.hpp"
#include "concur/harness/run.hpp"
#include "concur/mp/process.hpp"
#include "concur/threads/overlap.hpp"

namespace concur {

namespace mp {
// The --start-method option every process example takes (fork by default), and the
// method a run was given.
Param start_method_param();
StartMethod start_method_of(const Run& run);
}  // namespace mp

// The --switch-interval option of the GIL examples (seconds, 0.005 by default, from 10 µs
// to 10 s; an interpreter setting, not a sleep, so --time-scale leaves it alone), and the
// interval a run was given.
Param switch_interval_param();
std::chrono::nanoseconds switch_interval_of(const Run& run);

// Records the reported round's "overlap_s" and "concurrent_s" (time at least two workers
// were between the start and the end of their loops, waiting for a core or a lock
// included: 0 when they ran one after another), and "attempts".
void report_overlap(Run& run, const Rounds& rounds);

// The end of a lost-update count (race, lock, process-race, process-lock): the results
// "expected", "actual" and "lost" and the overlap (report_overlap). A variant without
// protection (`guarded` false) then gets the likely check "updates were lost" and its
// explanation: never_overlapped() when the workers (`who`: "threads", "processes") never
// ran together, else `when_lost` (fmt syntax; {} is the number lost) or `when_kept`. A
// guarded variant gets the check "no update lost" and explains itself.
void report_count(Run& run, const Rounds& rounds, long long expected, long long actual, bool guarded,
                  std::string_view who, std::string_view when_lost = {}, std::string_view when_kept = {});

}  // namespace concur
