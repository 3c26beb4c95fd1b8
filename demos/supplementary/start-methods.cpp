// s.21 start-methods: choosing how children start, and what each way lets them inherit.
//
// set_start_method() chooses once, for the whole program (here: the variant's method);
// get_context() chooses for one use (here: a contrasting method). Before the starts the
// parent changes a global, opens a pipe and has a helper thread hold a lock. A forked
// child is a copy of the parent at fork(); a spawned one (or the fork server's) is fresh.

#include <concur/concur.hpp>

#include <sys/stat.h>

namespace concur::demos {

static int g_setting = 1;           // a global; the parent sets 42 before starting children
static std::mutex g_helper_lock;    // held by the parent's helper thread during the starts

static std::optional<long long> pipe_id(int fd) {  // which pipe fd is, if it is open here
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return std::nullopt;
  return static_cast<long long>(st.st_ino);
}

static void report_inheritance(const nlohmann::json& args, mp::Handed handed) {
  auto to_parent = mp::Connection::adopt(std::move(handed.at(0)));
  const bool has_pipe = pipe_id(args["pipe_fd"]) == args["pipe_id"].get<long long>();
  const bool lock_free = g_helper_lock.try_lock();  // a copy of a lock whose holder is not here
  if (lock_free) g_helper_lock.unlock();
  const int threads = process_thread_count();
  say("global = {}, parent's pipe {}, helper's lock {}, {} here", g_setting, has_pipe ? "open" : "not here",
      lock_free ? "free" : "taken (by a thread that does not exist here)", count_of(threads, "thread"));
  to_parent.send({{"global", g_setting}, {"pipe", has_pipe}, {"lock_free", lock_free}, {"threads", threads}});
}
CONCUR_ENTRY(report_inheritance);

static void start_both_ways(Run& run) {
  const mp::StartMethod method = mp::start_method_named(run.variant());
  const mp::StartMethod other = method == mp::StartMethod::fork ? mp::StartMethod::spawn : mp::StartMethod::fork;
  mp::set_start_method(method);  // once, at the top of the program
  bool set_twice_refused = false;
  try {
    mp::set_start_method(other);
  } catch (const std::runtime_error& e) {
    set_twice_refused = true;
    say("set_start_method() again: {}", e.what());
  }
  g_setting = 42;
  auto [pipe_read, pipe_write] = mp::os_pipe();
  Event holding("holding"), release("release");
  Thread helper([&] {
    std::lock_guard hold(g_helper_lock);
    holding.set();
    release.wait();  // holds g_helper_lock until the children have reported
  }, "Helper");
  helper.start();
  holding.wait();

  nlohmann::json seen;
  auto start_and_hear = [&](auto make_child) {  // one child, its own pipe home
    auto [from_child, to_parent] = mp::Pipe(false);
    mp::Target target{"report_inheritance", {{"pipe_fd", pipe_read.get()}, {"pipe_id", *pipe_id(pipe_read.get())}},
                      {to_parent.fileno()}};
    target.keep_all_fds = true;  // under fork, as Python: every descriptor stays open in the child
    mp::Process child = make_child(std::move(target));
    say("starting {} by {}", child.name(), to_string(child.start_method()));
    child.start();
    to_parent.close();  // the child's copy is the only one left: its death is end of file
    seen[to_string(child.start_method())] = from_child.recv();
    child.join();
    return child.start_method();
  };
  const auto by_default = start_and_hear([](mp::Target t) { return mp::Process(t, "Default"); });  // the program's
  const auto by_context = start_and_hear([&](mp::Target t) { return mp::get_context(other).Process(t, "Context"); });
  release.set();
  helper.join();
  g_setting = 1;  // as the program began, for the next run

  run.result({{"program_method", to_string(mp::get_start_method())}, {"children", seen}});
  run.check("set_start_method() chose for the program, once", mp::get_start_method() == method &&
            by_default == method && set_twice_refused);
  run.check("get_context() chose for one use only", by_context == other);
  for (auto& [name, child] : seen.items()) {
    const bool forked = name == "fork";  // a copy of the parent, or a fresh program
    run.check(fmt::format("the {} child: the global is {}", name, forked ? "42, the parent's" : "1, the program's own"),
              child["global"] == (forked ? 42 : 1), child["global"].dump());
    run.check(fmt::format("the {} child: the parent's pipe is {}", name, forked ? "open" : "not there"),
              child["pipe"] == forked);
    run.check(fmt::format("the {} child: the helper's lock is {}", name, forked ? "copied, taken" : "fresh, free"),
              child["lock_free"] == !forked);
    if (forked)
      run.check("the fork child has one thread, the one that called fork()", child["threads"] == 1,
                count_of(child["threads"].get<int>(), "thread"));
  }
  run.explain("fork() copies the parent whole (globals, open descriptors, locks) but only the thread that called "
              "it: a lock another thread held stays taken for ever in the child. A spawned child starts clean.");
}

Example start_methods() {
  return {.variants = {{"fork", start_both_ways}, {"spawn", start_both_ways}, {"forkserver", start_both_ways}}};
}

}  // namespace concur::demos
