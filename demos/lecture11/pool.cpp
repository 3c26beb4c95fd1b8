// 11.11 pool: a Pool of worker processes, and the ways to hand it work.
//
// The workers start once; every call then hands them tasks by name: map (all results, in
// the inputs' order), imap_unordered (each as it finishes), apply_async (one task,
// answered later through an AsyncResult and a callback) and starmap (map over argument
// lists). Leaving the scope ends the pool, as `with Pool() as pool:` does. `more-calls`
// (pool.more.cpp) tries apply, partial, starmap_async and timeouts. With --kill-worker a
// worker also dies mid-map (pool.failures.cpp).

#include <concur/concur.hpp>

#include "lecture11/work.hpp"

namespace concur::demos {

// The tasks (work.hpp): a square after a nap, so the workers really share the work, and
// the notes' multiply for starmap.
CONCUR_TASK(nap_then_square);
CONCUR_TASK(multiply);
void kill_a_pool_worker(Run& run);  // the --kill-worker variant, in pool.failures.cpp
void more_pool_calls(Run& run);     // the more-calls variant, in pool.more.cpp

using Results = std::vector<nlohmann::json>;
static Results jobs(Run& run, long long count) { return square_jobs(count, run.scaled(0.05)); }  // 50 ms each

static Results use_map(Run& run, mp::Pool& pool, long long tasks) {
  Results squares = pool.map("nap_then_square", jobs(run, tasks), 1);  // waits for all
  say("map returned {} squares, in order: {}", squares.size(), nlohmann::json(squares).dump());
  pool.close();  // no more work: the workers exit once idle
  pool.join();
  return squares;
}

static Results use_imap_unordered(Run& run, mp::Pool& pool, long long tasks) {
  Results squares;
  for (const nlohmann::json& square : pool.imap_unordered("nap_then_square", jobs(run, tasks))) {
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
    pending.push_back(pool.apply_async("nap_then_square", job, [&](const nlohmann::json&) { ++callbacks; }));
  say("submitted {} tasks; the first is ready: {}", pending.size(), pending.front().ready());
  Results squares;
  for (mp::AsyncResult& r : pending) squares.push_back(r.get(30.0));  // each waits at most 30 s
  mp::AsyncResult bad = pool.apply_async("nap_then_square", {{"n", -1}, {"ns", 0}}, {},
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
          {"more-calls", more_pool_calls},
          {"kill-worker", kill_a_pool_worker, [](const nlohmann::json& p) { return p["kill-worker"] == true; }}},
  };
}

}  // namespace concur::demos
