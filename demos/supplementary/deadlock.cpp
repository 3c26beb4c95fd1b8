// s.4 deadlock: two threads take the same two locks in opposite order.
//
// Thread-1 takes lock A, Thread-2 lock B; each pauses (so the bad timing is certain) and
// asks for the other's. In Python both would wait forever; concur's locks track who holds
// and who waits, so soon after the cycle closes one waiter's lock() throws DeadlockError,
// its guard lets go, and the other finishes. --fix: both take A before B, no cycle forms.

#include <concur/concur.hpp>

namespace concur::demos {

static void take_two(Run& run, bool same_order) {
  Mutex a("lock A"), b("lock B");
  std::mutex report_mu;
  nlohmann::json cycle = nlohmann::json::array();  // guarded by report_mu
  std::string error, victim;                         // guarded by report_mu
  std::atomic<int> completed{0};

  auto worker = [&](Mutex& first, Mutex& second) {
    try {
      std::lock_guard one(first);
      say("holds '{}', now wants '{}'", first.name(), second.name());
      sleep_for(run.duration("hold"));  // lets the other take its first lock
      std::lock_guard two(second);
      say("holds both locks: done");
      ++completed;
    } catch (const DeadlockError& e) {  // `one` has released `first` by now
      say("gives up: {}", e.what());
      std::lock_guard report(report_mu);
      error = e.what();
      victim = current_actor();
      for (const auto& edge : e.cycle())
        cycle.push_back({{"thread", edge.thread}, {"holds", edge.holds}, {"waits_for", edge.waits_for}});
    }
  };

  Thread one([&] { worker(a, b); }, "Thread-1");
  Thread two([&] { same_order ? worker(a, b) : worker(b, a); }, "Thread-2");
  one.start(); two.start();
  one.join(); two.join();

  run.result({{"fixed", same_order}, {"deadlock_detected", !error.empty()}, {"completed", completed.load()},
              {"victim", victim}, {"cycle", cycle}, {"error", error}});
  if (same_order) {
    run.check("completed, no deadlock", completed == 2 && error.empty(), "{} of 2 threads got both locks",
              completed.load());
    run.explain("Both threads asked for lock A first. Whoever lost that race waited while holding nothing, so "
                "the winner could always get lock B too: no cycle, no deadlock.");
  } else {
    run.check("deadlock detected", cycle.size() == 2, error);
    run.check("the other thread finished", completed == 1, "{} of 2 threads got both locks", completed.load());
    run.explain("Each thread held one lock and waited for the other's: a cycle. {} was told (DeadlockError), let "
                "go of its lock, and the other thread got both. Python has no such check; there both threads "
                "would wait forever.", victim);
  }
}

Example deadlock() {
  return {
      .params = {Param::seconds("hold", "seconds each thread holds its first lock before asking for the second",
                                1.0, 0.1, 30.0),
                 Param::flag("fix", "take the locks in one order (A, then B) in both threads")},
      .variants = {{"opposite-order", [](Run& run) { take_two(run, false); },
                    [](const nlohmann::json& p) { return p["fix"] != true; }},
                   {"one-order", [](Run& run) { take_two(run, true); },
                    [](const nlohmann::json& p) { return p["fix"] == true; }}},
      .controlled = ControlledRuns{.outcome = "{completed} of 2 threads got both locks"},
  };
}

}  // namespace concur::demos
