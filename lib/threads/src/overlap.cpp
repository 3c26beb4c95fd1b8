#include "concur/threads/overlap.hpp"

#include "concur/threads/control.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <cerrno>
#include <ctime>

#include <sched.h>

#include <fmt/format.h>

#include "concur/core/clock.hpp"

namespace concur {

namespace {

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Puts worker `mine` on a core of its own among those this process may use (worker i on
// the i-th allowed core, round robin). The scheduler may otherwise queue two racing
// workers behind the same busy core, where they can only take turns; on two different
// cores, both wake onto them together. With one allowed core (taskset -c 0) nothing
// changes. A failure only means the scheduler keeps choosing.
void spread_over_cores(std::size_t mine) noexcept {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  const int count = CPU_COUNT(&allowed);
  if (count < 2) return;
  int wanted = static_cast<int>(mine % static_cast<std::size_t>(count));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed) || wanted-- > 0) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ::sched_setaffinity(0, sizeof one, &one);  // 0: the calling thread only
    return;
  }
}

}  // namespace

OverlapProbe::OverlapProbe(OverlapTrack* tracks, std::size_t workers, std::size_t mine) noexcept
    : track_(&tracks[mine]) {
  constexpr std::int64_t kGo = -1;
  if (control::active()) {  // a controlled run: the schedule decides who runs when, on one core
    tracks[mine].beat.store(kGo, std::memory_order_relaxed);
    return;
  }
  spread_over_cores(mine);
  const std::int64_t deadline = now_ns() + kRendezvous.count();
  std::int64_t window_end = now_ns() + kSpinWindow.count();
  for (;;) {
    const std::int64_t t = now_ns();
    const int my_cpu = ::sched_getcpu();
    tracks[mine].cpu.store(my_cpu, std::memory_order_relaxed);
    tracks[mine].beat.store(t, std::memory_order_relaxed);
    bool all_here = true, one_gone = false, another_core = workers < 2;
    for (std::size_t w = 0; w < workers; ++w) {
      if (w == mine) continue;
      const std::int64_t beat = tracks[w].beat.load(std::memory_order_relaxed);
      one_gone = one_gone || beat == kGo;
      all_here = all_here && beat != 0;
      another_core = another_core || (beat != kGo && t - beat <= kFresh.count() &&
                                      tracks[w].cpu.load(std::memory_order_relaxed) != my_cpu);
    }
    // Whoever sees a partner running on another core says so by going: the others see
    // kGo and follow at once, instead of waiting for a beat the leaver no longer renews.
    if ((all_here && another_core) || one_gone || t > deadline) break;
    if (t > window_end) {
      // Nobody else on a core: sleep to the next whole kGrid of the steady clock, the
      // same instant for every worker. Threads that slept are the ones the scheduler
      // runs first when they wake, ahead of programs that kept computing, so all of
      // them wake onto their cores together.
      const std::int64_t wake = (t / kGrid.count() + 1) * kGrid.count();
      const timespec at{static_cast<time_t>(wake / 1'000'000'000), static_cast<long>(wake % 1'000'000'000)};
      while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
      }
      window_end = now_ns() + kSpinWindow.count();
    }
  }
  tracks[mine].beat.store(kGo, std::memory_order_relaxed);
  track_->count = 0;
  mark();
}

void OverlapProbe::mark() noexcept {
  const std::int64_t i = std::min<std::int64_t>(track_->count, OverlapTrack::kCapacity - 1);
  track_->ns[i] = now_ns();
  track_->count = i + 1;
}

std::chrono::nanoseconds overlap_ns(const std::vector<std::vector<std::int64_t>>& samples,
                                    std::chrono::nanoseconds max_gap) {
  // Each worker's running stretches, as +1 where one begins and -1 where it ends; a sweep
  // in time order then knows how many workers run at every moment. A worker's own
  // stretches never overlap each other, so the count is of distinct workers.
  std::vector<std::pair<std::int64_t, int>> edges;
  for (const std::vector<std::int64_t>& reads : samples) {
    std::size_t i = 0;
    while (i + 1 < reads.size()) {
      if (reads[i + 1] - reads[i] > max_gap.count()) {
        ++i;  // off its core between these two reads
        continue;
      }
      std::size_t j = i + 1;
      while (j + 1 < reads.size() && reads[j + 1] - reads[j] <= max_gap.count()) ++j;
      edges.emplace_back(reads[i], +1);
      edges.emplace_back(reads[j], -1);
      i = j;
    }
  }
  // At equal times the ends come first: touching stretches are not together.
  std::sort(edges.begin(), edges.end());
  std::int64_t together = 0;
  int running = 0;
  for (std::size_t k = 0; k < edges.size(); ++k) {
    running += edges[k].second;
    if (running >= 2 && k + 1 < edges.size()) together += edges[k + 1].first - edges[k].first;
  }
  return std::chrono::nanoseconds(together);
}

Measure measure_tracks(const OverlapTrack* tracks, std::size_t count, std::chrono::nanoseconds max_gap) {
  std::vector<std::vector<std::int64_t>> samples(count);
  std::int64_t first = 0, last = 0;
  bool any = false;
  for (std::size_t w = 0; w < count; ++w) {
    const std::int64_t n = std::clamp<std::int64_t>(tracks[w].count, 0, OverlapTrack::kCapacity);
    samples[w].assign(tracks[w].ns, tracks[w].ns + n);
    if (n == 0) continue;
    first = any ? std::min(first, samples[w].front()) : samples[w].front();
    last = any ? std::max(last, samples[w].back()) : samples[w].back();
    any = true;
  }
  return {overlap_ns(samples, max_gap), overlap_ns(samples, std::chrono::nanoseconds::max()),
          std::chrono::nanoseconds(last - first)};
}

Overlap::Overlap(std::size_t workers) : tracks_(new OverlapTrack[workers]), workers_(workers) { reset(); }

OverlapProbe Overlap::probe() {
  const std::size_t i = claimed_.fetch_add(1, std::memory_order_relaxed);
  if (i >= workers_) throw std::logic_error(fmt::format("Overlap: more than {} probes in one round", workers_));
  return OverlapProbe(tracks_.get(), workers_, i);
}

void Overlap::reset() noexcept {
  for (std::size_t w = 0; w < workers_; ++w) {
    tracks_[w].count = 0;
    tracks_[w].beat.store(0, std::memory_order_relaxed);
  }
  claimed_.store(0, std::memory_order_relaxed);
}

Measure Overlap::measure() const { return measure_tracks(tracks_.get(), workers_); }

Rounds until_overlap(const std::function<Measure()>& round, OverlapGoal goal) {
  const Clock::time_point deadline = Clock::now() + goal.budget;
  Rounds rounds;
  if (control::active()) {  // a controlled run: the schedule decides the interleaving, once
    rounds.last = round();
    rounds.attempts = 1;
    rounds.overlapped = rounds.controlled = true;
    return rounds;
  }
  // The round reported is the last one, so the budget does not end on a round whose workers
  // were never even inside their loops together (one finished before the other began, the
  // cores being busy elsewhere) while one more budget remains: such a round would say they
  // ran one after another when they were started together.
  const Clock::time_point last_call = deadline + goal.budget;
  for (;;) {
    rounds.last = round();
    ++rounds.attempts;
    rounds.overlapped = rounds.last.overlap >= goal.enough;
    const Clock::time_point now = Clock::now();
    const bool together_at_all = rounds.last.concurrent.count() > 0;
    if (rounds.overlapped || now >= last_call || (now >= deadline && together_at_all)) return rounds;
  }
}

std::string never_overlapped(const Rounds& rounds, std::string_view who, long long lost) {
  std::string text = fmt::format(
      "The {0} never ran at the same moment: in {1} attempt{2}, each started together, one had its core "
      "while the others waited (together for {3:.3f} ms at most in the last one). The cores were busy with "
      "other work, or there is only one (taskset -c 0?), so the {0} took turns",
      who, rounds.attempts, rounds.attempts == 1 ? "" : "s", to_seconds(rounds.last.overlap) * 1e3);
  // Taking turns narrows the race; it does not close it. A worker switched out between its
  // read and its write still writes back a stale value when it returns.
  if (lost > 0)
    return text + fmt::format(". Even so, {} update{} {} lost: one was switched out between its read and its "
                              "write, and its late write undid the increments made meanwhile. Taking turns is "
                              "not a lock.",
                              lost, lost == 1 ? "" : "s", lost == 1 ? "was" : "were");
  return text + " and the race could not show. Run it again when a core is free.";
}

}  // namespace concur
