// 11.11 pool: a Pool of worker processes, and the ways to hand it work.
//
// The workers start once; every call then hands them tasks by name: map (all results, in
// the inputs' order), imap_unordered (each as it finishes), apply_async (one task,
// answered later through an AsyncResult and a callback) and starmap (map over argument
// lists). With --kill-worker a worker is killed mid-map: every unfinished task fails with
// an error naming it. Leaving the scope ends the pool, as `with Pool() as pool:` does.

#include <concur/concur.hpp>

#include <signal.h>

namespace concur::demos {

// The tasks. A square takes a little while, so the workers really share the work.
static nlohmann::json slow_square(const nlohmann::json& job) {
  std::this_thread::sleep_for(std::chrono::nanoseconds(job["ns"].get<long long>()));
  const long long n = job["n"];
  if (n < 0) throw std::domain_error(fmt::format("no squares of negative numbers here ({})", n));
  return n * n;
}
CONCUR_TASK(slow_square);
static nlohmann::json multiply(const nlohmann::json& pair) { return pair[0].get<long long>() * pair[1].get<long long>(); }
CONCUR_TASK(multiply);

using Results = std::vector<nlohmann::json>;
static Results jobs(Run& run, long long count) {  // squares of 1..count, each taking 50 ms
  Results out;
  for (long long n = 1; n <= count; ++n) out.push_back({{"n", n}, {"ns", run.scaled(0.05).count()}});
  return out;
}

static Results use_map(Run& run, mp::Pool& pool, long long tasks) {
  Results squares = pool.map("slow_square", jobs(run, tasks), 1);  // waits for all
  say("map returned {} squares, in order: {}", squares.size(), nlohmann::json(squares).dump());
  pool.close();  // no more work: the workers exit once idle
  pool.join();
  return squares;
}

static Results use_imap_unordered(Run& run, mp::Pool& pool, long long tasks) {
  Results squares;
  for (const nlohmann::json& square : pool.imap_unordered("slow_square", jobs(run, tasks))) {
    say("got {}", square.get<long long>());  // as soon as any worker finishes one
    squares.push_back(square);
  }
  std::sort(squares.begin(), squares.end());  // they came in whatever order they finished
  return squares;
}

static Results use_apply_async(Run& run, mp::Pool& pool, long long tasks) {
  std::atomic<int> callbacks{0};
  std::vector<mp::AsyncResult> pending;
  for (const nlohmann::json& job : jobs(run, tasks))
    pending.push_back(pool.apply_async("slow_square", job, [&](const nlohmann::json&) { ++callbacks; }));
  say("submitted {} tasks; the first is ready: {}", pending.size(), pending.front().ready());
  Results squares;
  for (mp::AsyncResult& r : pending) squares.push_back(r.get(30.0));  // each waits at most 30 s
  mp::AsyncResult bad = pool.apply_async("slow_square", {{"n", -1}, {"ns", 0}}, {},
                                         [](const std::exception& e) { say("error callback: {}", e.what()); });
  bad.wait();
  say("all back; {} callbacks ran; the bad task successful(): {}", callbacks.load(), bad.successful());
  if (bad.successful()) squares.push_back(bad.get());  // a square of -1 would be one result too many
  return squares;
}

static Results use_starmap(Run&, mp::Pool& pool, long long tasks) {
  Results pairs;  // the notes' multiply over (n, n): the squares again
  for (long long n = 1; n <= tasks; ++n) pairs.push_back({n, n});
  Results products = pool.starmap("multiply", pairs);
  say("multiply over {} pairs: {}", pairs.size(), nlohmann::json(products).dump());
  return products;
}

// Each of those with a fresh pool of --workers processes: did every square come back?
static Variant with_pool(std::string name, Results (*use)(Run&, mp::Pool&, long long), std::string why) {
  return {std::move(name), [use, why](Run& run) {
            const long long tasks = run.integer("tasks");
            mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
            const Results got = use(run, pool, tasks);
            bool correct = std::ssize(got) == tasks;
            for (long long i = 0; correct && i < tasks; ++i) correct = got[i] == (i + 1) * (i + 1);
            run.result({{"tasks", tasks}, {"completed", got.size()}, {"correct", correct}});
            run.check("every result is right", correct, "{} of {}", got.size(), tasks);
            run.explain(why);
          }};
}

static void kill_a_worker(Run& run) {
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  const pid_t victim = pool.worker_pids().front();
  // Work still waiting when the first result is in, however few --tasks: the kill lands mid-map.
  const Results work = jobs(run, std::max(run.integer("tasks"), 4 * run.integer("workers") + 2));
  long long completed = 0;
  std::string error;
  try {
    for (const nlohmann::json& square : pool.imap_unordered("slow_square", work)) {
      say("got {}", square.get<long long>());
      if (++completed > 1) continue;
      say("killing worker pid {}", victim);
      ::kill(victim, SIGKILL);  // as the OOM killer, or a crash, would
    }
  } catch (const mp::BrokenPoolError& e) {
    say("the pool reported: {}", error = e.what());
  }
  run.result({{"tasks", work.size()}, {"completed", completed}, {"failed", std::ssize(work) - completed}, {"error", error}});
  run.check("the pool reported the dead worker and returned",
            error.find(fmt::format("(pid {}) died: killed by SIGKILL", victim)) != std::string::npos, error);
  run.explain("The pool watched each worker's sentinel: the death was seen at once, the tasks not finished "
              "failed with an error naming the worker, and nothing waited for ever.");
}

Example pool() {
  return {
      .params = {Param::integer("tasks", "tasks per variant", 12, 1, 10'000),
                 Param::integer("workers", "worker processes", 2, 1, 32),
                 Param::flag("kill-worker", "also run a variant that kills a worker mid-map"),
                 mp::start_method_param()},
      .variants = {
          with_pool("map", use_map, "map() blocked until every square was back, then gave them in the order of the inputs."),
          with_pool("imap_unordered", use_imap_unordered,
                    "Each square was printed the moment it was ready; the order depends on the workers."),
          with_pool("apply_async", use_apply_async, "apply_async() returned at once; get() waited for each answer, and "
                                                    "the task that threw came back as an error, not a crash."),
          with_pool("starmap", use_starmap, "starmap() unpacked each argument list for the task, and kept the order."),
          {"kill-worker", kill_a_worker, [](const nlohmann::json& p) { return p["kill-worker"] == true; }}},
  };
}

}  // namespace concur::demos
