// 10.10 free-threading: CPU-bound threads with a (simulated) GIL, and without one.
//
// The same total work four ways: one thread under the GIL (the baseline), --threads
// threads sharing one GIL (CPython's default build), then one thread and --threads
// threads with no GIL (the free-threaded build of PEP 703, python3.13t). Each speedup
// compares the same work: GIL threads against one GIL thread (about 1x), free threads
// against one free thread (up to the cores that were free), and one free thread against
// one GIL thread (what the GIL's checks cost). The timeline shows why: under the GIL the
// threads' "holding GIL" bars alternate, one switch interval each; without it they run
// side by side.

#include <concur/concur.hpp>

#include <cstdint>

namespace concur::demos {

// One unit of "bytecode": hash steps that depend on each other, so no compiler can skip
// or merge them. The result depends only on the unit's number, so any split of the units
// over threads gives the same sum. Never inlined: inlined, the compiler may compute
// several units at once in vector registers where no GIL check separates them (2x here),
// and that would be charged to the GIL.
[[gnu::noinline]] static std::uint64_t one_unit(std::uint64_t unit) {
  std::uint64_t x = unit * 0x9E3779B97F4A7C15ULL + 1;
  for (int step = 0; step < 1000; ++step) x ^= x << 13, x ^= x >> 7, x ^= x << 17;
  return x;
}

static void compute(Run& run, int threads, bool with_gil) {
  const long long units = run.integer("work-units");
  Gil gil(switch_interval_of(run));
  std::atomic<long long> done{0};
  std::atomic<std::uint64_t> checksum{0};

  // Each thread computes its share [from, to). Under the GIL it holds it throughout and
  // lets go only when asked, at the check between two units, as CPython's eval loop does.
  auto share = [&](long long from, long long to) {
    std::uint64_t sum = 0;
    if (with_gil) {
      Gil::Held running(gil);
      for (long long u = from; u < to; ++u) sum += one_unit(u), gil.check();
    } else {
      for (long long u = from; u < to; ++u) sum += one_unit(u);
    }
    done += to - from;
    checksum += sum;
    say("computed units {}..{}", from, to - 1);
  };

  std::deque<Thread> workers;
  for (long long t = 0; t < threads; ++t)
    workers.emplace_back([&, t] { share(units * t / threads, units * (t + 1) / threads); }).start();
  for (Thread& w : workers) w.join();  // the main thread waits outside the GIL, as join() does

  const GilStats stats = gil.stats();
  run.result({{"work_units", done.load()}, {"threads", threads},
              {"checksum", fmt::format("{:016x}", checksum.load())}, {"switches", stats.switches},
              {"forced_drops", stats.forced_drops}});
  nlohmann::json waited = nlohmann::json::object();  // thread name -> seconds it waited for the GIL
  for (const GilThreadStats& t : stats.threads) waited[t.name] = to_seconds(t.waited);
  run.result("gil_wait_s", waited);

  // Every variant must reach the baseline's checksum; the runner judges the speedups
  // on the medians, against the variant that does the same work (compare_with).
  run.check("all the work was done", done == units, "{} of {} units", done.load(), units);
  run.check_same_as_baseline("same result as one thread", "checksum");
  run.workers(threads);
  if (!with_gil && threads > 1) run.compare_with("one-thread-free");  // the same work, no GIL checks
  if (run.variant() == "gil-threads") run.likely_speedup(SpeedupClaim::no_faster, "no faster than one thread");
  if (run.variant() == "free-threads") run.likely_speedup(SpeedupClaim::scales, "threads scale with the cores");
  run.explain(!with_gil ? (threads == 1 ? "One thread, no GIL: the same work without the checks between units. Its speedup "
                                          "over one-thread is what the GIL cost a lone thread."
                                        : fmt::format("No GIL: the {} threads computed at once; the summary gives their "
                                                      "speedup over one free thread{}.", threads, run.busy_aside(threads)))
              : threads == 1 ? "One thread holds the GIL from start to end: nobody asks for it, so it never switches."
                             : fmt::format("{} threads, one GIL: only the holder computes. The GIL changed hands {} times "
                                           "({} forced after a switch interval), so they took about as long as one.",
                                           threads, stats.switches, stats.forced_drops));
}

Example free_threading() {
  return {
      .params = {Param::integer("threads", "threads sharing the work", 2, 1, 64),
                 Param::integer("work-units", "units of work in total (a thousand hash steps each)", 300'000, 1, 100'000'000),
                 switch_interval_param()},
      .variants = {{"one-thread", [](Run& r) { compute(r, 1, true); }},
                   {"gil-threads", [](Run& r) { compute(r, r.integer<int>("threads"), true); }},
                   {"one-thread-free", [](Run& r) { compute(r, 1, false); }},
                   {"free-threads", [](Run& r) { compute(r, r.integer<int>("threads"), false); }}},
      .baseline = "one-thread",
  };
}

}  // namespace concur::demos
