// s.11 terminate: a process stopped from outside with terminate().
//
// The child works forever. After a while the parent sends it SIGTERM with terminate(),
// then join()s it: the child is reaped, and its exit code is minus the signal's number,
// as Python reports it. Watch the last "working" line: the child got no say in when.

#include <concur/concur.hpp>

namespace concur::demos {

static void work_forever(const nlohmann::json& args, mp::Handed) {
  const auto period = std::chrono::nanoseconds(args["period_ns"].get<long long>());
  for (int round = 1;; ++round) {
    say("working (round {})", round);
    std::this_thread::sleep_for(period);
  }
}
CONCUR_ENTRY(work_forever);

static void stop_from_outside(Run& run) {
  mp::Process child(mp::Target{"work_forever", {{"period_ns", run.scaled(0.1).count()}}}, "Child",
                    mp::start_method_of(run));
  child.start();
  std::this_thread::sleep_for(run.duration("after"));

  const bool alive_before = child.is_alive();
  say("child {} is alive: {}; terminating it", *child.pid(), alive_before);
  child.terminate();  // SIGTERM: the child is stopped wherever it is
  const bool ended = child.join(10.0);
  say("child {} {}", *child.pid(), child.describe_exit());

  run.result({{"pid", *child.pid()}, {"exitcode", child.exitcode().value_or(0)}, {"alive_before", alive_before},
              {"alive_after", child.is_alive()}});
  run.check("it was running before terminate()", alive_before);
  run.check("it ended and was reaped", ended && !child.is_alive(), child.describe_exit());
  run.check("its exit code is minus SIGTERM", child.exitcode() == -15, child.describe_exit());
  run.explain("terminate() sent SIGTERM; join() then reaped the child and read its exit status. The child ran no "
              "cleanup of its own: a lock it held or a file half written would stay so.");
}

Example terminate() {
  return {
      .params = {Param::seconds("after", "seconds before the parent terminates the child", 0.5, 0.0, 60.0),
                 mp::start_method_param()},
      .variants = {{"terminate", stop_from_outside}},
  };
}

}  // namespace concur::demos
