// s.18 process-semaphore: five processes, a semaphore of two permits between them.
//
// A multiprocessing.Semaphore lives in shared memory, so one count of permits serves
// every process that has it. Each child waits for a permit, works inside, and gives the
// permit back: odd children the `with` way (a permit held for a scope, released however
// the scope ends), even ones with acquire() and release() by hand. Besides the
// narration, every child counts itself in and out of a counter in shared memory: that
// count, not the printed lines, shows how many were ever inside together.

#include <concur/concur.hpp>

namespace concur::demos {

struct Visit {  // one child's stay inside, written by the child into shared memory
  long long entered_ns, left_ns;  // steady clock: the same clock in every process
  long long inside;               // how many were inside, this one included, as it entered
};
static long long now_ns() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

static void visit_the_room(const nlohmann::json& args, mp::Handed handed) {
  auto room = mp::Semaphore::adopt(std::move(handed.at(0)));
  auto inside = mp::Value<long long>::adopt(std::move(handed.at(1)));
  auto visits = mp::Array<Visit>::adopt(std::move(handed.at(2)));
  const int me = args["me"], permits = args["permits"];
  auto stay = [&] {  // called holding a permit
    Visit v{now_ns(), 0, inside.fetch_add(1) + 1};
    say("inside: {} of {} permits in use", v.inside, permits);
    std::this_thread::sleep_for(std::chrono::nanoseconds(args["work_ns"]));
    inside.fetch_add(-1);
    v.left_ns = now_ns();
    visits.set(me, v);
    say("done: giving the permit back");  // said before the release: the next one enters after this line
  };
  if (me % 2 == 0) {  // Process-1, -3, -5: Python's `with semaphore:`
    say("waiting for a permit (with: held for a scope)");
    auto permit = room.hold();
    stay();
  } else {
    say("waiting for a permit (acquire, then release)");
    room.acquire();
    stay();
    room.release();
  }
}
CONCUR_ENTRY(visit_the_room);

static void shared_room(Run& run) {
  const int processes = run.integer<int>("processes"), permits = run.integer<int>("permits");
  mp::Semaphore room(permits, "room");
  mp::Value<long long> inside(0, mp::Locking::none, "inside");
  mp::Array<Visit> visits(processes, mp::Locking::rlock, "visits");
  std::deque<mp::Process> children;
  for (int p = 0; p < processes; ++p)
    children.emplace_back(mp::Target{"visit_the_room", {{"me", p}, {"permits", permits}, {"work_ns", run.duration("work").count()}},
                                     {room.fileno(), inside.fileno(), visits.fileno()}},
                          fmt::format("Process-{}", p + 1), mp::start_method_of(run));
  for (mp::Process& c : children) c.start();
  for (mp::Process& c : children) c.join();

  std::vector<Visit> all = visits.to_vector();
  std::sort(all.begin(), all.end(), [](const Visit& a, const Visit& b) { return a.entered_ns < b.entered_ns; });
  long long most_inside = 0, waves = 0;
  std::vector<long long> wave(all.size(), 1);  // 1 + the wave of the latest one whose exit let it in
  for (std::size_t i = 0; i < all.size(); ++i) {
    most_inside = std::max(most_inside, all[i].inside);
    for (std::size_t j = 0; j < i; ++j)
      if (all[j].left_ns <= all[i].entered_ns) wave[i] = std::max(wave[i], wave[j] + 1);
    waves = std::max(waves, wave[i]);
  }
  const long long expected_waves = (processes + permits - 1) / permits;
  run.result({{"processes", processes}, {"permits", permits}, {"max_inside", most_inside}, {"waves", waves}});
  run.check("never more than the permits inside (counted in shared memory)", most_inside <= permits,
            "at most {} inside, {} permits", most_inside, permits);
  run.check("every process got in and out", inside.get() == 0 && std::all_of(all.begin(), all.end(),
            [](const Visit& v) { return v.left_ns > 0; }));
  run.likely("the processes went through in waves of the permits", waves == expected_waves, "{} waves, {} expected",
             waves, expected_waves);
  run.explain("{} permits for {} processes: at most {} worked at once, so the work took {} waves, about {} x the "
              "work time. `with` and acquire/release hold the same permit; `with` cannot forget the release.",
              permits, processes, most_inside, waves, waves);
}

Example process_semaphore() {
  return {
      .params = {Param::integer("processes", "child processes that want in", 5, 1, 32),
                 Param::integer("permits", "how many may be inside at once", 2, 1, 32),
                 Param::seconds("work", "seconds each child works inside", 2.0, 0.0, 60.0), mp::start_method_param()},
      .variants = {{"semaphore", shared_room}},
  };
}

}  // namespace concur::demos
