// demos/lecture09/batch.hpp - the batch of tasks that 9.1, 9.2 and 9.3 all run.
//
// The three Lecture 9 examples differ only in who runs the tasks: the main thread, one
// after another (sequential); a thread per task (threading); a process per task
// (multiprocessing). The tasks themselves live here, once, so that really is the only
// difference between the three runs.
//
// Two kinds of task, one variant each:
// - io-bound: the task waits, as a download waits for the network. Task i of n waits
//   i/n of --io-seconds, so the lengths differ and the last task is the longest.
//   Waiting uses no CPU: many waits can overlap, even on a single core.
// - cpu-bound: the task steps a pseudo-random generator --work million times. Each step
//   needs the one before, so the compiler cannot skip or vectorise the loop; yet the
//   answer can be checked in a few dozen steps (jump_ahead), so a wrong one is caught.
//
// Timestamps come from the run clock, which a child process shares with its parent, so
// a task's times mean the same wherever it ran.
#pragma once

#include <concur/concur.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace concur::demos::batch {

enum class Kind { io, cpu };

struct Task {
  int number = 0;            // 1 .. tasks
  Kind kind = Kind::io;
  std::int64_t wait_ns = 0;  // io: how long it waits, already multiplied by --time-scale
  std::uint64_t steps = 0;   // cpu: generator steps
};

struct Done {
  int number = 0;
  std::int64_t started_ns = 0, finished_ns = 0;  // run clock
  std::uint64_t answer = 0;                      // io: bytes "downloaded"; cpu: the generator's state
};

// To and from JSON, for the trip to a child process and back.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Task, number, kind, wait_ns, steps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Done, number, started_ns, finished_ns, answer)

// One step is x -> x * kMul + kAdd (mod 2^64): Knuth's MMIX linear congruential generator.
inline constexpr std::uint64_t kMul = 6364136223846793005u, kAdd = 1442695040888963407u;

inline std::uint64_t crunch(std::uint64_t x, std::uint64_t steps) {
  for (std::uint64_t i = 0; i < steps; ++i) x = x * kMul + kAdd;
  return x;
}

// crunch()'s answer in about 64 steps: applying x*m + a twice is x*(m*m) + (a*m + a),
// again one step of the same shape, so square the step and use the powers steps' bits name.
inline std::uint64_t jump_ahead(std::uint64_t x, std::uint64_t steps) {
  std::uint64_t mul = kMul, add = kAdd;
  for (; steps != 0; steps >>= 1) {
    if (steps & 1) x = x * mul + add;
    add = add * mul + add;
    mul *= mul;
  }
  return x;
}

// The "page" an I/O task downloads is 1000 bytes per task number: a checkable stand-in.
inline std::uint64_t expected_answer(const Task& t) {
  return t.kind == Kind::io ? 1000u * t.number : jump_ahead(t.number, t.steps);
}

// The options all three examples take.
inline std::vector<Param> params() {
  return {Param::integer("tasks", "tasks in each batch", 4, 1, 64),
          Param::seconds("io-seconds", "the longest I/O wait; task i of n waits i/n of it", 0.4, 0.0, 60.0),
          Param::integer("work", "million generator steps per CPU-bound task", 200, 1, 100'000)};
}

// The batch of the run's variant: io-bound or cpu-bound.
inline std::vector<Task> plan(const Run& run) {
  const int n = run.integer<int>("tasks");
  const Kind kind = run.variant() == "io-bound" ? Kind::io : Kind::cpu;
  std::vector<Task> tasks;
  for (int i = 1; i <= n; ++i)
    tasks.push_back({i, kind, run.duration("io-seconds").count() * i / n,
                     static_cast<std::uint64_t>(run.integer("work")) * 1'000'000});
  return tasks;
}

// Does one task where it is called, and says so.
inline Done perform(const Task& t) {
  if (t.kind == Kind::io)
    say("task {} starts: waits {:.1f} ms for its download", t.number, t.wait_ns / 1e6);
  else
    say("task {} starts: {} million steps of arithmetic", t.number, t.steps / 1'000'000);
  Done d{t.number, RunClock::elapsed_ns(), 0, 0};
  if (t.kind == Kind::io) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(t.wait_ns));  // nothing to do but wait
    d.answer = expected_answer(t);
  } else {
    d.answer = crunch(t.number, t.steps);
  }
  d.finished_ns = RunClock::elapsed_ns();
  say("task {} done after {:.1f} ms", t.number, (d.finished_ns - d.started_ns) / 1e6);
  return d;
}

// What the three runs measure alike.
struct Summary {
  std::int64_t batch_ns = 0, sum_task_ns = 0, longest_task_ns = 0;
  double sequential_s = 0;  // what one after another would take: the waits, or the CPU time
  double busy_cores = 0;    // CPU time / batch time: how many cores computed, on average
  bool io = false;
};

// Records the results every run reports, and checks what must hold however the tasks
// ran: each ran exactly once and gave the right answer. cpu_ns: the batch's CPU time.
inline Summary record(Run& run, const std::vector<Task>& tasks, const std::vector<Done>& done,
                      std::int64_t batch_ns, std::int64_t cpu_ns) {
  Summary s{.batch_ns = batch_ns};
  std::vector<int> runs(tasks.size() + 1, 0);
  std::vector<double> task_s(tasks.size(), 0.0);
  int right = 0;
  double waits_s = 0;
  for (const Done& d : done) {
    if (d.number < 1 || d.number > static_cast<int>(tasks.size())) continue;
    const Task& t = tasks[d.number - 1];
    ++runs[d.number];
    right += d.answer == expected_answer(t);
    task_s[d.number - 1] = (d.finished_ns - d.started_ns) / 1e9;
    s.sum_task_ns += d.finished_ns - d.started_ns;
    s.longest_task_ns = std::max(s.longest_task_ns, d.finished_ns - d.started_ns);
    waits_s += t.wait_ns / 1e9;
  }
  s.io = !tasks.empty() && tasks[0].kind == Kind::io;
  s.sequential_s = s.io ? waits_s : cpu_ns / 1e9;
  s.busy_cores = batch_ns > 0 ? static_cast<double>(cpu_ns) / batch_ns : 0.0;
  const long once = std::count(runs.begin() + 1, runs.end(), 1);

  run.result({{"tasks", tasks.size()}, {"task_s", task_s}, {"sum_task_s", s.sum_task_ns / 1e9},
              {"longest_task_s", s.longest_task_ns / 1e9}, {"batch_s", batch_ns / 1e9}, {"cpu_s", cpu_ns / 1e9},
              {"busy_cores", s.busy_cores}, {"cores", std::max(1u, std::thread::hardware_concurrency())}});
  run.result("free_cores", run.free_cores());  // the cores other programs left free meanwhile
  run.result({{"sequential_s", s.sequential_s},
              {"speedup_vs_sequential", batch_ns > 0 ? s.sequential_s * 1e9 / batch_ns : 0.0}});
  run.check("every task ran exactly once", once == static_cast<long>(tasks.size()) && done.size() == tasks.size(),
            "{} of {} tasks ran once, {} reports", once, tasks.size(), done.size());
  run.check("every task's answer is right", right == static_cast<int>(tasks.size()), "{} of {} right", right,
            tasks.size());
  return s;
}

// How the batch compares with running it one after another, for the explanation: "2.1x
// faster than ...", and, for CPU work on a busy machine, how few cores were free for it.
inline std::string verdict(const Run& run, const Summary& s, int tasks) {
  const double x = s.batch_ns > 0 ? s.sequential_s * 1e9 / s.batch_ns : 0.0;
  const std::string busy = s.io ? "" : run.busy_note(tasks);
  const std::string note = busy.empty() ? "" : fmt::format(" ({})", busy);
  if (x >= 1.2) return fmt::format("{:.1f}x faster than one after another ({:.0f} ms){}", x, s.sequential_s * 1e3, note);
  return fmt::format("no faster than one after another ({:.0f} ms) this time{}", s.sequential_s * 1e3, note);
}

// The CPU-bound claim, judged against the cores that were free while the batch ran: on
// average at least 0.7 of them computed. With less than 1.3 cores free there is no
// parallelism to see, and the check says it could not be tested instead of failing.
inline void likely_scales(Run& run, const Summary& s, int tasks, const std::string& name) {
  const double usable = run.usable_cores(tasks);
  const std::string figures = fmt::format("{:.2f} cores busy on average, {:.1f} could be ({:.1f} of {} free)",
                                          s.busy_cores, std::min<double>(tasks, run.cpus()), run.free_cores(), run.cpus());
  if (usable < 1.3)
    run.untested(name, fmt::format("not tested: {}; {}", run.busy_note(tasks).empty() ? "one core's worth of room" : run.busy_note(tasks), figures));
  else
    run.likely(name, s.busy_cores >= 0.7 * usable, figures);
}

// The middle value, for start costs that vary from one start to the next.
inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// What `how_many` thread starts cost each, in ms, measured as 9.3 measures a child's: from
// start() to the first line the new thread runs.
inline std::vector<double> thread_starts_ms(std::size_t how_many) {
  std::vector<double> ms;
  for (std::size_t i = 0; i < how_many; ++i) {
    std::int64_t running_ns = 0;  // written by the thread, read after join()
    Thread probe([&] { running_ns = RunClock::elapsed_ns(); }, "Probe");
    const std::int64_t before = RunClock::elapsed_ns();
    probe.start();
    probe.join();
    ms.push_back((running_ns - before) / 1e6);
  }
  return ms;
}

}  // namespace concur::demos::batch
