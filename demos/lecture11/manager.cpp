// 11.8 manager: a dict and a list that live in a server process, changed through proxies.
//
// The Manager starts a server process that holds the objects. The parent and every
// worker get proxies: each call (set a key, append an item) is a message to the server
// and an answer back. The workers never touch the parent's memory, yet the parent sees
// every change, because there is only one dict and one list: the server's. An Event tells
// the workers to go, a Barrier makes them wait for each other, and a Namespace carries
// named values. The plus-one variants count through a proxy: get() then set() loses
// updates between the two calls; a method that adds in the server does not.

#include <concur/concur.hpp>

namespace concur::demos {

// What each worker runs: it writes its square under its own key, and appends its number.
static void report_square(const nlohmann::json& args, mp::Handed) {
  mp::DictProxy squares(args["dict"]);  // rebuilt from the token: connects to the server
  mp::ListProxy arrivals(args["list"]);
  mp::EventProxy go(args["go"]);
  mp::BarrierProxy all_here(args["barrier"]);
  mp::NamespaceProxy ns(args["ns"]);
  const int n = args["n"];
  go.wait();  // until the parent has started everyone
  squares.set(fmt::format("worker-{}", n), n * n);
  arrivals.append(n);
  say("set worker-{} = {} and appended {}", n, n * n, n);
  all_here.wait();  // nobody reads the dict before every worker has written to it
  ns.set(fmt::format("worker_{}_saw", n), squares.size());
}
CONCUR_ENTRY(report_square);

void count_through_manager(Run& run);  // the plus-one variants, in manager.plus-one.cpp

static void share_through_manager(Run& run) {
  const int workers = run.integer<int>("workers");
  mp::Manager manager(mp::start_method_of(run));
  say("the manager's server is pid {}", *manager.pid());
  mp::DictProxy squares = manager.dict();
  mp::ListProxy arrivals = manager.list();
  mp::EventProxy go = manager.event();
  mp::BarrierProxy all_here = manager.barrier(workers);
  mp::NamespaceProxy ns = manager.namespace_();

  std::deque<mp::Process> children;
  for (int n = 1; n <= workers; ++n)
    children.emplace_back(mp::Target{"report_square", {{"dict", squares.token()}, {"list", arrivals.token()},
                                                       {"go", go.token()}, {"barrier", all_here.token()},
                                                       {"ns", ns.token()}, {"n", n}}},
                          fmt::format("Worker-{}", n), mp::start_method_of(run));
  for (mp::Process& c : children) c.start();
  go.set();
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
  const nlohmann::json saw = ns.copy();  // what each worker found in the dict after the barrier
  const bool all_saw_all = std::all_of(saw.begin(), saw.end(), [&](const auto& n) { return n == workers; });
  run.result({{"dict", dict}, {"list", list}, {"expected_dict", expected_dict}, {"expected_list", expected_list},
              {"namespace", saw}});
  run.check("the parent sees every worker's key", dict == expected_dict, dict.dump());
  run.check("the parent sees every worker's item, once", sorted == expected_list, list.dump());
  run.check("after the barrier every worker saw every key (in the Namespace)",
            saw.size() == static_cast<std::size_t>(workers) && all_saw_all, saw.dump());
  manager.shutdown();
  run.explain("Each set() and append() was a message to the manager's server; the objects never left it, so "
              "every process changed the same dict and list.");
}

Example manager() {
  return {
      .params = {Param::integer("workers", "worker processes", 4, 1, 32),
                 Param::integer("increments", "plus-one variants: increments per worker", 200, 1, 100'000),
                 mp::start_method_param()},
      .variants = {{"manager", share_through_manager},
                   {"plus-one-by-proxy", count_through_manager},
                   {"plus-one-in-server", count_through_manager}},
  };
}

}  // namespace concur::demos
