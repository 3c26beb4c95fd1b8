// 10.11 process: start a child process in each of the three ways, and time each start.
//
// fork copies this process: the child exists at once and shares memory pages with us
// until one side writes. spawn runs the concur program afresh, and the new program
// must be told by name what to run (why Python needs its `if __name__ == "__main__"`
// guard). forkserver asks a small server process, started once, to fork the child.
// Watch the child's parent pid: under forkserver it is the server's, not ours.

#include <concur/concur.hpp>

namespace concur::demos {

// What every child runs. It is registered by name, because a spawned child is a new
// program that knows nothing else about us.
static void greet(const nlohmann::json&, mp::Handed handed) {
  mp::Connection to_parent = mp::Connection::adopt(std::move(handed.at(0)));
  const long long running_at = RunClock::elapsed_ns();
  say("hello from pid {}, my parent is pid {}", mp::current_pid(), mp::parent_pid());
  to_parent.send({{"pid", mp::current_pid()}, {"ppid", mp::parent_pid()}, {"running_ns", running_at}});
}
CONCUR_ENTRY(greet);

static void start_child(Run& run, mp::StartMethod method) {
  if (method == mp::StartMethod::forkserver) {
    mp::ensure_forkserver_running();  // started once; not part of each child's cost
    say("the fork server is running");
  }
  auto [from_child, to_parent] = mp::Pipe(/*duplex=*/false);
  mp::Process child(mp::Target{"greet", {}, {to_parent.fileno()}}, "Child", method);

  say("starting a child with {}", mp::to_string(method));
  const long long before = RunClock::elapsed_ns();
  child.start();
  to_parent.close();  // the child has its own copy of this end
  const nlohmann::json hello = from_child.recv();
  child.join();
  const double start_ms = (hello["running_ns"].get<long long>() - before) / 1e6;
  say("child {} {}; it was running {:.3f} ms after start()", *child.pid(), child.describe_exit(), start_ms);

  run.result({{"parent_pid", mp::current_pid()}, {"child_pid", *child.pid()}, {"start_ms", start_ms}});
  run.check("the child ran and exited with 0", child.exitcode() == 0 && hello["pid"] == *child.pid(),
            child.describe_exit());
  run.check("the child is a process of its own", *child.pid() != mp::current_pid(), "parent {}, child {}",
            mp::current_pid(), *child.pid());
  const bool served = hello["ppid"] != mp::current_pid();
  run.explain("{} took {:.3f} ms from start() to the child running. {}", mp::to_string(method), start_ms,
                          method == mp::StartMethod::fork ? "fork() copied this process, so there was nothing to load."
                          : method == mp::StartMethod::spawn
                              ? "spawn loaded the whole program again, then ran the entry named 'greet'."
                              : (served ? "The fork server forked it, so its parent is the server, not concur."
                                        : "The fork server forked it."));
}

Example process() {
  return {
      .variants = {{"fork", [](Run& r) { start_child(r, mp::StartMethod::fork); }},
                   {"spawn", [](Run& r) { start_child(r, mp::StartMethod::spawn); }},
                   {"forkserver", [](Run& r) { start_child(r, mp::StartMethod::forkserver); }}},
      .baseline = "fork",
  };
}

}  // namespace concur::demos
