// s.1 gil: the CPU-bound countdown on one thread, on two threads under one GIL, and on
// two processes with a GIL each.
//
// Counting a number down to zero is nothing but computation. Two threads that each count
// half share one interpreter and so one GIL: only the holder counts, and every switch
// interval the waiter makes it let go. They take turns, and finish no sooner than one
// thread counting it all. Two processes are two interpreters with a GIL each, so both
// count at once. Compare the speedups in the summary and the bars on the timeline.

#include <concur/concur.hpp>

#include <deque>

namespace concur::demos {

// The interpreter's loop: one step of the countdown, then a look at the eval breaker, as
// CPython does at each backward jump of a while loop. Returns what was left (0).
static long long countdown(Gil& gil, long long n) {
  const long long from = n;
  {
    Gil::Held running(gil);
    while (n > 0) {
      --n;
      gil.check();
    }
  }
  say("counted down {} to {}", from, n);
  return n;
}

static std::chrono::nanoseconds switch_interval(double seconds) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
}

// A process is a fresh interpreter: it makes its own GIL, counts, and reports back.
static void countdown_in_process(const nlohmann::json& args, mp::Handed handed) {
  mp::Connection report = mp::Connection::adopt(std::move(handed.at(0)));
  Gil own_gil(switch_interval(args["switch_interval"].get<double>()));
  const long long left = countdown(own_gil, args["count"].get<long long>());
  report.send({{"left", left}, {"switches", own_gil.stats().switches}});
}
CONCUR_ENTRY(countdown_in_process);

static void count_down(Run& run, int workers, bool processes) {
  const long long count = run.integer("count");
  const double interval_s = run.number("switch-interval");  // not a sleep: never scaled
  Gil gil(switch_interval(interval_s));
  std::vector<long long> left(workers, -1);
  long long switches = 0;
  // Each worker counts its part; the parts add up to the whole count.
  auto part = [&](int w) { return count * (w + 1) / workers - count * w / workers; };

  const auto started = Clock::now();
  if (!processes) {
    std::deque<Thread> threads;
    for (int w = 0; w < workers; ++w) threads.emplace_back([&, w] { left[w] = countdown(gil, part(w)); });
    for (Thread& t : threads) t.start();
    for (Thread& t : threads) t.join();
    switches = gil.stats().switches;
  } else {
    std::deque<mp::Connection> reports;
    std::deque<mp::Process> children;
    for (int w = 0; w < workers; ++w) {
      auto [report_in, report_out] = mp::Pipe(false);
      children.emplace_back(mp::Target{"countdown_in_process", {{"count", part(w)}, {"switch_interval", interval_s}},
                                       {report_out.fileno()}},
                            fmt::format("Process-{}", w + 1), mp::start_method_of(run));
      children.back().start();
      reports.push_back(std::move(report_in));  // report_out closes here: the child has its copy
    }
    for (int w = 0; w < workers; ++w) {
      const nlohmann::json r = reports[w].recv();
      left[w] = r["left"];
      switches += r["switches"].get<long long>();
    }
    for (mp::Process& p : children) p.join();
  }
  const double seconds = to_seconds(Clock::now() - started);
  say("{} worker(s) counted down {}, {} GIL switch(es)", workers, count, switches);

  long long counted = 0, remaining = 0;
  for (int w = 0; w < workers; ++w) counted += part(w), remaining += left[w];
  run.result("count", count);
  run.result("workers", workers);
  run.result("left", left);
  run.result("switches", switches);
  run.check("every countdown reached zero", remaining == 0, fmt::format("left {}", nlohmann::json(left).dump()));
  run.check("the parts add up to the count", counted == count, fmt::format("{} of {}", counted, count));
  static double one_thread_s = 0;  // the variants run in order, one-thread first
  if (run.variant() == "one-thread") one_thread_s = seconds;
  const double speedup = one_thread_s / seconds;
  if (run.variant() == "two-gil-threads")
    run.likely("no faster than one thread", speedup < 1.1, fmt::format("{:.2f}x", speedup));
  if (run.variant() == "two-processes" && std::thread::hardware_concurrency() > 1)
    run.likely("faster than one thread", speedup > 1.3, fmt::format("{:.2f}x", speedup));
  run.explain(processes ? "Two processes, two interpreters, two GILs: nobody waits for anybody, so both halves "
                          "were counted at once, on two cores if the machine has them."
              : workers == 1
                  ? "One thread, nobody to switch to: the GIL is held from start to end. The time to beat."
                  : fmt::format("One GIL for two threads: they took turns of about {} ms, switching {} times, so "
                                "the two halves took as long as the whole.", interval_s * 1000, switches));
}

Example gil() {
  return {
      .id = "s.1",
      .name = "gil",
      .title = "The GIL and a CPU-bound countdown",
      .lecture = 0,
      .summary = "Count down on one thread, two GIL threads, two processes: only processes are faster.",
      .params = {Param::integer("count", "the number to count down to zero", 1'000'000'000, 1, 100'000'000'000),
                 Param::seconds("switch-interval", "seconds a waiter lets the holder run before asking for the GIL "
                                "(sys.setswitchinterval); not scaled by --time-scale", 0.005, 0.000'01, 10.0),
                 mp::start_method_param()},
      .variants = {{"one-thread", [](Run& r) { count_down(r, 1, false); }},
                   {"two-gil-threads", [](Run& r) { count_down(r, 2, false); }},
                   {"two-processes", [](Run& r) { count_down(r, 2, true); }}},
      .baseline = "one-thread",
  };
}

}  // namespace concur::demos
