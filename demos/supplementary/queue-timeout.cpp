// s.9 queue-timeout: put and get that give up after a timeout, on a bounded queue.
//
// Nobody takes while the producer puts: the first --maxsize puts fit, and each later one waits
// --timeout, then throws Full (queue.Full). A consumer then takes what is there; its next get
// waits the timeout on the empty queue and throws Empty, its cue to stop. The same with
// threads and a queue.Queue, then with processes and a multiprocessing.Queue, as the notes.

#include <concur/concur.hpp>

namespace concur::demos {

struct Tally {  // what the two sides saw, one after the other
  long long put_ok = 0, full_raised = 0, got = 0, empty_raised = 0;
  double shortest_wait_s = 1e9, longest_wait_s = 0;  // of the calls that gave up
  void waited(double s) { shortest_wait_s = std::min(shortest_wait_s, s), longest_wait_s = std::max(longest_wait_s, s); }
};

template <typename AnyQueue>  // a thread Queue, or a process one (mp::Queue)
static void produce(AnyQueue& queue, long long items, double timeout_s, Tally& t) {
  for (long long item = 1; item <= items; ++item) {
    const auto start = RunClock::elapsed_ns();
    try {  // the line is written as the item goes in; a put that times out says nothing
      queue.put(item, says("put item {}", item), /*block=*/true, timeout_s);
      ++t.put_ok;
    } catch (const Full&) {
      ++t.full_raised;
      t.waited((RunClock::elapsed_ns() - start) / 1e9);
      say("queue full: item {} given up after {:.0f} ms", item, (RunClock::elapsed_ns() - start) / 1e6);
    }
  }
}

template <typename AnyQueue>
static void consume(AnyQueue& queue, double timeout_s, Tally& t) {
  for (;; ++t.got) {  // counts each get that returned an item
    const auto start = RunClock::elapsed_ns();
    try {
      say("got item {}", nlohmann::json(queue.get(/*block=*/true, timeout_s)).dump());
    } catch (const Empty&) {
      ++t.empty_raised;
      t.waited((RunClock::elapsed_ns() - start) / 1e9);
      say("queue empty for {:.0f} ms: stopping", (RunClock::elapsed_ns() - start) / 1e6);
      break;
    }
  }
}

// The process variant's children: one side each, adding to the tally in shared memory.
static void queue_side(const nlohmann::json& args, mp::Handed handed) {
  auto queue = mp::Queue::adopt(std::move(handed.at(0)));
  auto shared = mp::Value<Tally>::adopt(std::move(handed.at(1)));
  Tally t = shared.get();  // the other side is not running now: nobody else writes it
  if (args["side"] == "produce") produce(queue, args["items"], args["timeout_s"], t);
  else consume(queue, args["timeout_s"], t);
  shared.set(t);
}
CONCUR_ENTRY(queue_side);

static void timeouts(Run& run) {
  const long long items = run.integer("items"), maxsize = run.integer("maxsize");
  const double timeout_s = to_seconds(run.duration("timeout"));
  Tally t;  // the producer's counts, then the consumer's: never both at once
  if (run.variant() == "threads") {
    Queue<long long> queue(maxsize, "queue");
    Thread producer([&] { produce(queue, items, timeout_s, t); }, "Producer");
    producer.start(); producer.join();  // the consumer starts only once the producer has given up
    Thread consumer([&] { consume(queue, timeout_s, t); }, "Consumer");
    consumer.start(); consumer.join();
  } else {  // the notes' version: multiprocessing.Queue, a producer and a consumer process
    mp::Queue queue(maxsize, "queue");
    mp::Value<Tally> shared(t, mp::Locking::rlock, "tally");
    for (const char* side : {"produce", "consume"}) {  // the consumer starts once the producer has ended
      mp::Process child(mp::Target{"queue_side", {{"side", side}, {"items", items}, {"timeout_s", timeout_s}},
                                   {queue.fileno(), shared.fileno()}},
                        side == std::string("produce") ? "Producer" : "Consumer", mp::start_method_of(run));
      child.start(); child.join();
    }
    t = shared.get();
  }
  const auto [put_ok, full_raised, got, empty_raised, shortest, longest] = t;
  run.result({{"items", items}, {"maxsize", maxsize}, {"timeout_ms", timeout_s * 1e3}, {"put", put_ok},
              {"full_raised", full_raised}, {"got", got}, {"empty_raised", empty_raised},
              {"shortest_failed_wait_ms", shortest * 1e3}, {"longest_failed_wait_ms", longest * 1e3}});
  const long long fit = std::min(items, maxsize);  // every put after these must raise Full
  run.check("put raised Full once the queue was full", put_ok == fit && full_raised == items - fit,
            "{} put, {} Full (expected {})", put_ok, full_raised, items - fit);
  run.check("get raised Empty once the queue was empty", got == put_ok && empty_raised == 1, "{} got, then {} Empty",
            got, empty_raised);
  run.likely("each failed call waited about the timeout", shortest >= timeout_s * 0.99 && longest < timeout_s * 2 + 0.05,
             "{:.1f} to {:.1f} ms for a {:.1f} ms timeout", shortest * 1e3, longest * 1e3, timeout_s * 1e3);
  run.explain("The queue took {} items; each of the {} puts after that waited {:.0f} ms for room that never came "
              "and raised Full. The consumer took the {} items and its next get waited {:.0f} ms on the empty "
              "queue and raised Empty.", put_ok, full_raised, timeout_s * 1e3, got, timeout_s * 1e3);
}

Example queue_timeout() {
  return {
      .params = {Param::integer("items", "items the producer tries to put", 4, 0, 1000),
                 Param::integer("maxsize", "how many items the queue holds", 2, 1, 1000),
                 Param::seconds("timeout", "seconds a put or get waits before giving up", 0.5, 0.0, 10.0),
                 mp::start_method_param()},
      .variants = {{"threads", timeouts}, {"processes", timeouts}},
  };
}

}  // namespace concur::demos
