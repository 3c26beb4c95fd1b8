// 11.12 primes: CPU-bound work, run sequentially, on threads and on processes.
//
// Counting primes by trial division is pure computation, cut into chunks; each worker takes
// the next chunk when it is free (high numbers cost more: equal shares would leave someone
// idle at the end, so the chunks shrink towards the end). C++ threads run in parallel, so threads and processes both scale; in
// CPython the GIL lets one thread compute at a time, and only processes scale.

#include <concur/concur.hpp>

#include "lecture11/work.hpp"

namespace concur::demos {

// The work, the same in every variant: count_primes() in a Chunk of numbers (work.hpp), and
// the same as a pool task.
CONCUR_TASK(count_primes_task);

// The numbers to check, cut into chunks: --numbers one by one, else 0..limit in chunks
// that shrink as they go (each a quarter of what is left for two workers, never below
// 1/1024 of the range): the last chunks, of the costliest numbers, are small, so no
// worker waits long at the end for the others to finish. Every chunk a process counts
// costs the pool a message each way, so they are not made smaller than that needs.
static std::vector<Chunk> chunks_of(Run& run) {
  std::vector<Chunk> chunks;
  for (long long n : run.integers("numbers")) chunks.push_back({n, n + 1});
  if (!chunks.empty()) return chunks;
  const long long limit = run.integer("limit"), share = 2 * run.integer("workers");
  const long long smallest = std::max(1LL, limit / 1024);
  for (long long from = 0; from < limit;) {
    const long long step = std::max(smallest, (limit - from) / share);
    chunks.push_back({from, std::min(limit, from + step)});
    from += step;
  }
  return chunks;
}

static void sequential(Run&, const std::vector<Chunk>& chunks, long long& primes) {
  for (const Chunk& c : chunks) primes += count_primes(c);
  say("counted {} chunks alone", chunks.size());
}

static void on_threads(Run& run, const std::vector<Chunk>& chunks, long long& primes) {
  std::atomic<std::size_t> next{0};
  std::atomic<long long> total{0};
  // Every thread is started before any counts, as the pool's processes are, and waits for
  // its go: the main thread lets the first go, and each lets the next. Released all at once
  // by a main thread still running, they could all be put on the one core it left free, and
  // take turns there until the scheduler spreads them out (15 ms, seen on a 2-core VM).
  std::deque<Event> go;
  auto worker = [&](std::size_t me) {
    go[me].wait();
    if (me + 1 < go.size()) go[me + 1].set();
    int taken = 0;
    for (std::size_t i = next++; i < chunks.size(); i = next++, ++taken) total += count_primes(chunks[i]);
    say("took {} chunks", taken);
  };
  std::deque<Thread> threads;
  for (std::size_t t = 0; t < run.integer<std::size_t>("workers"); ++t) go.emplace_back("go");
  for (std::size_t t = 0; t < go.size(); ++t) threads.emplace_back([&, t] { worker(t); }).start();
  run.work_begins();  // starting the threads is not the counting
  go[0].set();
  for (Thread& t : threads) t.join();
  run.work_ends();
  primes = total;
}

static void on_processes(Run& run, const std::vector<Chunk>& chunks, long long& primes) {
  mp::Pool pool(run.integer<int>("workers"), mp::start_method_of(run));
  run.work_begins();  // the pool's start is not the counting, nor its teardown after work_ends()
  std::vector<nlohmann::json> items;
  for (const Chunk& c : chunks) items.push_back({c.from, c.to});
  std::map<pid_t, int> taken;  // worker pid -> chunks it counted
  for (const nlohmann::json& r : pool.imap_unordered("count_primes_task", items)) {  // as they finish
    primes += r["primes"].get<long long>();
    ++taken[r["pid"].get<pid_t>()];
  }
  run.work_ends();
  for (const auto& [pid, n] : taken) say("worker pid {} took {} chunks", pid, n);
  pool.close();
  pool.join();
}

using Way = void (*)(Run&, const std::vector<Chunk>&, long long&);

static void count_with(Run& run, Way way) {
  const std::vector<Chunk> chunks = chunks_of(run);
  long long checked = 0, primes = 0;
  for (const Chunk& c : chunks) checked += c.to - c.from;
  say("checking {} numbers in {} chunks", checked, chunks.size());
  const auto started = Clock::now();
  way(run, chunks, primes);
  if (!run.work_time()) run.work_time(Clock::now() - started);  // nothing to start or reap: all of it is work
  say("{} of them are prime", primes);
  run.result({{"checked", checked}, {"primes", primes}});
  run.check_same_as_baseline("agrees with the sequential count", "primes");
  const int workers = run.variant() == "sequential" ? 1 : run.integer<int>("workers");
  run.workers(workers);
  if (workers > 1) run.likely_speedup(SpeedupClaim::scales, "scales with the cores");
  if (run.variant() == "sequential") return run.explain("One thread did all the work: the time to beat.");
  run.explain("The work splits cleanly, so each worker counted its chunks in parallel with the others: {}{}.",
              run.share_of_ideal(workers), run.busy_aside(workers));
}

Example primes() {
  return {
      .params = {Param::integer("limit", "count the primes below this", 5'000'000, 2, 1'000'000'000),
                 Param::integer("workers", "threads or processes", static_cast<long long>(std::max(1u, std::thread::hardware_concurrency())), 1, 64),
                 Param::integer_list("numbers", "check these numbers instead of a range", 0, 4'000'000'000'000'000'000),
                 mp::start_method_param()},
      .variants = {{"sequential", [](Run& r) { count_with(r, sequential); }},
                   {"threads", [](Run& r) { count_with(r, on_threads); }},
                   {"processes", [](Run& r) { count_with(r, on_processes); }}},
      .baseline = "sequential",
  };
}

}  // namespace concur::demos
