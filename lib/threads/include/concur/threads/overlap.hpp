// concur/threads/overlap.hpp - proof that threads really ran at the same moment, and rounds
// repeated until they did.
//
// A race shows only while two threads are between their read and their write at once.
// Starting them together is not enough: the C++ loop of 10.4 does 100,000 increments in
// well under a time slice, so when other processes hold the cores, one thread can finish
// its whole loop before the other is ever scheduled. So each worker notes the time every
// kStride iterations (OverlapProbe::tick), and overlap_ns() adds up the time at least two
// of them were inside their loops at the same moment. A worker taken off its core shows
// as a gap between two of its clock reads; a gap longer than kMaxGap is not counted as
// running.
//
// until_overlap() runs a whole round again (a fresh counter, fresh threads) until the
// measured overlap is long enough to matter, within a time budget of about a second. The
// process counterpart, whose clock reads live in shared memory, is concur/mp/overlap.hpp.
//
//     Overlap overlap(threads);                 // one track per thread
//     Rounds rounds = until_overlap([&] {
//       counter = 0; overlap.reset();
//       ... each thread: OverlapProbe inside = overlap.probe();
//                        for (...) { read; write; inside.tick(); }  inside.stop();
//       ... start, join ...
//       return overlap.measure();
//     });
//     report_overlap(run, rounds);              // results "overlap_s" and "attempts"
//                                               // (concur/harness/runtime.hpp)
//
// Memory ordering: a probe writes only its own track; read the tracks (measure()) after
// joining the workers, and reset() before starting them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace concur {

// Where one worker writes its clock reads (steady clock, ns). Fixed size, so recording
// never allocates, and free of pointers, so it can live in shared memory. When it is
// full, the last slot keeps being overwritten: the samples in between are missing, which
// looks like a gap, so the overlap is under-counted, never over-counted.
struct OverlapTrack {
  static constexpr std::size_t kCapacity = 8192;
  // The rendezvous (see OverlapProbe): 0 not there yet, kGo gone, else the time this
  // worker last proved it was on a core. The only field other workers read meanwhile.
  std::atomic<std::int64_t> beat{0};
  std::atomic<int> cpu{-1};  // the core it was on at that beat
  std::int64_t count = 0;
  std::int64_t ns[kCapacity];
};
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "a beat shared by processes must be lock-free");

// How often a worker reads the clock (a power of two: the test is a mask), and the
// longest pause between two reads that still counts as running. 64 relaxed increments
// take well under 50 µs even when two cores fight over the counter's cache line; a
// thread that loses its core is away for a time slice, milliseconds.
inline constexpr long long kStride = 64;
inline constexpr std::chrono::nanoseconds kMaxGap = std::chrono::microseconds(50);

// What a worker holds while it is inside its loop. Made right after the start line,
// tick() once per iteration, stop() right after the loop.
//
// Making one first puts the worker on a core of its own (worker i on the i-th core this
// process may use), so two racing workers are never queued behind the same busy core.
// Making one is also a second, stricter start line: a start line releases everyone at once,
// but a worker released while the scheduler has it off its core starts late, and on a
// busy machine the others are often done by then. So the new probe spins, noting the
// time and its core in its track's beat, until every worker has arrived and two of them
// are fresh (beat within kFresh) on two different cores, that is running at this very
// moment; or until it sees a worker that has already gone. Then it goes. When nobody
// else is on a core within kSpinWindow, it sleeps until the next whole kGrid of the
// steady clock: every waiting worker wakes at that same instant, and a thread waking
// from sleep is run ahead of the programs that kept the cores busy. It gives up
// waiting after kRendezvous, so a worker whose partners never come (threads started and
// joined one at a time, or one core for all) still runs: a blocking wait that ends.
class OverlapProbe {
 public:
  static constexpr std::chrono::nanoseconds kFresh = std::chrono::microseconds(10);
  static constexpr std::chrono::nanoseconds kRendezvous = std::chrono::milliseconds(200);
  static constexpr std::chrono::nanoseconds kSpinWindow = std::chrono::microseconds(200);
  static constexpr std::chrono::nanoseconds kGrid = std::chrono::milliseconds(1);
  // `tracks` holds every worker's track, `mine` is this worker's.
  OverlapProbe(OverlapTrack* tracks, std::size_t workers, std::size_t mine) noexcept;
  void tick() noexcept {
    if ((++n_ & (kStride - 1)) == 0) mark();
  }
  // The last clock read: the loop is over.
  void stop() noexcept { mark(); }

 private:
  void mark() noexcept;
  OverlapTrack* track_;
  long long n_ = 0;
};

// One round's figures, computed from the workers' tracks.
struct Measure {
  std::chrono::nanoseconds overlap{0};     // at least two workers running at the same moment
  std::chrono::nanoseconds concurrent{0};  // at least two inside their loops, running or not
  std::chrono::nanoseconds span{0};        // first clock read of any worker to the last of any
};

// The time at least two workers were running at once. samples[w] holds worker w's clock
// reads in ns, ascending; between two reads further apart than max_gap the worker was not
// running. A worker with fewer than two reads never counts as running.
std::chrono::nanoseconds overlap_ns(const std::vector<std::vector<std::int64_t>>& samples,
                                    std::chrono::nanoseconds max_gap = kMaxGap);
// Both figures at once, from `tracks` (count of them) of a round.
Measure measure_tracks(const OverlapTrack* tracks, std::size_t count, std::chrono::nanoseconds max_gap = kMaxGap);

// The tracks of a round's threads. Non-copyable: the probes point into it.
class Overlap {
 public:
  explicit Overlap(std::size_t workers);
  Overlap(const Overlap&) = delete;
  Overlap& operator=(const Overlap&) = delete;

  // The next free track's probe (thread-safe: each thread calls it once per round).
  // Throws std::logic_error when more probes are asked for than there are workers.
  OverlapProbe probe();
  // Empties every track, for the next round. Call before starting its threads.
  void reset() noexcept;
  // The round's figures. Call after joining its threads.
  Measure measure() const;

 private:
  std::unique_ptr<OverlapTrack[]> tracks_;
  std::size_t workers_;
  std::atomic<std::size_t> claimed_{0};
};

// When a round counts, and how long to keep trying.
struct OverlapGoal {
  // Two cores racing on one counter lose an update within microseconds; a tenth of a
  // millisecond together is many chances.
  std::chrono::nanoseconds enough = std::chrono::microseconds(100);
  std::chrono::nanoseconds budget = std::chrono::seconds(1);
};

// For a program that is run many times over (a check runs an exercise 20 times): each run
// tries for a quarter of a second, since one run of the twenty that shows the race is
// enough, and a locked program, which cannot race, should not spend a second every run.
inline constexpr OverlapGoal kCheckRounds{.budget = std::chrono::milliseconds(250)};

// What until_overlap() did: the last round's figures (the one reported), how many rounds
// it took, and whether that round's workers ran together for goal.enough.
struct Rounds {
  Measure last;
  int attempts = 0;
  bool overlapped = false;
  bool controlled = false;  // a controlled run (control.hpp): one round, interleaved by its schedule
};

// Runs round() (one whole round, start to join, returning its measure) until a round
// overlaps for goal.enough or goal.budget has been spent; always runs at least once. When
// the budget is spent on a round in which no two workers were even inside their loops at
// once, it goes on for up to one more budget until a round has them so: the last round is
// the one reported, and it should not say "one after another" of workers started together.
Rounds until_overlap(const std::function<Measure()>& round, OverlapGoal goal = {});

// The sentence for a run whose workers never ran at the same moment, `who` being
// "threads" or "processes": "The threads never ran at the same moment: ...". When `lost`
// updates were lost all the same (one core, a worker switched out between its read and
// its write), it says so and why, instead of "the race could not show".
std::string never_overlapped(const Rounds& rounds, std::string_view who, long long lost);

}  // namespace concur
