// Exercise: shared-value (11.6). Make every round count.
//
// The parent puts a Value (starting at 0) and an Array (starting at [1, 2, 3]) in shared
// memory and hands both to every child. Each child, each round, adds 1 to the value and
// to every element of the array. Each get() and set() takes the object's lock, and yet
// the totals usually come out short: some rounds are lost, more of them the more the
// children overlap. Change the program so that after P processes x R rounds the value is
// always P x R and the array [1 + P x R, 2 + P x R, 3 + P x R], under every start method
// (fork, spawn, forkserver).
//
//   concur check shared-value     builds this file and runs it 20 times with jitter
//   concur hint shared-value      one hint at a time
//
// Keep the options and the run.result(...) lines: the check reads "value" and "array".

#include <concur/concur.hpp>

#include <deque>

namespace concur::demos {

// What each child runs: `rounds` times, one more on the value and on every element.
static void add_rounds(const nlohmann::json& args, mp::Handed handed) {
  auto number = mp::Value<long long>::adopt(std::move(handed.at(0)));
  auto numbers = mp::Array<long long>::adopt(std::move(handed.at(1)));
  const long long rounds = args["rounds"];
  for (long long round = 1; round <= rounds; ++round) {
    number.set(number.get() + 1);
    for (std::size_t i = 0; i < numbers.size(); ++i) numbers.set(i, numbers.get(i) + 1);
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
      .title = "Shared Value and Array (exercise)",
      .lecture = 11,
      .summary = "Make every process's rounds count in a shared Value and Array.",
      .params = {Param::integer("processes", "processes updating the value and the array", 2, 1, 16),
                 Param::integer("rounds", "rounds per process", 5, 1, 100'000), mp::start_method_param()},
      .variants = {{"exercise", share_value_and_array}},
  };
}

}  // namespace concur::demos
