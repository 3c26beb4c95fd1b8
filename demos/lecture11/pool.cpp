// 11.11 pool: a Pool of worker processes, and the ways to hand it work.
//
// The workers start once; then every call hands them tasks by name: map (all results, in
// the inputs' order), imap_unordered (one by one, as they finish), apply_async (one task,
// answered later through an AsyncResult and a callback) and starmap (map over argument
// lists). With --kill-worker a worker is killed mid-map: every unfinished task fails with
// an error naming it. Leaving the scope ends the pool, as `with Pool() as pool:` does.

#include <concur/concur.hpp>

#include <signal.h>

namespace concur::demos {

// The tasks. Each takes a little while, so the workers really share the work.
static nlohmann::json slow_square(const nlohmann::json& job) {
  std::this_thread::sleep_for(std::chrono::nanoseconds(job["ns"].get<long long>()));
  const long long n = job["n"];
  if (n < 0) throw std::domain_error(fmt::format("no squares of negative numbers here ({})", n));
  return n * n;
}
CONCUR_TASK(slow_square);

static nlohmann::json power(const nlohmann::json& args) {  // [base, exponent]
  long long result = 1;
  for (long long i = 0; i < args[1].get<long long>(); ++i) result *= args[0].get<long long>();
  return result;
}
CONCUR_TASK(power);

static std::vector<nlohmann::json> jobs(Run& run, long long count) {  // squares of 1..count
  std::vector<nlohmann::json> out;
  for (long long n = 1; n <= count; ++n) out.push_back({{"n", n}, {"ns", run.scaled(0.05).count()}});
  return out;
}

static void report(Run& run, std::size_t tasks, std::size_t completed, bool correct, std::string why) {
  run.result({{"tasks", tasks}, {"completed", completed}, {"correct", correct}});
  run.check("every result is right", completed == tasks && correct, "{} of {}", completed, tasks);
  run.explain(std::move(why));
}

static bool squares_in_order(const std::vector<nlohmann::json>& got) {
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != (i + 1) * (i + 1)) return false;
  return true;
}

static void use_map(Run& run) {
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  const auto squares = pool.map("slow_square", jobs(run, run.integer("tasks")), 1);  // waits for all
  say("map returned {} squares, in order: {}", squares.size(), nlohmann::json(squares).dump());
  pool.close();  // no more work: the workers exit once idle
  pool.join();
  report(run, run.integer<std::size_t>("tasks"), squares.size(), squares_in_order(squares),
         "map() blocked until every square was back, then gave them in the order of the inputs.");
}

static void use_imap_unordered(Run& run) {
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  const long long n = run.integer("tasks");
  long long completed = 0, sum = 0;
  for (const nlohmann::json& square : pool.imap_unordered("slow_square", jobs(run, n))) {
    say("got {}", square.get<long long>());  // as soon as any worker finishes one
    ++completed;
    sum += square.get<long long>();
  }
  report(run, n, completed, sum == n * (n + 1) * (2 * n + 1) / 6,
         "Each square was printed the moment it was ready; the order depends on the workers.");
}

static void use_apply_async(Run& run) {
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  std::atomic<int> callbacks{0};
  std::vector<mp::AsyncResult> pending;
  for (const nlohmann::json& job : jobs(run, run.integer("tasks")))
    pending.push_back(pool.apply_async("slow_square", job, [&](const nlohmann::json&) { ++callbacks; }));
  say("submitted {} tasks; the first is ready: {}", pending.size(), pending.front().ready());
  std::vector<nlohmann::json> squares;
  for (mp::AsyncResult& r : pending) squares.push_back(r.get(30.0));  // each waits at most 30 s
  mp::AsyncResult bad = pool.apply_async("slow_square", {{"n", -1}, {"ns", 0}}, {},
                                         [](const std::exception& e) { say("error callback: {}", e.what()); });
  bad.wait();
  say("all back; {} callbacks ran; the bad task successful(): {}", callbacks.load(), bad.successful());
  report(run, pending.size(), squares.size(), squares_in_order(squares) && !bad.successful(),
         "apply_async() returned at once; get() waited for each answer, and the task that threw came back as "
         "an error, not a crash.");
}

static void use_starmap(Run& run) {
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  std::vector<nlohmann::json> args;  // 2 to the 1..62, and again: 2^63 would not fit a long long
  for (long long n = 1; n <= run.integer("tasks"); ++n) args.push_back({2, (n - 1) % 62 + 1});
  const auto powers = pool.starmap("power", args);
  bool correct = true;
  for (std::size_t i = 0; i < powers.size(); ++i) correct = correct && powers[i] == (1LL << (i % 62 + 1));
  say("2 to the 1..{}: {}", std::min<std::size_t>(powers.size(), 62), nlohmann::json(powers).dump());
  report(run, args.size(), powers.size(), correct,
         "starmap() unpacked each argument list for the task, and kept the order.");
}

static void kill_a_worker(Run& run) {
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  const pid_t victim = pool.worker_pids().front();
  // Work still waiting when the first result is in, however few --tasks: the kill lands mid-map.
  const auto work = jobs(run, std::max(run.integer("tasks"), 4 * run.integer("workers") + 2));
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
  const auto tasks = std::ssize(work);
  run.result({{"tasks", tasks}, {"completed", completed}, {"failed", tasks - completed}, {"error", error}});
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
      .variants = {{"map", use_map},
                   {"imap_unordered", use_imap_unordered},
                   {"apply_async", use_apply_async},
                   {"starmap", use_starmap},
                   {"kill-worker", kill_a_worker, [](const nlohmann::json& p) { return p["kill-worker"] == true; }}},
  };
}

}  // namespace concur::demos
