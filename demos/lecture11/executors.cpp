// 11.13 executors: futures from a thread executor and from a process executor.
//
// submit() returns a Future at once; the call runs later on a worker. With two workers
// and six calls, four wait their turn: the last two are cancelled before they start
// (cancel() works only on a call that has not begun). A callback counts the futures as
// they finish, as_completed() hands them over in the order they finished, and the one
// call that throws keeps its exception in its future until result() raises it. Then map()
// (the notes' squares), and shutdown() without waiting, then with.

#include <concur/concur.hpp>

#include "lecture11/work.hpp"

namespace concur::demos {

CONCUR_TASK(nap_then_square);  // the work, for both executors (work.hpp): a nap, then a square

template <typename Executor, typename Submit, typename Map>
static void use_futures(Run& run, Executor& executor, Submit submit, Map map) {
  const long long calls = run.integer("calls");
  run.work_begins();  // the work time: first submit to last future ended
  std::atomic<int> callbacks{0};
  std::vector<Future> futures;
  for (long long n = 1; n <= calls; ++n) {
    const long long arg = n == 2 ? -n : n;  // the second call will throw
    futures.push_back(submit(nlohmann::json{{"n", arg}, {"ns", run.scaled(0.1).count()}}));
    futures.back().add_done_callback([&](const Future&) { ++callbacks; });
  }
  say("submitted {}; first running: {}, last running: {}", calls, futures.front().running(), futures.back().running());
  while (!futures.front().running() && !futures.front().done()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const bool cancel_refused = !futures.front().cancel();  // it has started: too late
  say("cancel() on the first call, already running, returned {}", !cancel_refused);
  int cancelled = 0;
  for (std::size_t i = futures.size() - std::min<std::size_t>(2, futures.size() - 1); i < futures.size(); ++i)
    cancelled += futures[i].cancel();  // still waiting for a worker: they give way
  say("cancelled {} that had not started", cancelled);

  int completed = 0, raised = 0;
  std::string unexpected;  // an exception other than the negative call's: a broken pool
  for (const Future& f : as_completed(futures, 60.0)) {  // in the order they finished
    if (f.cancelled()) continue;
    try {
      say("result {}", f.result().dump());
      ++completed;
    } catch (const std::exception& e) {
      say("raised: {}", e.what());  // the exception travelled in the future
      ++raised;
      if (std::string_view(e.what()).find("is negative") == std::string_view::npos && unexpected.empty()) unexpected = e.what();
    }
  }
  run.work_ends();  // the summary compares the work, not the workers' start and stop
  const bool kept = futures[1].done() && futures[1].exception() && !futures[0].exception();  // the -2 call's error
  const std::vector<nlohmann::json> squares = map(square_jobs(5, {}));
  say("map(square, [1..5]) = {}", nlohmann::json(squares).dump());

  std::vector<Future> last = {submit(square_jobs(1, run.scaled(0.1)).front()), submit(square_jobs(1, {}).front())};
  executor.shutdown(/*wait=*/false);  // returns at once; the calls already submitted still run
  const bool returned_early = !last[0].done();
  bool refused = false;
  try { submit(square_jobs(1, {}).front()); } catch (const std::logic_error& e) { refused = true; say("{}", e.what()); }
  const bool finished_anyway = results_in_order(last) == std::vector<nlohmann::json>{1, 1};
  executor.shutdown(/*wait=*/true);
  say("shutdown(wait=False) returned {} the last calls finished; they finished anyway", returned_early ? "before" : "after");
  run.result({{"submitted", calls}, {"completed", completed}, {"raised", raised}, {"cancelled", cancelled},
              {"callbacks", callbacks.load()}, {"map", squares}, {"cancel_running_refused", cancel_refused}});
  run.check("every future ended: completed, raised or cancelled", completed + raised + cancelled == calls,
            "{} completed, {} raised, {} cancelled of {}", completed, raised, cancelled, calls);
  run.check("a callback ran for every future", callbacks == calls, "{} of {}", callbacks.load(), calls);
  run.check("only the call given a negative number raised", raised == 1 && unexpected.empty(),
            unexpected.empty() ? fmt::format("{} raised", raised) : unexpected);
  run.check("cancel() returned false on a call already running", cancel_refused);
  run.check("done() and exception() kept the failed call's error", kept);
  run.check("map() gave the squares in order", squares == std::vector<nlohmann::json>{1, 4, 9, 16, 25});
  run.check("after shutdown(wait=False) no new call is taken, and those submitted finish", refused && finished_anyway);
  run.likely("shutdown(wait=False) returned before the running call finished", returned_early);
  run.explain("Futures are receipts: submit() returned at once, the workers filled them in as they went, and "
              "only calls still waiting could be cancelled.");
}

static void thread_executor(Run& run) {
  ThreadPoolExecutor executor(2);
  use_futures(
      run, executor, [&](nlohmann::json job) { return executor.submit([job] { return nap_then_square(job); }); },
      [&](const std::vector<nlohmann::json>& jobs) { return executor.map(nap_then_square, jobs); });
}

static void process_executor(Run& run) {
  ProcessPoolExecutor executor(2, mp::start_method_of(run));
  use_futures(
      run, executor, [&](const nlohmann::json& job) { return executor.submit("nap_then_square", job); },
      [&](const std::vector<nlohmann::json>& jobs) { return executor.map("nap_then_square", jobs); });
}

Example executors() {
  return {
      .params = {Param::integer("calls", "calls to submit (two workers)", 6, 3, 1000), mp::start_method_param()},
      .variants = {{"thread-executor", thread_executor}, {"process-executor", process_executor}},
  };
}

}  // namespace concur::demos
