// 11.11 pool: a Pool of worker processes, and the ways to hand it work.
//
// The workers start once; then every call below hands them tasks by name:
// - map: all the results, in the order of the inputs (chunks go to whoever is free);
// - imap_unordered: results one by one, in the order they finish;
// - apply_async: one task at a time, answered later through an AsyncResult (get, ready,
//   successful) and a callback;
// - starmap: like map, but each input is a list of arguments.
// With --kill-worker, one worker is killed in the middle of the work: the pool notices at
// once, and every task not finished fails with an error that names the worker.

#include <concur/concur.hpp>

#include <signal.h>

#include <atomic>
#include <thread>

namespace concur::demos {

// The tasks. Each takes a little while, so the workers really share the work.
static nlohmann::json slow_square(const nlohmann::json& job) {
  std::this_thread::sleep_for(std::chrono::nanoseconds(job["ns"].get<long long>()));
  const long long n = job["n"];
  if (n < 0) throw std::domain_error(fmt::format("no squares of negative numbers here ({})", n));
  return n * n;
}
CONCUR_TASK(slow_square);

static nlohmann::json power(const nlohmann::json& args) {  // args: [base, exponent]
  long long result = 1;
  for (long long i = 0; i < args[1].get<long long>(); ++i) result *= args[0].get<long long>();
  return result;
}
CONCUR_TASK(power);

static std::vector<nlohmann::json> jobs(Run& run) {
  std::vector<nlohmann::json> out;
  for (long long n = 1; n <= run.integer("tasks"); ++n) out.push_back({{"n", n}, {"ns", run.scaled(0.05).count()}});
  return out;
}

static void report(Run& run, long long tasks, long long completed, bool correct) {
  run.result("tasks", tasks);
  run.result("completed", completed);
  run.result("correct", correct);
  run.check("every result is right", completed == tasks && correct, fmt::format("{} of {}", completed, tasks));
}

static void use_map(Run& run) {
  mp::Pool pool(static_cast<int>(run.integer("workers")), mp::start_method_of(run));
  const std::vector<nlohmann::json> squares = pool.map("slow_square", jobs(run), 1);  // waits for all
  bool correct = true;
  for (std::size_t i = 0; i < squares.size(); ++i) correct = correct && squares[i] == (i + 1) * (i + 1);
  say("map returned {} squares, in order: {}", squares.size(), nlohmann::json(squares).dump());
  pool.close();  // no more work: the workers exit once idle
  pool.join();
  report(run, run.integer("tasks"), static_cast<long long>(squares.size()), correct);
  run.explain("map() blocked until every square was back, then gave them in the order of the inputs.");
}

static void use_imap_unordered(Run& run) {
  mp::Pool pool(static_cast<int>(run.integer("workers")), mp::start_method_of(run));
  long long completed = 0, sum = 0;
  for (const nlohmann::json& square : pool.imap_unordered("slow_square", jobs(run))) {
    say("got {}", square.get<long long>());  // as soon as any worker finishes one
    ++completed;
    sum += square.get<long long>();
  }
  pool.close();
  pool.join();
  const long long n = run.integer("tasks");
  report(run, n, completed, sum == n * (n + 1) * (2 * n + 1) / 6);
  run.explain("Each square was printed the moment it was ready; the order depends on the workers.");
}

static void use_apply_async(Run& run) {
  mp::Pool pool(static_cast<int>(run.integer("workers")), mp::start_method_of(run));
  std::atomic<int> callbacks{0};
  std::vector<mp::AsyncResult> pending;
  for (const nlohmann::json& job : jobs(run))
    pending.push_back(pool.apply_async("slow_square", job, [&](const nlohmann::json&) { ++callbacks; }));
  say("submitted {} tasks; the first is ready: {}", pending.size(), pending.front().ready());
  long long completed = 0;
  bool correct = true;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    correct = correct && pending[i].get(30.0) == (i + 1) * (i + 1);  // waits at most 30 s
    completed += pending[i].successful();
  }
  mp::AsyncResult bad = pool.apply_async("slow_square", {{"n", -1}, {"ns", 0}}, {},
                                         [](const std::exception& e) { say("error callback: {}", e.what()); });
  bad.wait();
  say("all back; {} callbacks ran; the bad task successful(): {}", callbacks.load(), bad.successful());
  pool.close();
  pool.join();
  report(run, static_cast<long long>(pending.size()), completed, correct && !bad.successful());
  run.explain("apply_async() returned at once; get() waited for each answer, and the task that threw came "
              "back as an error, not a crash.");
}

static void use_starmap(Run& run) {
  mp::Pool pool(static_cast<int>(run.integer("workers")), mp::start_method_of(run));
  std::vector<nlohmann::json> args;
  // 2 to the 1..62 (and again): 2^63 would not fit in a long long.
  for (long long n = 1; n <= run.integer("tasks"); ++n) args.push_back({2, (n - 1) % 62 + 1});
  const std::vector<nlohmann::json> powers = pool.starmap("power", args);
  bool correct = true;
  for (std::size_t i = 0; i < powers.size(); ++i) correct = correct && powers[i] == (1LL << (i % 62 + 1));
  say("2 to the 1..{}: {}", std::min<std::size_t>(powers.size(), 62), nlohmann::json(powers).dump());
  pool.close();
  pool.join();
  report(run, static_cast<long long>(args.size()), static_cast<long long>(powers.size()), correct);
  run.explain("starmap() unpacked each argument list for the task, and kept the order.");
}

static void kill_a_worker(Run& run) {
  mp::Pool pool(static_cast<int>(run.integer("workers")), mp::start_method_of(run));
  const pid_t victim = pool.worker_pids().front();
  // Enough tasks that work is still waiting when the first result is in, however few
  // --tasks asked for: the kill must land mid-map.
  std::vector<nlohmann::json> work = jobs(run);
  for (long long n = std::ssize(work) + 1; std::ssize(work) < 4 * run.integer("workers") + 2; ++n)
    work.push_back({{"n", n}, {"ns", run.scaled(0.05).count()}});
  long long completed = 0;
  std::string error;
  try {
    for (const nlohmann::json& square : pool.imap_unordered("slow_square", work)) {
      say("got {}", square.get<long long>());
      if (++completed == 1) {
        say("killing worker pid {}", victim);
        ::kill(victim, SIGKILL);  // as the OOM killer, or a crash, would
      }
    }
  } catch (const mp::BrokenPoolError& e) {
    error = e.what();
    say("the pool reported: {}", error);
  }
  const long long tasks = std::ssize(work);
  run.result("tasks", tasks);
  run.result("completed", completed);
  run.result("failed", tasks - completed);
  run.result("error", error);
  run.check("the pool reported the dead worker and returned",
            error.find(fmt::format("(pid {}) died: killed by SIGKILL", victim)) != std::string::npos, error);
  run.explain("The pool watched each worker's sentinel: the death was seen at once, the tasks not finished "
              "failed with an error naming the worker, and nothing waited for ever.");
}

Example pool() {
  return {
      .id = "11.11",
      .name = "pool",
      .title = "Process pool",
      .lecture = 11,
      .summary = "A Pool of worker processes: map, imap_unordered, apply_async, starmap; a dying worker is reported.",
      .params = {Param::integer("tasks", "tasks per variant", 12, 1, 10'000),
                 Param::integer("workers", "worker processes", 2, 1, 32),
                 Param::flag("kill-worker", "also run a variant that kills a worker mid-map"),
                 mp::start_method_param()},
      .variants = {{"map", use_map},
                   {"imap_unordered", use_imap_unordered},
                   {"apply_async", use_apply_async},
                   {"starmap", use_starmap},
                   {"kill-worker", kill_a_worker, [](const nlohmann::json& p) { return p["kill-worker"] == true; }}},
  };
}

}  // namespace concur::demos
