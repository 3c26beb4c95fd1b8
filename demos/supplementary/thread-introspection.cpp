// s.20 thread-introspection: asking the threading module who is running.
//
// main_thread() is the thread the program began on; current_thread() is whoever asks.
// enumerate() lists the threads alive right now (the main thread included) and
// active_count() counts them; get_ident() and get_native_id() give the asking thread's
// ids. The workers wait on an event, so the main thread looks while all of them are
// alive, then again after the joins, when only it is left.

#include <concur/concur.hpp>

#include <set>

namespace concur::demos {

static std::vector<std::string> names(const std::vector<ThreadInfo>& threads) {
  std::vector<std::string> all;
  for (const ThreadInfo& t : threads) all.push_back(t.name);
  return all;
}

static void who_is_running(Run& run) {
  const int workers = run.integer<int>("workers");
  Event let_go("let go");
  auto task = [&] {
    say("current_thread() is {}, get_ident() {}, get_native_id() {}", current_thread().name(), get_ident(),
        get_native_id());
    let_go.wait();  // stay alive until the main thread has counted
  };
  say("main_thread() is {}: started", main_thread().name());
  const bool main_is_me = main_thread().ident() == current_thread().ident();

  std::deque<Thread> threads;
  std::vector<std::size_t> counts;  // active_count() after each start
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back(CONCUR_TARGET(task));  // no name: "Thread-N (task)"
    threads.back().start();
    counts.push_back(active_count());
    say("active_count() = {}", counts.back());
  }
  const std::vector<std::string> alive = names(enumerate());
  say("enumerate(): {}", fmt::join(alive, ", "));

  let_go.set();
  for (Thread& t : threads) t.join();
  const std::vector<std::string> after = names(enumerate());
  say("main_thread() is {}: finished; active_count() = {}, enumerate(): {}", main_thread().name(), active_count(),
      fmt::join(after, ", "));

  std::vector<std::string> expected = {"MainThread"};  // what enumerate() should have listed
  for (const Thread& t : threads) expected.push_back(t.name());
  std::set<std::uint64_t> idents = {get_ident()};
  for (const Thread& t : threads) idents.insert(*t.ident());
  run.result({{"workers", workers}, {"counts_after_each_start", counts}, {"enumerate_while_alive", alive},
              {"enumerate_after_joins", after}, {"distinct_idents", idents.size()}});
  std::vector<std::size_t> growing(workers);
  std::iota(growing.begin(), growing.end(), 2);  // 2, 3, ...: main plus the workers started so far
  run.check("main_thread() is MainThread, and it is the thread running main", main_thread().name() == "MainThread" &&
            main_is_me);
  run.check("active_count() counts main plus every worker started and still alive", counts == growing, "{}",
            fmt::join(counts, ", "));
  run.check("enumerate() lists main and every waiting worker, in the order they started", alive == expected);
  run.check("after the joins only the main thread is left", after == std::vector<std::string>{"MainThread"});
  run.check("every thread has its own get_ident()", idents.size() == threads.size() + 1u, "{} idents for {} threads",
            idents.size(), threads.size() + 1);
  run.explain("The workers were still waiting when main counted, so enumerate() saw all {} of them plus "
              "MainThread; after join() a thread is no longer alive and drops out of the list.", workers);
}

Example thread_introspection() {
  return {
      .params = {Param::integer("workers", "worker threads started", 3, 1, 64)},
      .variants = {{"threads", who_is_running}},
  };
}

}  // namespace concur::demos
