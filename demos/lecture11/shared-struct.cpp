// 11.7 shared-struct: a structure of your own, and an array of them, in shared memory.
//
// Python's sharedctypes puts ctypes Structures in shared memory; in C++ any trivially
// copyable struct can go there as it is (its bytes are all there is to it: no pointers
// to elsewhere, no destructor). The parent makes a Logbook and an Array of Points and
// hands them to every child. Each child signs the logbook and moves every point, under
// the objects' locks. The parent, afterwards, sees every child's changes.

#include <concur/concur.hpp>

namespace concur::demos {

struct Logbook {
  int visits;        // how many processes signed
  int last_visitor;  // the pid of the latest
  double total;      // the sum of the visitors' numbers
};

struct Point {
  double x;
  double y;
};

// What each child runs: signs the logbook, then moves every point one step right and
// doubles its height.
static void visit(const nlohmann::json& args, mp::Handed handed) {
  auto logbook = mp::Value<Logbook>::adopt(std::move(handed.at(0)));
  auto points = mp::Array<Point>::adopt(std::move(handed.at(1)));
  {
    std::lock_guard hold(logbook.get_lock());  // read, change, write back: one step
    Logbook book = logbook.get();
    say("the logbook has {} visits; the last visitor was pid {}", book.visits, book.last_visitor);
    book = {book.visits + 1, mp::current_pid(), book.total + args["number"].get<double>()};
    logbook.set(book);
  }
  std::lock_guard hold(points.get_lock());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point p = points.get(i);
    points.set(i, {p.x + 1, p.y * 2});
  }
  say("moved {} points", points.size());
}
CONCUR_ENTRY(visit);

static nlohmann::json to_json(const std::vector<Point>& points) {
  nlohmann::json out = nlohmann::json::array();
  for (const Point& p : points) out.push_back({p.x, p.y});
  return out;
}

static void share_structs(Run& run) {
  const int processes = run.integer<int>("processes");
  mp::Value<Logbook> logbook(Logbook{0, 0, 0.0}, mp::Locking::rlock, "logbook");
  const std::vector<Point> start = {{1.5, -0.25}, {-3.0, 1.0}, {0.0, 4.5}};
  mp::Array<Point> points(start, mp::Locking::rlock, "points");

  std::deque<mp::Process> children;
  for (int p = 1; p <= processes; ++p)
    children.emplace_back(mp::Target{"visit", {{"number", p}}, {logbook.fileno(), points.fileno()}},
                          fmt::format("Process-{}", p), mp::start_method_of(run));
  say("points start at {}; starting {} processes", to_json(start).dump(), processes);
  for (mp::Process& c : children) c.start();
  for (mp::Process& c : children) c.join();

  const Logbook book = logbook.get();
  const std::vector<Point> moved = points.to_vector();
  say("logbook: {} visits, total {}, last visitor pid {}", book.visits, book.total, book.last_visitor);
  say("points now at {}", to_json(moved).dump());

  bool all_moved = true;
  for (std::size_t i = 0; i < start.size(); ++i)
    all_moved = all_moved && moved[i].x == start[i].x + processes && moved[i].y == start[i].y * (1 << processes);
  bool signed_by_a_child = false;
  for (mp::Process& c : children) signed_by_a_child = signed_by_a_child || *c.pid() == book.last_visitor;
  run.result({{"visits", book.visits}, {"total", book.total}, {"points", to_json(moved)}});
  run.check("every process signed the logbook", book.visits == processes && book.total == processes * (processes + 1) / 2.0,
            "{} visits, total {}", book.visits, book.total);
  run.check("the last signature is a child's", signed_by_a_child, "pid {}", book.last_visitor);
  run.check("every process moved every point", all_moved, to_json(moved).dump());
  run.explain("The structs were never copied to the children: each child mapped the same bytes, so the parent "
              "reads what the last of them wrote.");
}

Example shared_struct() {
  return {
      .params = {Param::integer("processes", "processes updating the structs", 3, 1, 16), mp::start_method_param()},
      .variants = {{"shared", share_structs}},
  };
}

}  // namespace concur::demos
