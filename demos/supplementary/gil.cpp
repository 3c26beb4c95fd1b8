// s.1 gil: the CPU-bound countdown on one thread, on two threads under one GIL, and on
// two processes with a GIL each.
//
// Counting down is nothing but computation. Two threads that each count half share one
// interpreter and so one GIL: only the holder counts, and every switch interval the waiter
// makes it let go, so they finish no sooner than one thread counting it all. Two processes
// have a GIL each and count at once. Compare the speedups and the bars on the timeline.

#include <concur/concur.hpp>

namespace concur::demos {

// The interpreter's loop: a look at the eval breaker at every step of the countdown, as
// CPython does at each backward jump of a while loop. Returns what was left (0).
static long long countdown(Gil& gil, long long n) {
  const long long from = n;
  {
    Gil::Held running(gil);
    for (; n > 0; --n) gil.check();
  }
  say("counted down {} to {}", from, n);
  return n;
}

// A process is a fresh interpreter: it makes its own GIL, counts, and reports back.
static void countdown_in_process(const nlohmann::json& args, mp::Handed handed) {
  mp::Connection report = mp::Connection::adopt(std::move(handed.at(0)));
  Gil own_gil(std::chrono::nanoseconds(args["switch_interval_ns"].get<long long>()));
  const long long left = countdown(own_gil, args["count"].get<long long>());
  report.send({{"left", left}, {"switches", own_gil.stats().switches}});
}
CONCUR_ENTRY(countdown_in_process);

// Threads of one interpreter: they share its GIL. Returns how often it switched.
static long long on_threads(Run& run, const std::vector<long long>& parts, std::vector<long long>& left) {
  Gil gil(switch_interval_of(run));
  std::deque<Thread> threads;
  for (std::size_t w = 0; w < parts.size(); ++w) threads.emplace_back([&, w] { left[w] = countdown(gil, parts[w]); }).start();
  for (Thread& t : threads) t.join();
  return gil.stats().switches;
}

// One process per part, each with a pipe to send back what it found.
static long long on_processes(Run& run, const std::vector<long long>& parts, std::vector<long long>& left) {
  std::deque<mp::Connection> reports;
  std::deque<mp::Process> children;
  for (std::size_t w = 0; w < parts.size(); ++w) {
    auto [report_in, report_out] = mp::Pipe(false);
    const nlohmann::json args = {{"count", parts[w]}, {"switch_interval_ns", switch_interval_of(run).count()}};
    children.emplace_back(mp::Target{"countdown_in_process", args, {report_out.fileno()}}, fmt::format("Process-{}", w + 1),
                          mp::start_method_of(run)).start();
    reports.push_back(std::move(report_in));  // report_out closes here: the child has its copy
  }
  long long switches = 0;
  for (std::size_t w = 0; w < parts.size(); ++w) {
    const nlohmann::json r = reports[w].recv();
    left[w] = r["left"];
    switches += r["switches"].get<long long>();
    children[w].join();
  }
  return switches;
}

using Way = long long (*)(Run&, const std::vector<long long>&, std::vector<long long>&);  // on_threads, on_processes
static void count_down(Run& run, int workers, Way way) {
  const long long count = run.integer("count");
  std::vector<long long> parts, left(workers, -1);
  for (int w = 0; w < workers; ++w) parts.push_back(count * (w + 1) / workers - count * w / workers);
  const auto started = Clock::now();
  const long long switches = way(run, parts, left);
  run.work_time(Clock::now() - started);  // starting the threads or processes included
  say("{} counted down {}, {}", count_of(workers, "worker"), count, count_of(switches, "GIL switch", "GIL switches"));
  run.result({{"count", count}, {"workers", workers}, {"left", left}, {"switches", switches}});
  run.check("every countdown reached zero", std::count(left.begin(), left.end(), 0) == workers,
            "left {}", nlohmann::json(left).dump());
  run.check("the parts add up to the count", std::reduce(parts.begin(), parts.end(), 0LL) == count,
            "parts {}", nlohmann::json(parts).dump());
  // Judged by the runner on the medians; the processes' cores cannot be bounded yet (issue 13).
  if (way != on_processes) run.workers(workers);
  if (run.variant() == "two-gil-threads") run.likely_speedup(SpeedupClaim::no_faster, "no faster than one thread");
  if (run.variant() == "two-processes") run.likely_speedup(SpeedupClaim::scales, "faster than one thread");
  if (way == on_processes)
    return run.explain("Two processes, two interpreters, two GILs: nobody waits for anybody, so both halves were "
                       "counted at once, on two cores if the machine has them and nobody else needs them: {}{}.",
                       run.share_of_ideal(workers), run.busy_aside(workers));
  run.explain(workers == 1 ? "One thread, nobody to switch to: the GIL is held from start to end. The time to beat."
                           : fmt::format("One GIL for two threads: they took turns, switching {} times, so the two "
                                         "halves took as long as the whole.", switches));
}

Example gil() {
  return {
      .params = {Param::integer("count", "the number to count down to zero", 1'000'000'000, 1, 100'000'000'000),
                 switch_interval_param(), mp::start_method_param()},
      .variants = {{"one-thread", [](Run& r) { count_down(r, 1, on_threads); }},
                   {"two-gil-threads", [](Run& r) { count_down(r, 2, on_threads); }},
                   {"two-processes", [](Run& r) { count_down(r, 2, on_processes); }}},
      .baseline = "one-thread",
  };
}

}  // namespace concur::demos
