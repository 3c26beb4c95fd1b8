// s.17 async-queue: a producer and a consumer coroutine share a bounded queue.
//
// asyncio.Queue's counterpart, coro::Queue (bounded, built as asyncio's is): put() waits while it
// is full, get() while it is empty, and both waits are co_awaits: the waiting coroutine
// is suspended and the loop runs the others. The producer makes its first items slowly,
// so the consumer waits on an empty queue; then quickly, so the queue fills and the
// producer waits for room. A ticker coroutine on the same thread keeps time throughout:
// if either wait blocked the thread, its ticks would come late.

#include <concur/coro.hpp>

namespace concur::demos {

struct Flow {
  std::vector<int> consumed;
  int ticks = 0;
  double worst_late_ms = 0;
  bool done = false;
};

static coro::Task<void> producer(coro::Queue<int>& queue, int items, std::chrono::nanoseconds slow) {
  for (int i = 1; i <= items; ++i) {
    if (i <= items / 2) co_await coro::sleep(slow);  // the first half comes slowly
    co_await queue.put(i);                           // waits while the queue is full
    say("put item {}", i);
  }
  co_await queue.put(0);  // the sentinel: no more items
  say("put the sentinel");
}

static coro::Task<void> consumer(coro::Queue<int>& queue, Flow& flow, std::chrono::nanoseconds work) {
  for (;;) {
    const int item = co_await queue.get();  // waits while the queue is empty
    if (item == 0) break;
    say("got item {}", item);
    flow.consumed.push_back(item);
    co_await coro::sleep(work);  // handling an item takes a while
  }
  say("got the sentinel: done");
  flow.done = true;
}

static coro::Task<void> ticker(Flow& flow, std::chrono::nanoseconds tick) {
  while (!flow.done) {
    const std::int64_t due = RunClock::elapsed_ns() + tick.count();
    co_await coro::sleep(tick);
    flow.worst_late_ms = std::max(flow.worst_late_ms, (RunClock::elapsed_ns() - due) / 1e6);
    ++flow.ticks;
  }
}

static void produce_consume(Run& run) {
  const int items = run.integer<int>("items");
  Flow flow;
  std::size_t capacity = 0;
  coro::run([&]() -> coro::Task<void> {
    coro::Queue<int> queue("queue", run.integer<std::size_t>("capacity"));
    capacity = queue.capacity();
    co_await coro::gather(coro::named("Producer", producer(queue, items, run.duration("slow"))),
                          coro::named("Consumer", consumer(queue, flow, run.duration("work"))),
                          coro::named("Ticker", ticker(flow, run.duration("tick"))));
  }());

  std::vector<int> expected(items);
  std::iota(expected.begin(), expected.end(), 1);
  run.result({{"items", items}, {"capacity", capacity}, {"consumed", flow.consumed.size()}, {"ticks", flow.ticks},
              {"ticker_worst_late_ms", flow.worst_late_ms}});
  run.check("every item was consumed once, in order", flow.consumed == expected, "{} of {} items, in order: {}",
            flow.consumed.size(), items, flow.consumed == expected);
  // Had the consumer's wait blocked the thread, ticks would be late by most of a slow pause.
  const double slow_ms = to_seconds(run.duration("slow")) * 1e3;
  run.likely("the waiting coroutines never blocked the loop", flow.worst_late_ms < std::max(0.8 * slow_ms, 10.0),
             "{} ticks, the latest {:.1f} ms late; a blocked wait would make it ~{:.0f} ms", flow.ticks,
             flow.worst_late_ms, slow_ms);
  run.explain("All {} items went through a queue of {} in order. The consumer waited on the empty queue at first and "
              "the producer on the full one later, and all the while the ticker on the same thread kept time (at "
              "worst {:.1f} ms late): a co_await wait suspends one coroutine, not the thread.", items, capacity,
              flow.worst_late_ms);
}

Example async_queue() {
  return {
      .params = {Param::integer("items", "items the producer makes", 8, 1, 100'000),
                 Param::integer("capacity", "how many items the queue holds", 2, 1, 1000),
                 Param::seconds("slow", "the pause before each of the first half of the items", 0.05, 0.0, 10.0),
                 Param::seconds("work", "how long the consumer handles an item", 0.02, 0.0, 10.0),
                 Param::seconds("tick", "how often the ticker wakes", 0.01, 0.001, 10.0)},
      .variants = {{"producer-consumer", produce_consume}},
  };
}

}  // namespace concur::demos
