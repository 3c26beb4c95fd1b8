// 11.8 manager, its other part: counting through a proxy (the plus-one variants).
//
// `value += 1` on a Value proxy is two calls, a get() and a set(): between them another
// worker can read the same value, and one of the two increments is lost, in Python as
// here. A method of a registered type (11.9) that adds in the server is one call, and the
// server runs one call at a time on an object: nothing is lost.

#include <concur/concur.hpp>

namespace concur::demos {

struct Counter {
  long long value = 0;
};
CONCUR_MANAGED(Counter, (mp::Methods<Counter>{
    {"increment", [](Counter& c, const nlohmann::json&) { return ++c.value; }},  // in the server, one call
    {"get", [](Counter& c, const nlohmann::json&) { return c.value; }}}));

static void plus_one(const nlohmann::json& args, mp::Handed) {
  const long long times = args["times"];
  if (args["how"] == "proxy") {
    mp::ValueProxy counter(args["counter"]);
    for (long long i = 0; i < times; ++i) counter.set(counter.get().get<long long>() + 1);  // value += 1: two calls
  } else {
    mp::BaseProxy counter(args["counter"]);
    for (long long i = 0; i < times; ++i) counter.call("increment");  // one call: read and write in the server
  }
}
CONCUR_ENTRY(plus_one);

void count_through_manager(Run& run) {
  const int workers = run.integer<int>("workers");
  const long long times = run.integer("increments");
  mp::Manager manager(mp::start_method_of(run));
  const bool by_proxy = run.variant() == "plus-one-by-proxy";
  const mp::BaseProxy counter = by_proxy ? mp::BaseProxy(manager.value(0)) : manager.create("Counter");
  std::deque<mp::Process> children;
  for (int n = 1; n <= workers; ++n)
    children.emplace_back(mp::Target{"plus_one", {{"counter", counter.token()}, {"times", times},
                                                  {"how", by_proxy ? "proxy" : "server"}}},
                          fmt::format("Worker-{}", n), mp::start_method_of(run));
  for (mp::Process& c : children) c.start();
  for (mp::Process& c : children) c.join();
  const long long total = counter.call("get"), expected = workers * times;
  say("counter = {}, expected {}", total, expected);
  run.result({{"expected", expected}, {"counter", total}, {"lost", expected - total}});
  if (by_proxy)
    run.likely("updates were lost between a get() and its set()", total < expected, "{} of {} lost", expected - total,
               expected);
  else
    run.check("no update was lost", total == expected, "{} of {}", total, expected);
  run.explain(by_proxy ? "Each += was a get() and a set(), two messages; another worker's set() came between them."
                       : "increment() read and wrote in the server in one call, which runs alone on its object.");
}

}  // namespace concur::demos
