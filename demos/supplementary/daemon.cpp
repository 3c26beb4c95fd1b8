// s.2 daemon: when the main part ends, the non-daemon thread finishes; the daemon is cut off.
//
// Both threads plan as many steps; the daemon's are slower. The main part starts both and
// ends at once: like Python at exit, end_of_main() waits for the non-daemon thread, then
// cuts the daemon off. C++ cannot kill a thread, so "cut off" is a stop request the daemon
// meets at its next stop-aware sleep: watch its last step never come.

#include <concur/concur.hpp>

namespace concur::demos {

static void main_ends_early(Run& run) {
  const long long planned = run.integer("steps");
  const auto step = run.duration("step"), daemon_step = run.duration("daemon-step");
  std::atomic<long long> daemon_steps{0}, worker_steps{0}, worker_done_ns{-1}, daemon_left_ns{-1};

  Thread daemon([&] {
    for (long long i = 1; i <= planned; ++i) {
      if (!sleep_for(daemon_step)) {  // a stop-aware sleep: where the cut-off can land
        say("cut off before step {} of {}", i, planned);
        break;
      }
      say("background step {} of {}", ++daemon_steps, planned);
    }
    daemon_left_ns = RunClock::elapsed_ns();
  }, "Daemon", /*daemon=*/true);

  Thread worker([&] {
    for (long long i = 1; i <= planned; ++i) {
      sleep_for(step);  // nobody asks a non-daemon thread to stop
      say("step {} of {}", ++worker_steps, planned);
    }
    worker_done_ns = RunClock::elapsed_ns();
  }, "Worker");

  daemon.start(); worker.start();
  say("the main part is done: non-daemon threads are waited for, daemons cut off");
  const std::size_t cut_off = end_of_main({daemon, worker});

  run.result({{"planned", planned}, {"non_daemon_steps", worker_steps.load()},
              {"daemon_steps", daemon_steps.load()}});
  run.check("the non-daemon thread finished its work", worker_steps == planned, "{} of {} steps",
            worker_steps.load(), planned);
  run.check("the daemon thread was cut off", daemon_steps < planned && cut_off == 1, "{} of {} steps",
            daemon_steps.load(), planned);
  run.check("the cut-off came only after the non-daemon finished",
            daemon_steps == planned || daemon_left_ns >= worker_done_ns, "daemon left at {:.1f} ms, worker done at {:.1f} ms",
            daemon_left_ns / 1e6, worker_done_ns / 1e6);
  run.explain("The worker was waited for and did all {} steps. The daemon kept going meanwhile ({} steps), and "
              "was asked to stop as soon as the worker was done; it stopped in the middle of its next sleep, so "
              "its remaining {} steps never happened.", planned, daemon_steps.load(),
              planned - daemon_steps.load());
}

Example daemon() {
  return {
      .params = {Param::integer("steps", "steps each thread plans to do", 5, 1, 1000),
                 Param::seconds("step", "seconds per step of the non-daemon thread", 0.2, 0.0, 10.0),
                 Param::seconds("daemon-step", "seconds per step of the daemon thread (at least twice --step)",
                                0.45, 0.01, 10.0)},
      // The daemon's work must outlast the other thread's, or there is nothing to cut off.
      .check_params = [](const nlohmann::json& p) -> std::string {
        if (p["daemon-step"].get<double>() >= 2 * p["step"].get<double>()) return "";
        return "--daemon-step must be at least twice --step, so the daemon is still working when the main part ends";
      },
      .variants = {{"daemon", main_ends_early}},
  };
}

}  // namespace concur::demos
