// s.23 barrier: parties that work in rounds and wait for each other at the end of each.
//
// Each party works a different time in each round, then waits at the barrier. Nobody
// goes on to the next round until the last one has arrived; the last one runs the
// barrier's action first (here: it announces the round complete). The same code runs as
// threads (threading.Barrier) and as processes (multiprocessing.Barrier).

#include <concur/concur.hpp>

namespace concur::demos {

struct Tally {  // all in shared memory, so that threads and processes keep it the same way
  mp::Array<long long> finished;  // [k]: parties that finished round k (counted before waiting)
  mp::Array<long long> index;     // [k * parties + party]: what wait() returned in round k
  mp::Array<long long> counts;    // [0] actions run, [1] parties that went on too early,
                                  // [2] actions that ran before their round was complete
};
enum { actions, went_early, action_early };

template <typename AnyBarrier>
static void take_part(int party, int parties, int rounds, std::chrono::nanoseconds step, Tally& t, AnyBarrier& end) {
  for (int k = 0; k < rounds; ++k) {
    say("round {}: working", k + 1);
    std::this_thread::sleep_for(step * ((party + k) % parties));  // someone else is last each round
    t.finished.fetch_add(k, 1);
    const auto i = end.wait();
    t.index.set(k * parties + party, i);
    if (t.finished.get(k) != parties || t.counts.get(actions) != k + 1) t.counts.fetch_add(went_early, 1);
    say("round {}: everyone is here (I came {} of {}): going on", k + 1, i + 1, parties);
  }
}
static void run_the_action(Tally& t, int parties) {  // the barrier's action, in the last to arrive
  const long long k = t.counts.fetch_add(actions, 1);
  if (t.finished.get(k) != parties) t.counts.fetch_add(action_early, 1);
  say("last to arrive: round {} is complete, the action runs, then everyone goes on", k + 1);
}

static void party_process(const nlohmann::json& args, mp::Handed handed) {
  using A = mp::Array<long long>;
  Tally t{A::adopt(std::move(handed.at(0))), A::adopt(std::move(handed.at(1))), A::adopt(std::move(handed.at(2)))};
  const int parties = args["parties"];
  auto end = mp::Barrier::adopt(std::move(handed.at(3)), [&] { run_the_action(t, parties); });
  take_part(args["party"], parties, args["rounds"], std::chrono::nanoseconds(args["step_ns"]), t, end);
}
CONCUR_ENTRY(party_process);

static void meet_in_rounds(Run& run) {
  const int parties = run.integer<int>("parties"), rounds = run.integer<int>("rounds");
  const auto step = run.duration("step");
  const auto none = mp::Locking::none;  // each access is one atomic instruction: no lock needed
  Tally t{mp::Array<long long>(rounds, none, "finished"), mp::Array<long long>(rounds * parties, none, "index"),
          mp::Array<long long>(3, none, "counts")};
  if (run.variant() == "threads") {
    Barrier end(parties, [&] { run_the_action(t, parties); }, "round end");
    std::deque<Thread> threads;
    for (int p = 0; p < parties; ++p)
      threads.emplace_back([&, p] { take_part(p, parties, rounds, step, t, end); }, fmt::format("Party-{}", p + 1));
    for (Thread& th : threads) th.start();
    for (Thread& th : threads) th.join();
  } else {
    mp::Barrier end(parties, {}, "round end");  // the parent does not take part
    std::deque<mp::Process> children;
    for (int p = 0; p < parties; ++p)
      children.emplace_back(mp::Target{"party_process",
                                       {{"party", p}, {"parties", parties}, {"rounds", rounds}, {"step_ns", step.count()}},
                                       {t.finished.fileno(), t.index.fileno(), t.counts.fileno(), end.fileno()}},
                            fmt::format("Party-{}", p + 1), mp::start_method_of(run));
    for (mp::Process& c : children) c.start();
    for (mp::Process& c : children) c.join();
  }

  const std::vector<long long> counts = t.counts.to_vector(), index = t.index.to_vector();
  bool distinct = true;  // in every round, wait() handed out 0 .. parties-1, once each
  for (int k = 0; k < rounds; ++k) {
    std::vector<long long> got(index.begin() + k * parties, index.begin() + (k + 1) * parties);
    std::sort(got.begin(), got.end());
    for (int p = 0; p < parties; ++p) distinct = distinct && got[p] == p;
  }
  run.result({{"parties", parties}, {"rounds", rounds}, {"actions", counts[actions]},
              {"went_early", counts[went_early]}, {"action_early", counts[action_early]}});
  run.check("nobody started round k+1 before everyone finished round k", counts[went_early] == 0, "{} early starts",
            counts[went_early]);
  run.check("the action ran once per round, after the last arrival",
            counts[actions] == rounds && counts[action_early] == 0, "{} actions for {} rounds", counts[actions], rounds);
  run.check("wait() gave each party a different index in every round", distinct);
  run.explain("Each round ended only when the slowest party arrived, so every round took as long as its slowest "
              "party; the {} rounds took about {} x the longest work.", rounds, rounds);
}

Example barrier() {
  return {
      .params = {Param::integer("parties", "threads or processes meeting at the barrier", 3, 1, 32),
                 Param::integer("rounds", "rounds each one works", 3, 1, 100),
                 Param::seconds("step", "extra work per place in the arrival order, seconds", 0.1, 0.0, 10.0),
                 mp::start_method_param()},
      .variants = {{"threads", meet_in_rounds}, {"processes", meet_in_rounds}},
  };
}

}  // namespace concur::demos
