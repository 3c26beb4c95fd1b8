// s.6 condition: a producer and consumers share a bounded buffer through two conditions.
//
// One lock guards the buffer; two conditions over it are the waiting rooms: consumers
// wait in "not empty", the producer waits in "not full". Every wait is a loop on the
// state (wait_for with a predicate), never a bare wait(): a notify that comes before
// anyone waits is not remembered, and a waiter may wake for nothing. Watch the
// producer stall when the buffer is full and the consumers when it is empty; no item
// goes missing, none is taken twice, and they come out in the order they went in.

#include <concur/concur.hpp>

#include <set>

namespace concur::demos {

static void bounded_buffer(Run& run) {
  const long long items = run.integer("items");
  const auto capacity = run.integer<std::size_t>("capacity");
  const auto produce = run.duration("produce");
  const auto consume = run.duration("consume");

  Mutex lock("buffer lock");
  Condition not_empty(lock, "not empty"), not_full(lock, "not full");
  std::deque<long long> buffer;  // guarded by lock
  bool finished = false;         // guarded by lock: the producer is done
  std::vector<long long> taken;  // guarded by lock: every item, in the order taken
  long long producer_waits = 0, consumer_waits = 0;  // guarded by lock

  auto consumer = [&] {
    for (;;) {
      std::unique_lock guard(not_empty);
      if (buffer.empty() && !finished) ++consumer_waits;
      // The predicate is checked under the lock before sleeping and after each wake-up.
      not_empty.wait_for([&] { return !buffer.empty() || finished; });
      if (buffer.empty()) break;  // finished, and nothing left to take
      const long long item = buffer.front();
      buffer.pop_front();
      taken.push_back(item);
      not_full.notify();  // the same lock: holding it through not_empty is enough
      say("took item {}", item);  // still under the lock, so the lines keep the take order
      guard.unlock();             // the slow part outside the lock
      sleep_for(consume);
    }
  };

  Thread producer([&] {
    for (long long item = 1; item <= items; ++item) {
      sleep_for(produce);
      std::unique_lock guard(lock);  // the lock itself, not a condition: `with lock:` works too
      if (buffer.size() >= capacity) {
        ++producer_waits;
        say("buffer full ({} items): waiting", buffer.size());
      }
      not_full.wait_for([&] { return buffer.size() < capacity; });
      buffer.push_back(item);
      not_empty.notify();
      say("put item {}", item);  // under the lock: no consumer can take it before this line
    }
    std::lock_guard guard(lock);
    finished = true;
    not_empty.notify_all();  // every consumer must see `finished`, not just one
    say("put {} items; done", items);
  }, "Producer");

  std::deque<Thread> consumers;
  for (long long i = 1; i <= run.integer("consumers"); ++i) consumers.emplace_back(consumer, fmt::format("Consumer-{}", i));
  for (Thread& c : consumers) c.start();
  producer.start();
  producer.join();
  for (Thread& c : consumers) c.join();

  const std::set<long long> distinct(taken.begin(), taken.end());  // every taken item is one of 1..items
  const long long missing = items - static_cast<long long>(distinct.size());
  const long long duplicates = static_cast<long long>(taken.size() - distinct.size());
  const bool in_order = std::is_sorted(taken.begin(), taken.end());
  run.result({{"items", items}, {"consumed", static_cast<long long>(taken.size())}, {"missing", missing},
              {"duplicates", duplicates}, {"in_order", in_order}, {"producer_waits", producer_waits},
              {"consumer_waits", consumer_waits}});
  run.check("every item was consumed", missing == 0, "{} of {} items missing", missing, items);
  run.check("no item was consumed twice", duplicates == 0, "{} duplicates", duplicates);
  run.check("items came out in the order they went in", in_order);
  run.explain("The producer found the buffer full {} and the consumers found it empty {}; each time the waiter "
              "slept in a condition and re-checked the buffer when woken, so all {} items went through once each, "
              "in order.", count_of(producer_waits, "time"), count_of(consumer_waits, "time"), items);
}

Example condition() {
  return {
      .params = {Param::integer("items", "items the producer puts", 12, 0, 100'000),
                 Param::integer("capacity", "how many items the buffer holds", 3, 1, 1000),
                 Param::integer("consumers", "consumer threads", 2, 1, 64),
                 Param::seconds("produce", "seconds to make each item", 0.05, 0.0, 10.0),
                 Param::seconds("consume", "seconds to use each item", 0.2, 0.0, 10.0)},
      .variants = {{"condition", bounded_buffer}},
      .controlled = ControlledRuns{.small = {{"items", 2}, {"capacity", 1}, {"consumers", 2}},
                                   .outcome = "{consumed} of {items} consumed, in order: {in_order}"},
  };
}

}  // namespace concur::demos
