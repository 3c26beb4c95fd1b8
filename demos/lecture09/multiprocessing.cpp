// 9.3 multiprocessing: the same batch, each task in a process of its own, which sends
// its result back to the parent over a Pipe.
//
// Processes run in parallel like C++ threads do, so both batches get faster: the waits
// overlap, and the computations spread over the cores. What processes add is a price:
// a process is a whole program to create (fork copies one, spawn loads one afresh),
// where a thread is a stack in the same program. The run measures both starts, the
// same way: from start() to the first line the new thread or process runs.

#include <concur/concur.hpp>

#include "lecture09/batch.hpp"

namespace concur::demos {

// What each child runs; registered by name, since a spawned child is a new program.
static void run_task_in_child(const nlohmann::json& task, mp::Handed handed) {
  const std::int64_t running_ns = RunClock::elapsed_ns();
  mp::Connection to_parent = mp::Connection::adopt(std::move(handed.at(0)));
  const batch::Done d = batch::perform(task.get<batch::Task>());
  // A fresh process's CPU clock starts at zero: this is what the child used.
  to_parent.send({{"done", d}, {"running_ns", running_ns}, {"cpu_ns", process_cpu_time().count()}});
}
CONCUR_ENTRY(run_task_in_child);

static void process_per_task(Run& run) {
  const mp::StartMethod method = mp::start_method_of(run);
  if (method == mp::StartMethod::forkserver) mp::ensure_forkserver_running();  // once, not per child
  const std::vector<batch::Task> tasks = batch::plan(run);
  const double thread_start_ms = batch::median(batch::thread_starts_ms(tasks.size()));

  say("starting {} processes ({}), one per {} task", tasks.size(), mp::to_string(method), run.variant());
  std::deque<mp::Process> children;
  std::vector<mp::Connection> from_children;
  std::vector<std::int64_t> start_called_ns;
  const std::int64_t began = RunClock::elapsed_ns();
  for (const batch::Task& t : tasks) {
    auto [from_child, to_parent] = mp::Pipe(/*duplex=*/false);
    children.emplace_back(mp::Target{"run_task_in_child", t, {to_parent.fileno()}}, fmt::format("Task-{}", t.number),
                          method);
    start_called_ns.push_back(RunClock::elapsed_ns());
    children.back().start();
    to_parent.close();  // the child has its own copy; ours would hold off EOF if it died
    from_children.push_back(std::move(from_child));
  }
  std::vector<batch::Done> done;
  std::vector<double> process_ms;
  std::int64_t cpu_ns = 0;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    nlohmann::json r;
    try {
      r = from_children[i].recv();
    } catch (const mp::EOFError&) {  // the child ended without answering; the checks will say so
      say("task {} sent no result", i + 1);
      continue;
    }
    done.push_back(r["done"].get<batch::Done>());
    process_ms.push_back((r["running_ns"].get<std::int64_t>() - start_called_ns[i]) / 1e6);
    cpu_ns += r["cpu_ns"].get<std::int64_t>();
  }
  int clean_exits = 0;
  for (mp::Process& child : children) clean_exits += child.join() && child.exitcode() == 0;
  const std::int64_t batch_ns = RunClock::elapsed_ns() - began;
  say("all {} processes joined", tasks.size());

  const batch::Summary s = batch::record(run, tasks, done, batch_ns, cpu_ns);
  const double process_start_ms = batch::median(process_ms);
  const int n = static_cast<int>(tasks.size());
  run.result({{"process_start_ms", process_start_ms}, {"thread_start_ms", thread_start_ms}});
  run.check("every child exited with 0", clean_exits == static_cast<int>(tasks.size()), "{} of {}", clean_exits,
            tasks.size());
  if (run.variant() == "io-bound")
    run.likely("I/O-bound batch ran in parallel", batch_ns < s.sum_task_ns, "batch {:.1f} ms, tasks {:.1f} ms in "
               "all", batch_ns / 1e6, s.sum_task_ns / 1e6);
  else
    batch::likely_scales(run, s, n, "CPU-bound batch ran in parallel");
  run.likely("a process start costs more than a thread start", process_start_ms > thread_start_ms,
             "process {:.3f} ms, thread {:.3f} ms (medians)", process_start_ms, thread_start_ms);
  const std::string how = s.io ? "the children's waits overlapped"
                                : fmt::format("on average {:.2f} cores computed at once", s.busy_cores);
  run.explain("The batch took {:.0f} ms, {}: {}. Starting a process cost {:.3f} ms with {}, a thread {:.3f} ms: "
              "{:.0f}x as much, paid before any work began.", batch_ns / 1e6, batch::verdict(run, s, n), how,
              process_start_ms, mp::to_string(method), thread_start_ms,
              process_start_ms / std::max(thread_start_ms, 1e-6));
}

Example multiprocessing() {
  std::vector<Param> params = batch::params();
  params.push_back(mp::start_method_param());
  return {
      .params = params,
      .variants = {{"io-bound", process_per_task}, {"cpu-bound", process_per_task}},
  };
}

}  // namespace concur::demos
