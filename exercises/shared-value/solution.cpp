// Exercise shared-value (11.6), the reference solution.
//
// get() and set() each take the object's lock, but only for their own step: between the
// read and the write the lock is free, and another process can read the same old value;
// then both write old + 1 and one round is gone. Holding get_lock() around the pair makes
// "read, add one, write" a single step no other process can enter. The lock is recursive
// (an RLock), so the get() and set() inside may take it again. The array has a lock of
// its own: the value's lock does not guard it. number.fetch_add(1) and
// numbers.fetch_add(i, 1) would pass too: each adds in one indivisible step.

#include <concur/concur.hpp>

#include <deque>
#include <mutex>

namespace concur::demos {

// What each child runs: `rounds` times, one more on the value and on every element.
static void add_rounds(const nlohmann::json& args, mp::Handed handed) {
  auto number = mp::Value<long long>::adopt(std::move(handed.at(0)));
  auto numbers = mp::Array<long long>::adopt(std::move(handed.at(1)));
  const long long rounds = args["rounds"];
  for (long long round = 1; round <= rounds; ++round) {
    {
      std::lock_guard hold(number.get_lock());  // Python: `with number.get_lock():`
      number.set(number.get() + 1);
    }
    {
      std::lock_guard hold(numbers.get_lock());  // the array's own lock
      for (std::size_t i = 0; i < numbers.size(); ++i) numbers.set(i, numbers.get(i) + 1);
    }
  }
  say("{} rounds done", rounds);
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
  for (mp::Process& c : children) c.start();
  for (mp::Process& c : children) c.join();

  const long long value = number.get(), added = processes * rounds;
  const std::vector<long long> array = numbers.to_vector();
  say("value = {}, array = {}", value, nlohmann::json(array).dump());
  run.result("value", value);
  run.result("array", array);
  run.check("the value counts every round", value == added, fmt::format("{} of {}", value, added));
  run.check("every element counts every round", array == std::vector<long long>{1 + added, 2 + added, 3 + added},
            nlohmann::json(array).dump());
}

Example shared_value() {
  return {
      .id = "11.6",
      .name = "shared-value",
      .title = "Shared Value and Array (solution)",
      .lecture = 11,
      .summary = "A shared Value and Array, each read-then-write held under the object's get_lock().",
      .params = {Param::integer("processes", "processes updating the value and the array", 2, 1, 16),
                 Param::integer("rounds", "rounds per process", 5, 1, 100'000), mp::start_method_param()},
      .variants = {{"exercise", share_value_and_array}},
  };
}

}  // namespace concur::demos
