// 11.6 shared-value: a Value and an Array in shared memory, updated by several processes.
//
// The parent makes a Value (one number) and an Array (three numbers) in shared memory and
// hands both to every child. Each child, each round, adds 1 to the value and to every
// element of the array, holding the object's own lock (get_lock()) while it reads and
// writes. With two processes and five rounds, 0 becomes 10 and [1, 2, 3] becomes
// [11, 12, 13]: every process changed the same memory, and no update was lost.

#include <concur/concur.hpp>

namespace concur::demos {

// What each child runs: `rounds` times, one more on the value and on every element.
static void add_rounds(const nlohmann::json& args, mp::Handed handed) {
  auto number = mp::Value<long long>::adopt(std::move(handed.at(0)));
  auto numbers = mp::Array<long long>::adopt(std::move(handed.at(1)));
  for (int round = 1; round <= args["rounds"].get<int>(); ++round) {
    {
      std::lock_guard hold(number.get_lock());  // get and set are one step under the lock
      number.set(number.get() + 1);
    }
    {
      std::lock_guard hold(numbers.get_lock());
      for (std::size_t i = 0; i < numbers.size(); ++i) numbers.set(i, numbers.get(i) + 1);
    }
    say("round {}: value is now {}", round, number.get());
  }
}
CONCUR_ENTRY(add_rounds);

static void share_value_and_array(Run& run) {
  const long long processes = run.integer("processes");
  const long long rounds = run.integer("rounds");
  mp::Value<long long> number(0, mp::Locking::rlock, "value");
  mp::Array<long long> numbers({1, 2, 3}, mp::Locking::rlock, "array");

  std::deque<mp::Process> children;
  for (long long p = 0; p < processes; ++p)
    children.emplace_back(mp::Target{"add_rounds", {{"rounds", rounds}}, {number.fileno(), numbers.fileno()}},
                          fmt::format("Process-{}", p + 1), mp::start_method_of(run));
  say("value = {}, array = {}; starting {} processes, {} rounds each", number.get(),
      nlohmann::json(numbers.to_vector()).dump(), processes, rounds);
  for (mp::Process& c : children) c.start();
  for (mp::Process& c : children) c.join();

  const long long value = number.get();
  const std::vector<long long> array = numbers.to_vector();
  const long long added = processes * rounds;
  say("value = {}, array = {}", value, nlohmann::json(array).dump());
  run.result({{"value", value}, {"array", array}});
  run.check("the value counts every round", value == added, "{} == {}", value, added);
  run.check("every element counts every round", array == std::vector<long long>{1 + added, 2 + added, 3 + added},
            nlohmann::json(array).dump());
  run.explain("{} processes x {} rounds changed one Value and one Array in shared memory; the parent sees all {} "
              "updates because there is only one copy of the numbers.", processes, rounds, added);
}

Example shared_value() {
  return {
      .params = {Param::integer("processes", "processes updating the value and the array", 2, 1, 16),
                 Param::integer("rounds", "rounds per process", 5, 1, 100'000), mp::start_method_param()},
      .variants = {{"shared", share_value_and_array}},
  };
}

}  // namespace concur::demos
