// s.9 queue-timeout: put and get that give up after a timeout, on a bounded queue.
//
// Nobody takes while the producer puts: the first --maxsize puts fit, and each later one waits
// --timeout, then throws Full (queue.Full). A consumer then takes what is there; its next get
// waits the timeout on the empty queue and throws Empty, its cue to stop.

#include <concur/concur.hpp>

namespace concur::demos {

static void timeouts(Run& run) {
  const long long items = run.integer("items"), maxsize = run.integer("maxsize");
  const double timeout_s = to_seconds(run.duration("timeout"));
  Queue<long long> queue(maxsize, "queue");
  long long put_ok = 0, full_raised = 0, got = 0, empty_raised = 0;  // each written by one thread
  std::vector<double> failed_waits_s;  // Producer's, then Consumer's: never both at once
  Thread producer([&] {
    for (long long item = 1; item <= items; ++item) {
      const auto start = RunClock::elapsed_ns();
      try {  // the line is written as the item goes in; a put that times out says nothing
        queue.put(item, says("put item {}", item), /*block=*/true, timeout_s);
        ++put_ok;
      } catch (const Full&) {
        ++full_raised;
        failed_waits_s.push_back((RunClock::elapsed_ns() - start) / 1e9);
        say("queue full: item {} given up after {:.0f} ms", item, failed_waits_s.back() * 1e3);
      }
    }
  }, "Producer");
  producer.start(); producer.join();  // the consumer starts only once the producer has given up
  Thread consumer([&] {
    for (;; ++got) {  // counts each get that returned an item
      const auto start = RunClock::elapsed_ns();
      try {
        say("got item {}", queue.get(/*block=*/true, timeout_s));
      } catch (const Empty&) {
        ++empty_raised;
        failed_waits_s.push_back((RunClock::elapsed_ns() - start) / 1e9);
        say("queue empty for {:.0f} ms: stopping", failed_waits_s.back() * 1e3);
        break;
      }
    }
  }, "Consumer");
  consumer.start(); consumer.join();
  const auto [shortest, longest] = std::minmax_element(failed_waits_s.begin(), failed_waits_s.end());
  run.result({{"items", items}, {"maxsize", maxsize}, {"timeout_ms", timeout_s * 1e3}, {"put", put_ok},
              {"full_raised", full_raised}, {"got", got}, {"empty_raised", empty_raised},
              {"shortest_failed_wait_ms", *shortest * 1e3}, {"longest_failed_wait_ms", *longest * 1e3}});
  const long long fit = std::min(items, maxsize);  // every put after these must raise Full
  run.check("put raised Full once the queue was full", put_ok == fit && full_raised == items - fit,
            "{} put, {} Full (expected {})", put_ok, full_raised, items - fit);
  run.check("get raised Empty once the queue was empty", got == put_ok && empty_raised == 1, "{} got, then {} Empty",
            got, empty_raised);
  run.likely("each failed call waited about the timeout", *shortest >= timeout_s * 0.99 && *longest < timeout_s * 2 + 0.05,
             "{:.1f} to {:.1f} ms for a {:.1f} ms timeout", *shortest * 1e3, *longest * 1e3, timeout_s * 1e3);
  run.explain("The queue took {} items; each of the {} puts after that waited {:.0f} ms for room that never came "
              "and raised Full. The consumer took the {} items and its next get waited {:.0f} ms on the empty "
              "queue and raised Empty.", put_ok, full_raised, timeout_s * 1e3, got, timeout_s * 1e3);
}

Example queue_timeout() {
  return {
      .params = {Param::integer("items", "items the producer tries to put", 4, 0, 1000),
                 Param::integer("maxsize", "how many items the queue holds", 2, 1, 1000),
                 Param::seconds("timeout", "seconds a put or get waits before giving up", 0.5, 0.0, 10.0)},
      .variants = {{"timeouts", timeouts}},
  };
}

}  // namespace concur::demos
