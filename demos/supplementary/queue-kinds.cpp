// s.22 queue-kinds: the same jobs through four kinds of queue, and the order they come out.
//
// A producer thread puts the same jobs, in the same order, into each kind of queue; only
// then does a consumer thread take them all out. What differs is which job get() takes:
// - Queue (FIFO): the oldest, so the jobs leave in the order they came;
// - LifoQueue: the newest, as a stack of plates;
// - PriorityQueue: the smallest, here the job with the lowest priority number;
// - SimpleQueue: FIFO again, but unbounded and without task_done()/join().

#include <concur/concur.hpp>

namespace concur::demos {

using Job = std::pair<int, std::string>;  // (priority, what): pairs compare by priority first

// The jobs the producer puts, in this order.
static std::vector<Job> jobs_to_put(int count) {
  static const char* const kinds[] = {"backup", "email", "report", "deploy", "cleanup", "index", "resize", "print"};
  std::vector<Job> jobs;
  for (int i = 0; i < count; ++i)  // priorities 1..count, scrambled (7919 is a prime above 1000)
    jobs.push_back({(i * 7919 + count / 2) % count + 1, fmt::format("{}-{}", kinds[i % 8], i + 1)});
  return jobs;
}

template <typename AnyQueue>
static void put_then_get(Run& run, AnyQueue& queue) {
  const std::vector<Job> jobs = jobs_to_put(run.integer<int>("jobs"));
  std::vector<Job> came_out;
  Thread producer([&] {
    for (const Job& job : jobs) queue.put(job, says("put {} (priority {})", job.second, job.first));
  }, "Producer");
  Thread consumer([&] {
    while (!queue.empty()) {  // nobody else puts or gets now: empty() is exact here
      came_out.push_back(queue.get());
      say("got {} (priority {})", came_out.back().second, came_out.back().first);
    }
  }, "Consumer");
  producer.start(); producer.join();  // every job is in before the first get
  consumer.start(); consumer.join();

  std::vector<Job> expected = jobs;  // what each kind promises, worked out without a queue
  if (run.variant() == "lifo") std::reverse(expected.begin(), expected.end());
  if (run.variant() == "priority") std::sort(expected.begin(), expected.end());
  std::vector<std::string> order;
  for (const Job& job : came_out) order.push_back(job.second);
  run.result({{"put", jobs.size()}, {"got", came_out.size()}, {"order", order}});
  run.check("every job came out once", came_out.size() == jobs.size(), "{} of {}", came_out.size(), jobs.size());
  run.check(run.variant() == "lifo"       ? "newest first (last in, first out)"
            : run.variant() == "priority" ? "lowest priority number first"
                                          : "in the order they were put (first in, first out)",
            came_out == expected, "{}", fmt::join(order, ", "));
}

static void fifo(Run& run) {
  Queue<Job> queue(0, "FIFO queue");
  put_then_get(run, queue);
  run.explain("Queue takes from the front: the jobs left in the order the producer put them.");
}
static void lifo(Run& run) {
  LifoQueue<Job> queue(0, "LIFO queue");
  put_then_get(run, queue);
  run.explain("LifoQueue takes the newest job: the last one put came out first, the first one last.");
}
static void priority(Run& run) {
  PriorityQueue<Job> queue(0, "priority queue");
  put_then_get(run, queue);
  run.explain("PriorityQueue keeps a heap and takes its smallest item: the (priority, job) pairs came out by "
              "priority, whatever order they went in.");
}
static void simple(Run& run) {
  SimpleQueue<Job> queue("simple queue");
  put_then_get(run, queue);
  run.explain("SimpleQueue is FIFO like Queue, with less: no maxsize, no task_done() and no join().");
}

Example queue_kinds() {
  return {
      .params = {Param::integer("jobs", "jobs the producer puts", 6, 1, 1000)},
      .variants = {{"fifo", fifo}, {"lifo", lifo}, {"priority", priority}, {"simple", simple}},
  };
}

}  // namespace concur::demos
