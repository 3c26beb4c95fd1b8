// s.19 safe-print: ten processes print to one output, with a shared lock and without.
//
// A line may be written in several pieces (print() writes its arguments, separators and
// end one after another); pieces from processes printing at once can interleave and tear
// a line. Every child here prints a word at a time into one pipe, which the parent reads
// and checks. A process-shared Lock held for a whole line keeps others out of it.

#include <concur/concur.hpp>

#include <set>

namespace concur::demos {

static std::string line_of(const std::string& who, int n, int lines) {
  return fmt::format("{} prints line {} of {} in one piece\n", who, n, lines);
}

static void print_lines(const nlohmann::json& args, mp::Handed handed) {
  auto out = std::move(handed.at(0));  // the write end of the pipe: this child's "stdout"
  auto print_lock = mp::Lock::adopt(std::move(handed.at(1)));
  auto start_line = mp::StartLine::adopt(std::move(handed.at(2)));
  const std::string who = args["who"];
  const int lines = args["lines"];
  const bool locked = args["locked"];
  auto print_slowly = [&](const std::string& line) {  // one word at a time
    for (std::size_t at = 0; at < line.size();) {
      const std::size_t end = std::min(line.find(' ', at), line.size() - 1) + 1;
      mp::os_write(out.get(), std::string_view(line).substr(at, end - at));
      std::this_thread::sleep_for(std::chrono::nanoseconds(args["pause_ns"]));
      at = end;
    }
  };
  start_line.arrive_and_wait();  // everyone starts printing at the same moment
  for (int n = 1; n <= lines; ++n) {
    if (locked) {
      std::lock_guard hold(print_lock);  // nobody else writes until the line is complete
      print_slowly(line_of(who, n, lines));
    } else {
      print_slowly(line_of(who, n, lines));
    }
  }
}
CONCUR_ENTRY(print_lines);

static void print_together(Run& run) {
  const int processes = run.integer<int>("processes"), lines = run.integer<int>("lines");
  auto [from_children, to_parent] = mp::os_pipe();
  mp::Lock print_lock("print lock");
  mp::StartLine start_line(processes);
  std::set<std::string> sent;  // every line the children will print
  std::deque<mp::Process> children;
  for (int p = 1; p <= processes; ++p) {
    const std::string who = fmt::format("Process-{}", p);
    for (int n = 1; n <= lines; ++n) sent.insert(line_of(who, n, lines));
    children.emplace_back(mp::Target{"print_lines", {{"who", who}, {"lines", lines}, {"locked", run.variant() == "lock"},
                                                     {"pause_ns", run.duration("pause").count()}},
                                     {to_parent.get(), print_lock.fileno(), start_line.fileno()}},
                          who, mp::start_method_of(run));
  }
  for (mp::Process& c : children) c.start();
  for (mp::Process& c : children) c.join();
  const std::string arrived = mp::os_read_available(from_children.get());  // all of it: the children have ended

  int whole = 0, torn = 0;
  for (std::size_t at = 0, end; at < arrived.size(); at = end + 1) {
    end = std::min(arrived.find('\n', at), arrived.size() - 1);
    const std::string line = arrived.substr(at, end - at + 1);
    const bool intact = sent.count(line) > 0;
    (intact ? whole : torn) += 1;
    say("{} {}", intact ? "whole:" : "TORN: ", line.substr(0, line.size() - 1));
  }
  std::size_t bytes_sent = 0;
  for (const std::string& line : sent) bytes_sent += line.size();
  run.result({{"processes", processes}, {"lines_printed", processes * lines}, {"whole", whole}, {"torn", torn},
              {"bytes_sent", bytes_sent}, {"bytes_arrived", arrived.size()}});
  run.check("every byte printed arrived", arrived.size() == bytes_sent, "{} of {} bytes", arrived.size(), bytes_sent);
  if (run.variant() == "lock")
    run.check("with the lock every line arrived whole", whole == processes * lines, "{} of {} whole", whole,
              processes * lines);
  else
    run.check("without the lock lines from different processes tore", torn > 0, "{} of {} lines torn", torn,
              whole + torn);
  run.explain(run.variant() == "lock"
                  ? "The lock let one process at a time write its pieces, so each line went out in one stretch."
                  : "Nothing stopped a process from writing its next word while another was mid-line: the words "
                    "arrived in the order they were written, mixed.");
}

Example safe_print() {
  return {
      .params = {Param::integer("processes", "processes printing at the same time", 10, 2, 16),
                 Param::integer("lines", "lines each process prints", 2, 1, 10),
                 Param::seconds("pause", "seconds between the words of a line", 0.001, 0.0001, 1.0),
                 mp::start_method_param()},
      .variants = {{"no-lock", print_together}, {"lock", print_together}},
      .baseline = "no-lock",
  };
}

}  // namespace concur::demos
