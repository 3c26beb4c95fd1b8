// 10.2 thread-subclass: a thread type that overrides run() and keeps its state in itself.
//
// Instead of handing Thread a function, derive from it: run() is the thread's work, and
// the members are the thread's own state, set up by the constructor and read by the
// owner after join(). Here each Collector squares the numbers it was dealt (worker k of
// W gets k, k+W, k+2W, ...) and keeps what it computed in its own members. Watch the
// workers interleave in the narration, then see that no worker's state holds another's.

#include <concur/concur.hpp>

namespace concur::demos {

class Collector : public Thread {
 public:
  Collector(std::string name, std::vector<long long> numbers, std::chrono::nanoseconds pause)
      : Thread({}, std::move(name)), numbers_(std::move(numbers)), pause_(pause) {}
  // Join here, not in ~Thread: by then squares_ and the rest would already be destroyed.
  ~Collector() override {
    if (ident()) join();
  }

  // Read these only after join(): until then the thread may still be writing them.
  const std::vector<long long>& numbers() const { return numbers_; }
  const std::vector<long long>& squares() const { return squares_; }
  long long sum() const { return sum_; }
  const std::string& seen_as() const { return seen_as_; }

 protected:
  void run() override {
    seen_as_ = current_thread().name();  // this very object, now running
    for (long long n : numbers_) {
      squares_.push_back(n * n);  // no lock: only this thread touches its members
      sum_ += n * n;
      say("{} squared is {} (my sum so far: {})", n, n * n, sum_);
      std::this_thread::sleep_for(pause_);  // lets the others take turns in the narration
    }
  }

 private:
  const std::vector<long long> numbers_;
  const std::chrono::nanoseconds pause_;
  std::vector<long long> squares_;  // written by run() only
  long long sum_ = 0;               // written by run() only
  std::string seen_as_;             // written by run() only
};

static void collectors(Run& run) {
  const long long workers = run.integer("workers"), items = run.integer("items");
  std::deque<Collector> team;
  for (long long k = 1; k <= workers; ++k) {
    std::vector<long long> dealt;
    for (long long i = 0; i < items; ++i) dealt.push_back(k + i * workers);
    team.emplace_back(fmt::format("Collector-{}", k), dealt, run.duration("pause"));
  }
  for (Collector& c : team) c.start();
  for (Collector& c : team) c.join();

  nlohmann::json per_worker = nlohmann::json::object();
  long long total = 0;
  int own = 0;
  for (Collector& c : team) {
    bool mine = c.seen_as() == c.name() && c.squares().size() == c.numbers().size();
    for (std::size_t i = 0; mine && i < c.numbers().size(); ++i) mine = c.squares()[i] == c.numbers()[i] * c.numbers()[i];
    own += mine;
    total += c.sum();
    per_worker[c.name()] = {{"numbers", c.numbers()}, {"squares", c.squares()}, {"sum", c.sum()}};
  }
  const long long n = workers * items;  // 1² + 2² + ... + n²
  const long long expected = n * (n + 1) * (2 * n + 1) / 6;

  run.result({{"workers", workers}, {"items_per_worker", items}, {"per_worker", per_worker}, {"total", total},
              {"expected_total", expected}});
  run.check("each worker's state is its own", own == workers, "{} of {} hold exactly the squares of their own "
            "numbers", own, workers);
  run.check("together they squared every number once", total == expected, "sum of squares {}, expected {}", total,
            expected);
  run.explain("Each of the {} Collectors kept {} squares in its own members. No locks were needed: every field "
              "was written by one thread only, and join() made it safe for main to read.", workers, items);
}

Example thread_subclass() {
  return {
      .params = {Param::integer("workers", "Collector threads", 3, 1, 64),
                 Param::integer("items", "numbers dealt to each", 4, 0, 10'000),
                 Param::seconds("pause", "pause after each number", 0.05, 0.0, 10.0)},
      .variants = {{"subclass", collectors}},
  };
}

}  // namespace concur::demos
