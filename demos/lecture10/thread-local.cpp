// 10.3 thread-local: data that lives as long as a global but belongs to one thread.
//
// record_visit() is one function called by every thread, many times. Its `thread_local`
// counter and log survive from one call to the next, like globals, yet every thread has
// its own copy, made fresh (and empty) the first time that thread touches it. No lock is
// needed, because no two threads ever share one. Watch each thread count 1, 2, 3, ...
// undisturbed while the others count too, and a thread started afterwards begin at 1.

#include <concur/concur.hpp>

namespace concur::demos {

static thread_local long long visits = 0;                   // one per thread, kept between calls
static thread_local std::vector<std::string> visitors_seen;  // one per thread: whoever called here
static std::atomic<long long> all_visits{0};                 // one for the whole process, shared

// Returns how many times the calling thread has been here, this call included.
static long long record_visit() {
  ++visits;
  visitors_seen.push_back(current_thread().name());
  all_visits.fetch_add(1, std::memory_order_relaxed);
  return visits;
}

static void per_thread_counters(Run& run) {
  const long long threads = run.integer("threads"), calls = run.integer("calls");
  all_visits = 0;
  std::mutex report_lock;
  std::map<std::string, std::vector<long long>> counts;  // guarded by report_lock: what each thread got back
  std::map<std::string, bool> only_me;                   // guarded by report_lock

  // Thread k calls record_visit() k x --calls times, so every thread ends on its own count.
  auto visitor = [&](long long k) {
    std::vector<long long> got;
    for (long long i = 0; i < k * calls; ++i) {
      got.push_back(record_visit());
      say("visit number {} for me", got.back());
      std::this_thread::sleep_for(run.duration("pause"));  // the others call in between
    }
    bool mine = visitors_seen.size() == got.size();
    for (const std::string& who : visitors_seen) mine = mine && who == current_thread().name();
    std::lock_guard guard(report_lock);
    counts[current_thread().name()] = got;
    only_me[current_thread().name()] = mine;
  };
  std::deque<Thread> team;
  for (long long k = 1; k <= threads; ++k) team.emplace_back([&, k] { visitor(k); }, fmt::format("Visitor-{}", k));
  for (Thread& t : team) t.start();
  for (Thread& t : team) t.join();

  // A thread started now gets a fresh copy, however often the others have been here.
  long long late_before = -1, late_first = 0;  // written by the latecomer, read after join()
  Thread latecomer([&] { late_before = visits; late_first = record_visit(); }, "Latecomer");
  latecomer.start();
  latecomer.join();
  say("the latecomer had {} visits before its first, which was number {}; {} visits in all", late_before,
      late_first, all_visits.load());

  int counted_alone = 0;
  long long sum_of_counts = 0;
  nlohmann::json per_thread = nlohmann::json::object();
  for (const auto& [name, got] : counts) {
    bool one_two_three = only_me[name];
    for (std::size_t i = 0; i < got.size(); ++i) one_two_three = one_two_three && got[i] == static_cast<long long>(i + 1);
    counted_alone += one_two_three;
    sum_of_counts += got.empty() ? 0 : got.back();
    per_thread[name] = got.empty() ? 0 : got.back();
  }
  const long long expected = calls * threads * (threads + 1) / 2;
  run.result({{"threads", threads}, {"per_thread", per_thread}});
  run.result("shared_total", all_visits.load() - 1);  // the latecomer's visit aside
  run.result({{"expected_total", expected}, {"latecomer_first_visit", late_first}});
  run.check("each thread saw only its own values", counted_alone == threads, "{} of {} threads counted 1, 2, 3, "
            "... and logged only themselves", counted_alone, threads);
  run.check("the totals add up", sum_of_counts == expected && all_visits.load() - 1 == expected,
            "per-thread counts sum to {}, shared counter {}, expected {}", sum_of_counts, all_visits.load() - 1,
            expected);
  run.check("a new thread's copy starts fresh", late_before == 0 && late_first == 1, "the latecomer's first "
            "visit was number {}", late_first);
  run.explain("{} threads called the same function {} times in all. The thread_local counter gave each its own "
              "1, 2, 3, ...; only the shared atomic saw everybody's visits.", threads, expected);
}

Example thread_local_() {
  return {
      .params = {Param::integer("threads", "threads calling the function", 3, 1, 64),
                 Param::integer("calls", "calls by the first thread; thread k makes k times as many", 3, 1, 10'000),
                 Param::seconds("pause", "pause after each call", 0.02, 0.0, 10.0)},
      .variants = {{"thread-local", per_thread_counters}},
  };
}

}  // namespace concur::demos
