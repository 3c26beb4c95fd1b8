// 11.8 manager: a dict and a list that live in a server process, changed through proxies.
//
// The Manager starts a server process that holds the objects. The parent and every
// worker get proxies: each call (set a key, append an item) is a message to the server
// and an answer back. The workers never touch the parent's memory, yet the parent sees
// every change, because there is only one dict and one list: the server's.

#include <concur/concur.hpp>

namespace concur::demos {

// What each worker runs: it writes its square under its own key, and appends its number.
static void report_square(const nlohmann::json& args, mp::Handed) {
  mp::DictProxy squares(args["dict"]);  // rebuilt from the token: connects to the server
  mp::ListProxy arrivals(args["list"]);
  const int n = args["n"];
  squares.set(fmt::format("worker-{}", n), n * n);
  arrivals.append(n);
  say("set worker-{} = {} and appended {}", n, n * n, n);
}
CONCUR_ENTRY(report_square);

static void share_through_manager(Run& run) {
  const int workers = run.integer<int>("workers");
  mp::Manager manager(mp::start_method_of(run));
  say("the manager's server is pid {}", *manager.pid());
  mp::DictProxy squares = manager.dict();
  mp::ListProxy arrivals = manager.list();

  std::deque<mp::Process> children;
  for (int n = 1; n <= workers; ++n)
    children.emplace_back(mp::Target{"report_square", {{"dict", squares.token()}, {"list", arrivals.token()}, {"n", n}}},
                          fmt::format("Worker-{}", n), mp::start_method_of(run));
  for (mp::Process& c : children) c.start();
  for (mp::Process& c : children) c.join();

  const nlohmann::json dict = squares.copy(), list = arrivals.copy();
  say("dict = {}", dict.dump());
  say("list = {} (in the order the workers got there)", list.dump());
  nlohmann::json expected_dict = nlohmann::json::object(), expected_list = nlohmann::json::array();
  for (int n = 1; n <= workers; ++n) {
    expected_dict[fmt::format("worker-{}", n)] = n * n;
    expected_list.push_back(n);
  }
  nlohmann::json sorted = list;
  std::sort(sorted.begin(), sorted.end());
  run.result({{"dict", dict}, {"list", list}, {"expected_dict", expected_dict}, {"expected_list", expected_list}});
  run.check("the parent sees every worker's key", dict == expected_dict, dict.dump());
  run.check("the parent sees every worker's item, once", sorted == expected_list, list.dump());
  manager.shutdown();
  run.explain("Each set() and append() was a message to the manager's server; the objects never left it, so "
              "every process changed the same dict and list.");
}

Example manager() {
  return {
      .params = {Param::integer("workers", "worker processes", 4, 1, 32), mp::start_method_param()},
      .variants = {{"manager", share_through_manager}},
  };
}

}  // namespace concur::demos
