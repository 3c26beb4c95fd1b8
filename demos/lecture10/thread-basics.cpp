// 10.1 thread-basics: one Thread object watched through its life, attribute by attribute.
//
// Before start() a thread is only a description: a name, a daemon flag, no ids, not
// alive. start() makes it real: the OS gives it ids and it is alive until its work
// returns. join(timeout) waits at most that long and says whether the thread ended.
// Watch the worker hold on (it waits for an Event) so the first timed join gives up,
// then finish once the main thread lets it go; and see current_thread() answer
// differently in main and in the worker.

#include <concur/concur.hpp>

namespace concur::demos {

static void task() {}  // the unnamed thread's work: nothing, it is here for its name

static std::string id_text(std::optional<std::uint64_t> id) { return id ? std::to_string(*id) : "None"; }

static void life_of_a_thread(Run& run) {
  Event let_go("let go");
  std::string name_inside;            // written by the worker, read after join()
  std::optional<std::uint64_t> ident_inside;
  Thread worker([&] {
    name_inside = current_thread().name();  // the worker's own Thread object
    ident_inside = current_thread().ident();
    say("running; current_thread() is '{}'", name_inside);
    let_go.wait();
    say("let go: returning");
  }, "Worker");
  Thread unnamed(CONCUR_TARGET(task));  // no name given: "Thread-N (task)", as Python 3.10+ names it
  unnamed.set_daemon(true);  // allowed only before start()

  auto show = [&](const char* when) {
    say("{}: name={} ident={} native_id={} daemon={} is_alive={}", when, worker.name(), id_text(worker.ident()),
        worker.native_id() ? std::to_string(*worker.native_id()) : "None", worker.daemon(), worker.is_alive());
  };
  const Thread& me = current_thread();
  say("current_thread() here is '{}', ident {}", me.name(), id_text(me.ident()));
  show("before start()");
  const bool alive_before = worker.is_alive(), ids_before = worker.ident() || worker.native_id();

  worker.start();
  show("after start()");
  const bool alive_after_start = worker.is_alive();
  const double patience = to_seconds(run.duration("patience"));
  const bool timed_join = worker.join(patience);  // the worker is still waiting for let_go
  say("join({:.3f}) returned {}; is_alive={}", patience, timed_join, worker.is_alive());
  let_go.set();
  const bool final_join = worker.join(60.0);  // returns as soon as the worker has returned
  show("after join()");
  const bool alive_after_join = worker.is_alive();

  unnamed.start();
  unnamed.join();
  bool daemon_locked = false;
  try {
    unnamed.set_daemon(false);
  } catch (const std::logic_error&) {
    daemon_locked = true;  // Python raises RuntimeError for the same thing
  }
  say("the unnamed thread was called '{}', daemon={}", unnamed.name(), unnamed.daemon());

  run.result({{"alive_before_start", alive_before}, {"alive_after_start", alive_after_start},
              {"alive_after_join", alive_after_join}, {"timed_join_returned", timed_join},
              {"final_join_returned", final_join}});
  run.result("names", {{"main", me.name()}, {"worker", worker.name()}, {"inside_worker", name_inside},
                       {"unnamed", unnamed.name()}});
  run.result("idents", {{"main", id_text(me.ident())}, {"worker", id_text(worker.ident())}});
  run.result("daemon", {{"worker", worker.daemon()}, {"unnamed", unnamed.daemon()}});
  run.check("is_alive() is false before start(), true after, false after join()",
            !alive_before && alive_after_start && !alive_after_join);
  run.check("join(timeout) returns false while the thread runs, true once it has ended", !timed_join && final_join);
  run.check("ident and native_id are empty before start() and set after",
            !ids_before && worker.ident() && worker.native_id());
  run.check("current_thread() is MainThread in main and the Worker inside it",
            me.name() == "MainThread" && name_inside == "Worker" && ident_inside == worker.ident());
  run.check("every thread has its own ident", me.ident() != worker.ident() && unnamed.ident() != me.ident());
  run.check("an unnamed thread is called Thread-N (task), after its target",
            unnamed.name().starts_with("Thread-") && unnamed.name().ends_with(" (task)"), unnamed.name());
  run.check("daemon is what was set, and fixed once started", !worker.daemon() && unnamed.daemon() && daemon_locked);
  run.explain("A Thread gets its ids and becomes alive in start(), and stays alive until its work returns: the "
              "first join gave up because the worker was still waiting for the event, the second returned as "
              "soon as it was set. ident is pthread's handle, native_id the kernel's thread id (as in top -H).");
}

Example thread_basics() {
  return {
      .params = {Param::seconds("patience", "how long the first, timed join() waits", 0.5, 0.0, 60.0)},
      .variants = {{"thread", life_of_a_thread}},
  };
}

}  // namespace concur::demos
