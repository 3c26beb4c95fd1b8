// s.13 isolation: a child process changes its copy of a list; the parent's is untouched.
//
// Threads share memory (10.4 shows the trouble that brings). Processes do not: a forked
// child gets a copy of the parent's memory, and a spawned one gets only what it is sent.
// Watch both lists at the end: the child's grew, the parent's did not.

#include <concur/concur.hpp>

namespace concur::demos {

// The child's work: change its list and tell the parent what it now holds.
static void append_and_report(std::vector<int>& numbers, mp::Connection& to_parent) {
  numbers.push_back(4);
  numbers.push_back(5);
  say("appended 4 and 5: my list is {}", nlohmann::json(numbers).dump());
  to_parent.send(numbers);
}

// For spawn and forkserver: the child is sent the list itself, by value.
static void change_sent_copy(const nlohmann::json& args, mp::Handed handed) {
  mp::Connection to_parent = mp::Connection::adopt(std::move(handed.at(0)));
  std::vector<int> numbers = args["numbers"];
  append_and_report(numbers, to_parent);
}
CONCUR_ENTRY(change_sent_copy);

static void show_isolation(Run& run) {
  std::vector<int> numbers = {1, 2, 3};
  auto [from_child, to_parent] = mp::Pipe(false);
  const mp::StartMethod method = mp::start_method_of(run);
  std::optional<mp::Process> child;
  if (method == mp::StartMethod::fork)  // the child runs this lambda on its copy of `numbers`
    child.emplace([&] { append_and_report(numbers, to_parent); }, "Child");
  else
    child.emplace(mp::Target{"change_sent_copy", {{"numbers", numbers}}, {to_parent.fileno()}}, "Child", method);
  child->start();
  to_parent.close();
  const std::vector<int> child_numbers = from_child.recv();
  child->join();
  say("the child's list is {}; mine is still {}", nlohmann::json(child_numbers).dump(), nlohmann::json(numbers).dump());

  run.result({{"parent_list", numbers}, {"child_list", child_numbers}});
  run.check("the parent's list is unchanged", numbers == std::vector<int>{1, 2, 3}, nlohmann::json(numbers).dump());
  run.check("the child saw its own change", child_numbers == std::vector<int>{1, 2, 3, 4, 5},
            nlohmann::json(child_numbers).dump());
  run.explain("Each process has its own memory. To share data, processes must send it (pipes, queues) or place "
              "it in memory made shared on purpose (Value, Array, managers).");
}

Example isolation() {
  return {
      .params = {mp::start_method_param()},
      .variants = {{"isolation", show_isolation}},
  };
}

}  // namespace concur::demos
