// 10.13 process-queue: producer and consumer processes sharing one queue.
//
// Producers put numbered items in a JoinableQueue; consumers take them out, whoever is
// free first. The queue copies every item whole, so no item is torn, lost or seen twice,
// however the processes interleave. When the producers are done, the parent puts one
// null per consumer: the sentinel that tells a consumer to stop. Each consumer reports
// what it took on a second queue, and the parent checks every item came out once.

#include <concur/concur.hpp>

namespace concur::demos {

static void produce_items(const nlohmann::json& args, mp::Handed handed) {
  auto work = mp::Queue::adopt(std::move(handed.at(0)));
  for (int i = 1; i <= args["items"].get<int>(); ++i) {
    const std::string item = fmt::format("{}-{}", args["id"].get<int>(), i);
    // Waits while the queue is full. The line is written as the item goes in, so no
    // consumer's "got" line for it can come first.
    work.put(item, says("put {}", item));
  }
}
CONCUR_ENTRY(produce_items);

static void consume_items(const nlohmann::json&, mp::Handed handed) {
  auto work = mp::JoinableQueue::adopt(std::move(handed.at(0)));
  auto done = mp::Queue::adopt(std::move(handed.at(1)));
  for (nlohmann::json item = work.get(); !item.is_null(); item = work.get()) {
    say("got {}", item.get<std::string>());
    done.put(item);
    work.task_done();
  }
  work.task_done();  // the sentinel is an item too
  say("got the sentinel; stopping");
}
CONCUR_ENTRY(consume_items);

static void producers_and_consumers(Run& run) {
  const int producers = run.integer<int>("producers");
  const int consumers = run.integer<int>("consumers");
  const int items = run.integer<int>("items");
  mp::JoinableQueue work(run.integer<std::size_t>("maxsize"), "work queue");
  mp::Queue done(0, "done queue", std::size_t{64} << 20);  // room for every report

  std::deque<mp::Process> making, taking;
  for (int c = 1; c <= consumers; ++c)
    taking.emplace_back(mp::Target{"consume_items", {}, {work.fileno(), done.fileno()}},
                        fmt::format("Consumer-{}", c), mp::start_method_of(run));
  for (int p = 1; p <= producers; ++p)
    making.emplace_back(mp::Target{"produce_items", {{"id", p}, {"items", items}}, {work.fileno()}},
                        fmt::format("Producer-{}", p), mp::start_method_of(run));
  say("starting {} producers ({} items each) and {} consumers", producers, items, consumers);
  for (mp::Process& c : taking) c.start();
  for (mp::Process& p : making) p.start();
  for (mp::Process& p : making) p.join();
  say("the producers are done; one sentinel per consumer");
  for (int c = 0; c < consumers; ++c) work.put(nullptr);
  work.join();  // returns once every item, sentinels too, is marked done
  for (mp::Process& c : taking) c.join();

  std::map<std::string, int> seen;  // item -> how many times it was consumed
  while (!done.empty()) ++seen[done.get().get<std::string>()];
  int consumed = 0, duplicates = 0;
  for (const auto& [item, times] : seen) {
    consumed += times;
    duplicates += times - 1;
  }
  const int produced = producers * items;
  run.result({{"produced", produced}, {"consumed", consumed}, {"duplicates", duplicates}});
  run.check("every item produced was consumed once",
            consumed == produced && duplicates == 0 && static_cast<int>(seen.size()) == produced,
            "{} produced, {} consumed, {} duplicates", produced, consumed, duplicates);
  run.explain("The queue handed each item to exactly one consumer: a put copies a whole item in under the "
              "queue's lock, a get takes a whole item out. The sentinels ended the consumers cleanly.");
}

Example process_queue() {
  return {
      .params = {Param::integer("producers", "producer processes", 2, 1, 16),
                 Param::integer("consumers", "consumer processes", 2, 1, 16),
                 Param::integer("items", "items per producer", 5, 1, 100'000),
                 Param::integer("maxsize", "most items the queue holds at once (0: no limit)", 4, 0, 100'000),
                 mp::start_method_param()},
      .variants = {{"queue", producers_and_consumers}},
  };
}

}  // namespace concur::demos
