// s.8 sentinel: a worker process reads a pipe until a sentinel tells it to stop.
//
// The worker cannot know how many items will come, so the parent sends a value that is
// never a real item (here null, Python's None) as "no more". Watch the worker stop at
// it: the item the parent sends after the sentinel is never processed.

#include <concur/concur.hpp>

namespace concur::demos {

static void work_until_sentinel(const nlohmann::json&, mp::Handed handed) {
  mp::Connection in = mp::Connection::adopt(std::move(handed.at(0)));
  mp::Connection report = mp::Connection::adopt(std::move(handed.at(1)));
  int processed = 0;
  for (nlohmann::json item = in.recv(); !item.is_null(); item = in.recv()) {
    say("processing item {}", item.get<int>());
    ++processed;
  }
  say("got the sentinel: stopping after {} items", processed);
  report.send(processed);
}
CONCUR_ENTRY(work_until_sentinel);

static void read_until_sentinel(Run& run) {
  const int items = run.integer<int>("items");
  auto [work_in, work_out] = mp::Pipe(false);      // parent -> worker
  auto [report_in, report_out] = mp::Pipe(false);  // worker -> parent
  mp::Process worker(mp::Target{"work_until_sentinel", {}, {work_in.fileno(), report_out.fileno()}}, "Worker",
                     mp::start_method_of(run));
  worker.start();
  work_in.close();
  report_out.close();

  // send() writes each line before the message enters the pipe, so it comes before the
  // worker's line about it.
  for (int i = 1; i <= items; ++i) work_out.send(i, says("sent item {}", i));
  work_out.send(nullptr, says("sent the sentinel"));
  try {
    work_out.send(items + 1);  // after the sentinel: must never be processed
    say("sent one item too many, after the sentinel");
  } catch (const std::system_error&) {  // EPIPE: the worker already left and closed its end
    say("the worker had already gone, so one more item could not be sent");
  }
  const int processed = report_in.recv();
  worker.join();

  run.result({{"items", items}, {"processed", processed}});
  run.check("the worker stopped exactly at the sentinel", processed == items, "processed {} of {} items before it",
            processed, items);
  run.check("the worker exited with 0", worker.exitcode() == 0, worker.describe_exit());
  run.explain("The worker processed {} items and left at the sentinel; nothing sent after it was ever read (it "
              "stayed in the pipe and vanished with it, or found the pipe closed).", processed);
}

Example sentinel() {
  return {
      .params = {Param::integer("items", "items sent before the sentinel", 5, 0, 100'000), mp::start_method_param()},
      .variants = {{"sentinel", read_until_sentinel}},
  };
}

}  // namespace concur::demos
