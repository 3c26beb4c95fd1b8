#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <concur/core/console.hpp>
#include <concur/core/text.hpp>
#include "markdown.hpp"
#include <concur/harness/timeline_view.hpp>
#include <concur/harness/html.hpp>
#include <concur/harness/sweep.hpp>
#include <concur/harness/controlled.hpp>
#include <concur/harness/report.hpp>
#include <concur/harness/runner.hpp>

#include "completion.hpp"
#include "help_format.hpp"
#include "exercise.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "step_view.hpp"
#include "output_file.hpp"
#include "workshop.hpp"

namespace concur::cli {
namespace {

std::string lecture_heading(int lecture) {
  switch (lecture) {
    case 9: return "Lecture 9: Concurrency 1";
    case 10: return "Lecture 10: Concurrency 2";
    case 11: return "Lecture 11: Concurrency 3";
    default: return "Supplementary notes";
  }
}

// Options every example takes (interface.md, "Common options").
struct Common {
  std::string json_path;
  std::string trace_path;
  std::string markdown_path;
  std::string html_path;
  bool timeline = false;
  bool no_timeline = false;
  std::string repeat = "1";
  std::string time_scale = "1";
  bool quiet = false;
  bool no_color = false;
  bool verbose = false;
  std::string jitter;  // a seed, or "" for none
  std::vector<std::string> variants;  // --variant: run only these ("" = all)
  std::string sweep;  // --sweep NAME=VALUES, "" for none
};

void add_common(CLI::App& sub, Common& c, bool with_json = true) {
  const std::string group = "Common options";
  // An option with a value: its name, where the value goes, its help and its value's name.
  const auto option = [&](const std::string& name, auto& into, const std::string& help, const std::string& kind) {
    return sub.add_option(name, into, help)->type_name(kind)->group(group);
  };
  if (with_json) {
    option("--json", c.json_path, "write the JSON report to PATH ('-': stdout, the rest to stderr)", "PATH");
    option("--trace", c.trace_path, "write a Chrome/Perfetto trace of the run to PATH (open it at ui.perfetto.dev)",
           "PATH");
    option("--export-markdown", c.markdown_path, "write the timing table as markdown to PATH, for lab reports", "PATH");
    option("--html", c.html_path, "write a self-contained HTML report to PATH (open it in any browser; no network needed)",
           "PATH");
  }
  sub.add_flag("--timeline", c.timeline, "draw the per-thread timeline even with --quiet")->group(group);
  sub.add_flag("--no-timeline", c.no_timeline, "do not draw the per-thread timeline")->group(group);
  option("--repeat", c.repeat, "run every variant N times (taking turns) and summarise the timings", "N")->default_str("1");
  option("--time-scale", c.time_scale, "multiply every deliberate sleep and hold time by F", "F")->default_str("1");
  sub.add_flag("--quiet", c.quiet, "the summary only: no narration, no explanations")->group(group);
  sub.add_flag("--no-color", c.no_color, "no colour (also off with NO_COLOR or when not a terminal)")->group(group);
  sub.add_flag("-v,--verbose", c.verbose, "debug logging to stderr")->group(group);
  if (!with_json) return;
  option("--variant", c.variants, "run only this variant (repeatable; the names are in the example's help)", "NAME");
  option("--sweep", c.sweep,
         "run once per value of one option, NAME=V1,V2,... or NAME=A..B (workers=1..8), and plot how time and "
         "speedup change",
         "NAME=VALUES");
  option("--jitter", c.jitter,
         "random yields at every lock, semaphore, event, queue and thread start, from SEED (the same seed makes the "
         "same choices; 'concur check' uses it)",
         "SEED");
}

// The options every example takes, for `concur --help`: from add_common() itself, so the
// list cannot drift from what the examples accept.
std::string common_options_help(std::size_t columns) {
  CLI::App scratch;
  Common unused;
  add_common(scratch, unused);
  std::string out = wrap("Options every example takes ('concur NAME --help' shows them with the example's own):",
                         {.width = columns}) +
                    "\n";
  const WrappingFormatter layout(columns);
  for (const CLI::Option* opt : scratch.get_options())
    if (opt->get_name() != "--help") out += layout.make_option(opt, false);
  return out;
}

// Where one example's results go besides the terminal (output_file.hpp): checked before
// the run, opened and written only after it.
struct Outputs {
  std::optional<OutputFile> json, trace, markdown, html;
  bool json_on_stdout() const { return json && json->to_stdout(); }
};

void setup_output(const Common& c, bool json_on_stdout) {
  const int fd = json_on_stdout ? 2 : 1;
  Console::get().configure(fd, Console::color_wanted(fd, c.no_color), !c.quiet);
  auto logger = spdlog::stderr_color_mt("concur");
  spdlog::set_default_logger(logger);
  spdlog::set_level(c.verbose ? spdlog::level::debug : spdlog::level::warn);
}

// Turns the example's option strings into validated values (every one, defaults included).
// The options of an example or of a command, from their text (add_params) to their values,
// the defaults for those not given. BadUsage names the first one wrong.
nlohmann::json parse_params(const std::vector<Param>& params, const std::map<std::string, std::string>& given) {
  nlohmann::json values = nlohmann::json::object();
  for (const Param& p : params) values[p.name] = p.default_json();
  for (const auto& [name, text] : given) {
    if (text.empty()) continue;  // not given: the default stands
    const auto p = std::find_if(params.begin(), params.end(), [&](const Param& q) { return q.name == name; });
    const Param::Parsed parsed = p->parse(text);
    if (!parsed.error.empty()) throw BadUsage(parsed.error);
    values[name] = parsed.value;
  }
  return values;
}

// An example's options, and then whether they go together (Example::check_params).
nlohmann::json validate_params(const Example& e, const std::map<std::string, std::string>& given) {
  nlohmann::json params = parse_params(e.params, given);
  if (e.check_params)
    if (std::string why = e.check_params(params); !why.empty()) throw BadUsage(why);
  return params;
}

TimelineMode timeline_mode(const Common& c) {
  if (c.timeline && c.no_timeline) throw BadUsage("--timeline and --no-timeline contradict each other; give one");
  if (c.timeline) return TimelineMode::always;
  if (c.no_timeline) return TimelineMode::never;
  return TimelineMode::automatic;
}

// The common options, checked and converted once, into what the runner takes: repeat,
// time scale, timeline and the jitter's seed. BadUsage names the first one wrong.
RunOptions run_options(const Common& c, nlohmann::json params) {
  RunOptions options;
  options.params = std::move(params);
  options.repeat = parse_whole(c.repeat, "repeat", 1, 10'000);
  options.time_scale = parse_positive(c.time_scale, "--time-scale", "a number", 1000);
  options.timeline = timeline_mode(c);
  if (!c.jitter.empty()) options.jitter_seed = parse_seed(c.jitter, "--jitter");
  return options;
}

// Writes each report asked for; each is tried even when an earlier one was lost, and the
// first loss is thrown once all were tried.
struct Makers {
  std::function<std::string()> json, trace, markdown, html;
};
void write_outputs(const Outputs& outputs, const Makers& make) {
  std::optional<OutputLost> lost;
  const auto write = [&](const std::optional<OutputFile>& out, const std::function<std::string()>& maker) {
    if (!out || !out->given()) return;
    try {
      out->write(maker());
    } catch (const OutputLost& e) {
      if (lost) std::cerr << "concur: " << e.what() << "\n";  // the first one is thrown below
      else lost = e;
    }
  };
  write(outputs.json, make.json);
  write(outputs.trace, make.trace);
  write(outputs.markdown, make.markdown);
  write(outputs.html, make.html);
  if (lost) throw *lost;
}

int run_one(const Example& e, const RunOptions& options, Outputs& outputs) {
  spdlog::debug("running {} with {}", e.name, options.params.dump());
  const Outcome outcome = run_example(e, options);
  print_summary(outcome);
  write_outputs(outputs, {[&] { return make_report(outcome).dump(2) + "\n"; },
                          [&] { return make_trace(outcome).dump() + "\n"; }, [&] { return make_markdown(outcome); },
                          [&] { return make_html(outcome); }});
  return outcome.ok ? kOk : kCheckFailed;
}

// `--sweep NAME=...`: the example once per value, then the sweep's table, plot and reports.
int run_swept(const Example& e, const RunOptions& options, const SweepSpec& spec, Outputs& outputs) {
  const SweepOutcome sweep = run_sweep(e, options, spec);
  print_sweep(sweep);
  write_outputs(outputs, {[&] { return make_sweep_report(sweep).dump(2) + "\n"; }, [] { return std::string(); },
                          [&] { return make_sweep_markdown(sweep); }, [&] { return make_sweep_html(sweep); }});
  return sweep.ok ? kOk : kCheckFailed;
}

const Example& find_or_explain(const Catalogue& cat, const std::string& name) {
  if (const Example* e = cat.find(name)) return *e;
  if (auto guess = cat.suggest(name))
    throw BadUsage(fmt::format("unknown example '{}'; did you mean '{}'? ('concur list' shows them all)", name,
                                 *guess));
  throw BadUsage(fmt::format("unknown example '{}' ('concur list' shows them all)", name));
}

// "10.12 = 11.4": an example's id and its aliases.
std::string ids_of(const Example& e) {
  std::string ids = e.id;
  for (const std::string& a : e.aliases) ids += " = " + a;
  return ids;
}

// Column widths that fit every example's ids, name and title.
struct Columns {
  std::size_t ids = 0, name = 0, title = 0;
};
Columns columns_of(const Catalogue& cat) {
  Columns c;
  for (const Example& e : cat.examples()) {
    c.ids = std::max(c.ids, ids_of(e).size());
    c.name = std::max(c.name, e.name.size());
    c.title = std::max(c.title, e.title.size());
  }
  return c;
}

// "  10.12 = 11.4  queue-pool  Queue and thread pool": the ids and name in columns, the
// title (and the summary, when `with_summary`) after them, wrapped to the terminal
// under where the title starts, or on lines of their own when the columns leave too
// little room.
std::string example_line(const Example& e, const Columns& width, std::size_t columns, bool with_summary) {
  const std::string head = fmt::format("  {:<{}}  {:<{}}  ", ids_of(e), width.ids, e.name, width.name);
  const std::size_t at = display_width(head);
  const std::string text = with_summary ? fmt::format("{:<{}}  {}", e.title, width.title, e.summary) : e.title;
  if (at + display_width(text) <= columns) return head + text + "\n";
  if (at + 30 <= columns) {  // the summary under the name, where it has more room
    const std::size_t name_at = 2 + width.ids + 2;
    std::string out = head + wrap(e.title, {.width = columns, .first = at, .rest = at, .indent_first = false}) + "\n";
    if (with_summary) out += wrap(e.summary, {.width = columns, .first = name_at + 2, .rest = name_at + 2}) + "\n";
    return out;
  }
  std::string out = wrap(ids_of(e) + "  " + e.name + "  " + e.title, {.width = columns, .first = 2, .rest = 6}) + "\n";
  if (with_summary) out += wrap(e.summary, {.width = columns, .first = 6, .rest = 6}) + "\n";
  return out;
}

// "Run an example by name or id:   concur race    concur 10.4": what, then the commands,
// the commands wrapped under themselves.
std::string usage_line(std::string_view what, std::string_view commands, std::size_t columns) {
  constexpr std::size_t kColumn = 33;
  const std::string head = fmt::format("{:<{}}", what, kColumn);
  if (columns < kColumn + 24)
    return std::string(what) + "\n" + wrap(commands, {.width = columns, .first = 4, .rest = 4}) + "\n";
  return head + wrap(commands, {.width = columns, .first = kColumn, .rest = kColumn, .indent_first = false}) + "\n";
}

std::string short_help(const Catalogue& cat) {
  const std::size_t columns = terminal_width(1);
  std::string out = wrap(fmt::format("concur {} - the concurrency course's examples as runnable, measurable C++ programs",
                                     version()),
                         {.width = columns, .first = 0, .rest = 2}) +
                    "\n\n";
  out += usage_line("Run an example by name or id:", "concur race    concur 10.4    concur semaphore --workers 8", columns);
  out += usage_line("Read and change it:", "concur lesson race    concur show race    concur watch race", columns);
  out += usage_line("See them all:", "concur list    concur tour    concur lesson 10 (a lecture's overview)", columns);
  out += usage_line("Repair a broken one:", "concur exercise race    concur check race    concur hint race", columns);
  const Columns width = columns_of(cat);
  int lecture = -1;
  for (const Example& e : cat.examples()) {
    if (e.lecture != lecture) {
      lecture = e.lecture;
      out += fmt::format("\n{}\n", lecture_heading(lecture));
    }
    out += example_line(e, width, columns, false);
  }
  out += "\n" + wrap("'concur NAME --help' lists an example's options; 'concur --help' every command and the options "
                     "every example takes.",
                     {.width = columns}) +
         "\n";
  return out;
}

void print_list(const Catalogue& cat) {
  const Columns width = columns_of(cat);
  const std::size_t columns = terminal_width(1);
  int lecture = -1;
  for (const Example& e : cat.examples()) {
    if (e.lecture != lecture) {
      lecture = e.lecture;
      std::cout << (lecture == cat.examples().front().lecture ? "" : "\n") << lecture_heading(lecture) << "\n";
    }
    std::cout << example_line(e, width, columns, true);
  }
}

// The demo's file, and its companions after it (demo_files()).
void print_source(const Example& e, bool no_color) {
  std::string text;
  for (const std::filesystem::path& path : demo_files(e))
    text += fmt::format("// {}\n{}\n", path.string(), render_source(read_text(path), stdout_text_style(no_color)));
  print_paged(fmt::format("{}Edit it, rebuild with 'make', and run 'concur {}' again.\n", text, e.name));
}

// `concur lesson 10`: a lecture's overview; `concur lesson interleavings`: a topic page;
// otherwise an example's lesson.
void print_lesson(const Catalogue& cat, const std::string& which, bool no_color) {
  static const std::map<std::string, std::string, std::less<>> kOverviews = {
      {"9", "lessons/lecture09/overview.md"},      {"10", "lessons/lecture10/overview.md"},
      {"11", "lessons/lecture11/overview.md"},     {"s", "lessons/supplementary/overview.md"},
      {"supplementary", "lessons/supplementary/overview.md"},
      {"interleavings", "lessons/supplementary/interleavings.md"}};
  const auto overview = kOverviews.find(which);
  const std::string path = std::string(CONCUR_SOURCE_DIR) + "/" +
                           (overview != kOverviews.end() ? overview->second : find_or_explain(cat, which).lesson);
  const std::string text = read_text(path);
  if (::isatty(1) != 1) {  // piped or redirected: the markdown as it is
    std::cout << text;
    return;
  }
  print_paged(render_markdown(text, stdout_text_style(no_color)));
}

// One example per section of the course, each with a line on why it is there and settings
// that keep the whole tour under half a minute.
struct TourStop {
  std::string name;
  std::string why;
  nlohmann::json settings = nlohmann::json::object();
};

// Between two stops of the tour on a terminal: Enter goes on, q (or end of input) stops.
bool next_stop_wanted(std::size_t next, std::size_t stops) {
  Console& con = Console::get();
  con.line();
  std::cout << con.paint(fmt::format("── Enter: stop {} of {} · q, then Enter: end the tour ── ", next, stops), Style::dim)
            << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer.find_first_of("qQ") == std::string::npos;
}

int run_tour(const Catalogue& cat, const RunOptions& settings, bool pause) {
  static const std::vector<TourStop> kStops = {
      {"threading", "Lecture 9: one batch of waiting and one of computing, on threads.", {{"work", 50}}},
      {"race", "Lecture 10: what goes wrong when two threads share a counter with no protection."},
      {"lock", "The fix: a mutex (and an atomic), and what each costs."},
      {"semaphore", "A semaphore lets a limited number of threads in at once."},
      {"event", "An event holds threads back until one thread gives the signal."},
      {"queue-pool", "A queue feeds a fixed pool of worker threads."},
      {"scraper", "Threads shine on I/O: downloads overlap their waiting."},
      {"process", "Processes: a child started by fork, spawn and forkserver, each timed."},
      {"process-lock", "Lecture 11: the same race across processes, and a lock in shared memory."},
      {"primes", "CPU-bound work on every core: threads and processes both scale in C++.", {{"limit", 1'000'000}}},
      {"deadlock", "The supplementary notes: two locks taken in opposite orders, caught by the watchdog."},
      {"safe-print", "Ten processes print at once: without a shared lock their lines tear; with it they arrive whole."},
  };
  Console& con = Console::get();
  int status = kOk;
  int n = 0;
  for (const TourStop& stop : kStops) {
    const Example* e = cat.find(stop.name);
    if (e == nullptr) continue;
    if (pause && n > 0 && !next_stop_wanted(n + 1, kStops.size())) {
      con.line("The tour stopped there; 'concur tour --no-pause' runs it straight through.");
      return status;
    }
    con.line();
    con.line(con.paint(wrap(fmt::format("━━ tour {}/{}: {} ━━", ++n, kStops.size(), stop.why),
                            {.width = con.width(), .first = 0, .rest = 3}),
                       Style::bold));
    RunOptions options = settings;
    options.params = e->default_params();
    for (const auto& [k, v] : e->tour.items()) options.params[k] = v;
    for (const auto& [k, v] : stop.settings.items()) options.params[k] = v;
    Outputs none;
    if (run_one(*e, options, none) != kOk) status = kCheckFailed;
  }
  con.line();
  con.line(wrap("That was the tour. Read a lesson with 'concur lesson race' (or a lecture's overview: "
                "'concur lesson 10'), open a demo with 'concur show race', or list everything with "
                "'concur list'. Then repair one yourself: 'concur exercise --list'.",
                {.width = con.width()}));
  return status;
}

// The commands the command line chose, outermost first: concur, remote-manager, serve.
std::vector<CLI::App*> chosen_chain(CLI::App& app) {
  std::vector<CLI::App*> chain{&app};
  while (!chain.back()->get_subcommands().empty()) chain.push_back(chain.back()->get_subcommands().front());
  return chain;
}

// "concur remote-manager serve"
std::string command_line_of(const std::vector<CLI::App*>& chain) {
  std::string where = "concur";
  for (std::size_t i = 1; i < chain.size(); ++i) where += " " + chain[i]->get_name();
  return where;
}

// CLI11 takes `--kill-worker=banana` as a switch's value and `--threads ''` as an option
// given nothing, which then reads as its default. Both are mistakes the user should hear
// about: a switch takes no value, and an option given must have one.
void refuse_values_of_switches(const std::vector<CLI::App*>& chain, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (!arg.starts_with("--") || arg.find('=') == std::string_view::npos) continue;
    const std::string name(arg.substr(0, arg.find('=')));
    for (const CLI::App* sub : chain)
      if (const CLI::Option* opt = sub->get_option_no_throw(name); opt != nullptr && opt->get_expected_max() == 0)
        throw BadUsage(fmt::format("{} is a switch and takes no value, got '{}'", name, arg));
  }
}

// CLI11 says "At Most 1 required but received 2" for `--json a --json b`; say which option
// was given twice, and with what.
void refuse_repeated_options(const std::vector<CLI::App*>& chain, int argc, char** argv) {
  std::map<std::string, std::vector<std::string>> seen;  // option -> the values given
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (!arg.starts_with("--")) continue;
    const std::size_t eq = arg.find('=');
    const std::string name(arg.substr(0, eq));
    for (const CLI::App* sub : chain) {
      const CLI::Option* opt = sub->get_option_no_throw(name);
      if (opt == nullptr || opt->get_expected_max() != 1 || opt->get_multi_option_policy() != CLI::MultiOptionPolicy::Throw)
        continue;
      std::vector<std::string>& values = seen[name];
      values.push_back(eq != std::string_view::npos ? std::string(arg.substr(eq + 1)) : i + 1 < argc ? argv[i + 1] : "");
      if (values.size() == 2)
        throw BadUsage(fmt::format("{} was given twice ('{}' and '{}'); give it once", name, values[0], values[1]));
    }
  }
}

void refuse_empty_values(const std::vector<CLI::App*>& chain) {
  for (const CLI::App* sub : chain)
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt->count() == 0 || opt->get_expected_max() == 0) continue;
      for (const std::string& value : opt->results())
        if (value.empty())
          throw BadUsage(opt->nonpositional()
                             ? fmt::format("{} needs a value, got '' ('{} --help' says what it takes)",
                                           opt->get_name(), command_line_of(chain))
                             : fmt::format("the {} argument is empty ('{} --help' says what it takes)",
                                           opt->get_name(), command_line_of(chain)));
    }
}

// "unknown option '--thread' for 'concur race'; did you mean '--threads'?" The innermost
// command chosen is the one whose options count (remote-manager serve, not remote-manager).
std::string explain_extras(CLI::App& app, int argc, char** argv) {
  std::vector<CLI::App*> chain = chosen_chain(app);
  // The innermost command that was left an argument it does not take.
  while (chain.size() > 1 && chain.back()->remaining().empty()) chain.pop_back();
  CLI::App* sub = chain.back();
  const std::string where = command_line_of(chain);
  std::vector<std::string> known;
  for (const CLI::Option* opt : sub->get_options())
    for (const std::string& n : opt->get_lnames()) known.push_back("--" + n);
  for (const std::string& arg : sub->remaining()) {
    if (!arg.starts_with("-") || arg == "-") continue;
    const std::string name = arg.substr(0, arg.find('='));
    std::string best;
    std::size_t best_d = 4;
    for (const std::string& k : known)
      if (const std::size_t d = edit_distance(name, k); d < best_d) best = k, best_d = d;
    return fmt::format("unknown option '{}' for '{}'{} ('{} --help' lists the options)", name, where,
                       best.empty() ? "" : fmt::format("; did you mean '{}'?", best), where);
  }
  const std::vector<std::string> left = sub->remaining();
  return fmt::format("unexpected argument for '{}': '{}' ('{} --help' lists what it takes)", where,
                     !left.empty() ? left.front() : argc > 2 ? argv[argc - 1] : "", where);
}

// The options of an example or a command, each into given[name] as text, checked later.
void add_params(CLI::App& sub, const std::vector<Param>& params, std::map<std::string, std::string>& given,
                const std::string& group) {
  for (const Param& p : params) {
    if (p.type == Param::Type::flag) {
      sub.add_flag("--" + p.name + "{true}", given[p.name], p.help)->group(group);
      continue;
    }
    if (p.type == Param::Type::text_list) {  // repeatable: the values travel joined by '\n'
      std::string& joined = given[p.name];
      sub.add_option("--" + p.name, p.help)
          ->each([&joined](const std::string& v) { joined += (joined.empty() ? "" : "\n") + v; })
          ->type_name("TEXT")
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
          ->group(group);
      continue;
    }
    const std::string def = p.type == Param::Type::choice         ? p.choices.front()
                            : p.type == Param::Type::integer      ? fmt::format("{}", static_cast<long long>(p.default_value))
                            : p.type == Param::Type::integer_list ? std::string()
                            : p.type == Param::Type::text         ? p.default_text
                                                                  : fmt::format("{}", p.default_value);
    std::string kind = p.type == Param::Type::integer        ? "N"
                       : p.type == Param::Type::integer_list ? "N,N,..."
                       : p.type == Param::Type::text         ? "TEXT"
                                                             : "SECONDS";
    if (p.type == Param::Type::choice) {
      kind.clear();
      for (const std::string& c : p.choices) kind += (kind.empty() ? "" : "|") + c;
    }
    sub.add_option("--" + p.name, given[p.name], p.help)->type_name(kind)->default_str(def)->group(group);
  }
}

// What the built-in commands read from the command line: CLI11 fills it, their handlers
// read it.
struct BuiltinArgs {
  bool list_json = false;
  std::string example;     // the example (or lecture) a command names
  bool no_color = false;   // lesson, show and solution
  bool exercise_list = false, exercise_fresh = false;
  bool reset = false;      // edit --reset
  bool no_pause = false;   // tour --no-pause
  CheckOptions check;
  std::string shell;
  Common tour;
};

// A built-in command, declared once: its name and help, the options it adds (into
// BuiltinArgs) and what it does with them. `self` is its own CLI11 command.
struct Builtin {
  std::string name, help;
  std::function<void(CLI::App& self)> declare;
  std::function<int(CLI::App& self)> run;
};

// The example a command names, required.
std::function<void(CLI::App&)> takes_example(BuiltinArgs& a, const char* what = "name or id") {
  return [&a, what](CLI::App& self) { self.add_option("example", a.example, what)->required(); };
}

// The same with --no-color, for commands that print text.
std::function<void(CLI::App&)> takes_example_in_color(BuiltinArgs& a, const char* what = "name or id") {
  return [&a, what](CLI::App& self) {
    self.add_option("example", a.example, what)->required();
    self.add_flag("--no-color", a.no_color, "no colour (also off with NO_COLOR set, or when not a terminal)");
  };
}

std::vector<Builtin> builtins(const Catalogue& cat, BuiltinArgs& a, const CLI::App& root) {
  return {
      {"list", "the catalogue of examples, a table or JSON",
       [&a](CLI::App& self) { self.add_flag("--json", a.list_json, "the catalogue as JSON"); },
       [&](CLI::App&) {
         if (a.list_json) std::cout << cat.to_json().dump(2) << "\n";
         else print_list(cat);
         return kOk;
       }},
      {"lesson", "the lesson for an example, a lecture's overview (concur lesson 10), or interleavings",
       takes_example_in_color(a, "name or id of an example, a lecture (9, 10, 11, s), or interleavings"),
       [&](CLI::App&) {
         print_lesson(cat, a.example, a.no_color);
         return kOk;
       }},
      {"show", "where the demo's source is, and the source itself", takes_example_in_color(a),
       [&](CLI::App&) {
         print_source(find_or_explain(cat, a.example), a.no_color);
         return kOk;
       }},
      {"edit", "open the demo in $VISUAL or $EDITOR (else sensible-editor, nano or vi); when you quit, rebuild and run it",
       [&a](CLI::App& self) {
         self.add_option("example", a.example, "name or id")->required();
         self.add_flag("--reset", a.reset, "put the demo back as shipped instead (concur restore)");
         self.allow_extras();  // the example's own options, handed to the run
         self.footer("Any options after the example are passed to the run: concur edit race --threads 4");
       },
       [&](CLI::App& self) {
         const Example& e = find_or_explain(cat, a.example);
         if (a.reset) return restore_example(e);
         return edit_example(e, self.remaining());
       }},
      {"restore", "put a demo back as shipped; your version is kept next to it as .bak", takes_example(a),
       [&](CLI::App&) { return restore_example(find_or_explain(cat, a.example)); }},
      {"watch", "rebuild and rerun the demo whenever its file changes: concur watch ID [options]",
       [&a](CLI::App& self) {
         self.add_option("example", a.example, "name or id")->required();
         self.allow_extras();  // the example's own options, handed to each run
         self.footer("Any options after the example are passed to each run: concur watch race --threads 4");
       },
       [&](CLI::App& self) { return watch_example(find_or_explain(cat, a.example), self.remaining()); }},
      {"exercise", "copy a broken starting point to your workspace to repair (--list: your progress)",
       [&a](CLI::App& self) {
         self.add_option("example", a.example, "name or id of an example with an exercise");
         self.add_flag("--list", a.exercise_list, "every exercise, done or to do (also with no example)");
         self.add_flag("--fresh", a.exercise_fresh, "start over from the broken starting point (yours is kept as .bak)");
         self.footer("The workspace is $CONCUR_WORKSPACE, else workspace/ in the source tree.");
       },
       [&](CLI::App&) {
         if (!a.exercise_list && !a.example.empty()) return start_exercise(cat, a.example, a.exercise_fresh);
         if (a.exercise_fresh) throw BadUsage("--fresh needs an exercise: concur exercise race --fresh");
         return list_exercises(cat);
       }},
      {"check", "build your version of an exercise and run it many times with jitter",
       [&a](CLI::App& self) {
         CheckOptions& o = a.check;
         self.add_option("example", o.name, "name or id")->required();
         self.add_option("--runs", o.runs, "how many runs (the exercise says how many by default)")->type_name("N");
         self.add_option("--seed", o.seed, "the jitter's seed: replays the runs of an earlier check")->type_name("SEED");
         self.add_option("--time-limit", o.time_limit, "seconds a run may take before it counts as hung")
             ->type_name("SECONDS");
         self.add_option("--json", o.json, "write the verdict as JSON to PATH ('-': stdout, the rest to stderr)")
             ->type_name("PATH");
         self.add_flag("--narrate", o.narrate, "let each run narrate as it goes (best with --runs 1)");
         self.add_flag("--no-explore", o.no_explore,
                       "skip exploring every schedule of a small run first: the real runs only (not a full check)");
         self.add_option("--file", o.file, "check this file instead of your workspace's (it does not count as done)")
             ->type_name("PATH");
         self.add_option("--program", o.program, "judge this already-built exercise program, no build")
             ->type_name("PATH");
       },
       [&](CLI::App&) { return check_exercise(cat, a.check); }},
      {"hint", "the hints for an exercise, one more each time",
       [&a](CLI::App& self) { self.add_option("example", a.example, "name or id of an exercise"); },
       [&](CLI::App&) { return show_hints(cat, a.example); }},
      {"solution", "the reference solution, once your version passes its check", takes_example_in_color(a),
       [&](CLI::App&) { return show_solution(cat, a.example, a.no_color); }},
      {"completion", "a shell completion script: source <(concur completion bash)",
       [&a](CLI::App& self) { self.add_option("shell", a.shell, "bash or zsh")->required(); },
       [&](CLI::App&) {
         const std::string script = completion_script(root, cat, a.shell);
         if (script.empty()) throw BadUsage(fmt::format("no completion for shell '{}': say bash or zsh", a.shell));
         std::cout << script;
         return kOk;
       }},
      {"tour", "the core examples one after another, short settings",
       [&a](CLI::App& self) {
         a.tour.time_scale = "0.25";
         add_common(self, a.tour, /*with_json=*/false);
         self.get_option("--time-scale")->default_str("0.25");
         self.add_flag("--no-pause", a.no_pause, "run every stop straight through (also when not on a terminal)");
       },
       [&](CLI::App&) {
         const RunOptions options = run_options(a.tour, nlohmann::json::object());
         setup_output(a.tour, false);
         return run_tour(cat, options, !a.no_pause && ::isatty(0) == 1 && ::isatty(1) == 1);
       }},
  };
}

// An example's command (remote-manager serve/put/get): its options checked, then run.
// A failure it reports (the port is taken) is exit 1; bad input is exit 2.
int run_command(const Command& cmd, const std::map<std::string, std::string>& given, const std::string& argument) {
  const nlohmann::json params = parse_params(cmd.params, given);
  try {
    return cmd.run(params, argument);
  } catch (const BadUsage&) {
    throw;  // exit 2, in main()
  } catch (const std::exception& e) {
    std::cerr << "concur: " << e.what() << "\n";
    return kCheckFailed;
  }
}

// An example: every option checked before anything runs (its own, then the common ones,
// then the output files), then the run and its reports.
int run_example_command(const Example& e, const std::map<std::string, std::string>& given, const Common& common) {
  RunOptions options = run_options(common, validate_params(e, given));
  for (const std::string& v : common.variants) {
    const bool known = std::any_of(e.variants.begin(), e.variants.end(), [&](const Variant& x) { return x.name == v; });
    if (!known) {
      std::string names;
      for (const Variant& x : e.variants) names += (names.empty() ? "" : ", ") + x.name;
      throw BadUsage(fmt::format("--variant: {} has no variant '{}' (it has {})", e.name, v, names));
    }
  }
  options.variants = common.variants;
  std::optional<SweepSpec> sweep;
  if (!common.sweep.empty()) {
    sweep = parse_sweep(e, common.sweep);
    if (const auto it = given.find(sweep->param); it != given.end() && !it->second.empty())
      throw BadUsage(fmt::format("--sweep {} and --{} {} both set {}; give one", common.sweep, sweep->param, it->second,
                                 sweep->param));
    if (!common.trace_path.empty())
      throw BadUsage(fmt::format("--trace records one run, and --sweep makes many: trace one point instead "
                                 "(concur {} --{} {} --trace FILE)", e.name, sweep->param, sweep->values.back()));
  }
  Outputs outputs;
  outputs.json.emplace(common.json_path, "--json", true);
  outputs.trace.emplace(common.trace_path, "--trace", false);
  outputs.markdown.emplace(common.markdown_path, "--export-markdown", false);
  outputs.html.emplace(common.html_path, "--html", false);
  OutputFile::refuse_shared({&*outputs.json, &*outputs.trace, &*outputs.markdown, &*outputs.html});
  setup_output(common, outputs.json_on_stdout());
  return sweep ? run_swept(e, options, *sweep, outputs) : run_one(e, options, outputs);
}

// ---- concur explore ID, concur step ID ---------------------------------------------------

// What `concur explore` and `concur step` read besides the example's own options.
struct ControlArgs {
  std::string json_path, trace_path;
  std::vector<std::string> variants;
  bool quiet = false, no_color = false, no_timeline = false, verbose = false;
  std::string preemptions, pct, runs, seed, max_schedules = "100000";  // explore
  bool no_reduction = false;
  std::string schedule;  // step
};

void add_control_options(CLI::App& sub, ControlArgs& c, bool explore) {
  const std::string group = explore ? "Exploring" : "Stepping";
  const auto option = [&](const std::string& name, auto& into, const std::string& help, const std::string& kind) {
    return sub.add_option(name, into, help)->type_name(kind)->group(group);
  };
  if (explore) {
    option("--variant", c.variants, "explore only this variant (repeatable)", "NAME");
    option("--preemptions", c.preemptions,
           "at most K switches per schedule away from a thread that could have gone on (as CHESS)", "K");
    sub.add_flag("--no-reduction", c.no_reduction, "run every schedule, not one of each set of equivalent ones")->group(group);
    option("--pct", c.pct, "random exploration instead (PCT): bugs of DEPTH ordering constraints; with --runs", "DEPTH");
    option("--runs", c.runs, "with --pct: how many random schedules (default 1000)", "N");
    option("--seed", c.seed, "with --pct: the random seed (default 1); the same seed gives the same schedules", "SEED");
    option("--max-schedules", c.max_schedules, "stop after N schedules", "N")->default_str("100000");
    option("--json", c.json_path, "write what was found as JSON to PATH ('-': stdout, the rest to stderr)", "PATH");
  } else {
    option("--schedule", c.schedule,
           "replay this schedule (the thread of each step: 1,1,2,2,...; then the lowest thread) with narration", "LIST");
    option("--variant", c.variants, "the variant to run (default: the first)", "NAME");
    option("--json", c.json_path, "with --schedule: write the JSON report to PATH ('-': stdout)", "PATH");
    option("--trace", c.trace_path, "with --schedule: write a Chrome/Perfetto trace to PATH", "PATH");
    sub.add_flag("--no-timeline", c.no_timeline, "with --schedule: do not draw the timeline")->group(group);
  }
  sub.add_flag("--quiet", c.quiet, explore ? "only the table" : "the summary only")->group(group);
  sub.add_flag("--no-color", c.no_color, "no colour (also off with NO_COLOR or when not a terminal)")->group(group);
  sub.add_flag("-v,--verbose", c.verbose, "debug logging to stderr")->group(group);
}

// The example's options that were given, checked, as values (the rest come from its small
// configuration, controlled_params()).
nlohmann::json given_values(const Example& e, const std::map<std::string, std::string>& given) {
  const nlohmann::json all = validate_params(e, given);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, text] : given)
    if (!text.empty()) out[name] = all[name];
  if (e.check_params)  // they must go together with the small configuration too
    if (std::string why = e.check_params(controlled_params(e, out)); !why.empty()) throw BadUsage(why);
  return out;
}

void check_variants(const Example& e, const std::vector<std::string>& variants) {
  for (const std::string& v : variants)
    if (std::none_of(e.variants.begin(), e.variants.end(), [&](const Variant& x) { return x.name == v; })) {
      std::string names;
      for (const Variant& x : e.variants) names += (names.empty() ? "" : ", ") + x.name;
      throw BadUsage(fmt::format("--variant: {} has no variant '{}' (it has {})", e.name, v, names));
    }
}

Common common_of(const ControlArgs& c) {
  Common common;
  common.json_path = c.json_path;
  common.trace_path = c.trace_path;
  common.quiet = c.quiet;
  common.no_color = c.no_color;
  common.no_timeline = c.no_timeline;
  common.verbose = c.verbose;
  return common;
}

int explore_command(const Example& e, const std::map<std::string, std::string>& given, const ControlArgs& c) {
  ExploreRequest request;
  request.params = given_values(e, given);
  check_variants(e, c.variants);
  request.variants = c.variants;
  request.options.reduce = !c.no_reduction;
  if (!c.preemptions.empty()) request.options.preemptions = parse_whole(c.preemptions, "preemptions", 0, 1000);
  request.options.max_schedules = parse_whole(c.max_schedules, "max-schedules", 1, 100'000'000);
  if (c.pct.empty() && (!c.runs.empty() || !c.seed.empty()))
    throw BadUsage(fmt::format("{} is for random exploration: add --pct DEPTH (e.g. --pct 2)", c.runs.empty() ? "--seed" : "--runs"));
  if (!c.pct.empty()) {
    if (!c.preemptions.empty() || c.no_reduction)
      throw BadUsage(fmt::format("--pct explores at random; {} is for exploring every schedule: give one or the other",
                                 c.no_reduction ? "--no-reduction" : "--preemptions"));
    request.pct = control::PctOptions{.depth = parse_whole(c.pct, "pct", 1, 10),
                                      .runs = c.runs.empty() ? 1000 : parse_whole(c.runs, "runs", 1, 10'000'000),
                                      .seed = c.seed.empty() ? 1 : parse_seed(c.seed, "--seed")};
  }
  const OutputFile json(c.json_path, "--json", true);
  setup_output(common_of(c), json.to_stdout());
  const ExploreReport report = explore_example(e, request);
  print_explore(report);
  if (json.given()) json.write(explore_to_json(report).dump(2) + "\n");
  return report.ok ? kOk : kCheckFailed;
}

// The thread numbers in `text`, separated by commas or white space ("1,1 2"); BadUsage
// naming `source` when one is not a number.
std::vector<int> schedule_from(std::string text, std::string_view source) {
  std::replace_if(text.begin(), text.end(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) != 0; }, ',');
  std::string tidy;
  for (const char ch : text)
    if (ch != ',' || (!tidy.empty() && tidy.back() != ',')) tidy += ch;
  while (!tidy.empty() && tidy.back() == ',') tidy.pop_back();
  if (tidy.empty()) return {};
  try {
    return control::parse_schedule(tidy);
  } catch (const std::invalid_argument& e) {
    throw BadUsage(fmt::format("{}: {}", source, e.what()));
  }
}

int step_command(const Example& e, const std::map<std::string, std::string>& given, const ControlArgs& c) {
  const nlohmann::json params = controlled_params(e, given_values(e, given));
  check_variants(e, c.variants);
  if (c.variants.size() > 1) throw BadUsage("--variant: step runs one variant at a time; give it once");
  const Variant* variant = nullptr;
  for (const Variant& v : e.variants)
    if ((c.variants.empty() && (!v.enabled || v.enabled(params))) || (!c.variants.empty() && v.name == c.variants[0])) {
      variant = &v;
      break;
    }
  if (variant == nullptr) throw BadUsage(fmt::format("{} has no variant to run with these options", e.name));
  std::vector<int> schedule;
  const bool interactive = c.schedule.empty() && ::isatty(0) == 1 && ::isatty(1) == 1;
  if (interactive) {
    if (!c.json_path.empty() || !c.trace_path.empty())
      throw BadUsage("--json and --trace record a replay: give --schedule too (step prints the schedule when you quit)");
    const std::optional<std::string> chosen = step_interactively(e, params, *variant, !c.no_color);
    if (!chosen) return kOk;
    std::cout << fmt::format("schedule: {}\nreplay it: concur step {}{} --schedule {}\n", *chosen, e.name,
                             c.variants.empty() ? "" : " --variant " + variant->name, *chosen);
    return kOk;
  }
  if (!c.schedule.empty()) {
    schedule = schedule_from(c.schedule, "--schedule");
  } else if (::isatty(0) == 1) {  // keys from a terminal, but nowhere to draw the screen
    throw BadUsage("step chooses at a terminal: run it with its output on the terminal, or give the schedule "
                   "(--schedule 1,2,1,2, or on standard input)");
  } else {  // piped: the schedule comes on standard input
    std::ostringstream in;
    in << std::cin.rdbuf();
    schedule = schedule_from(in.str(), "the schedule on standard input");
  }
  if (const std::string why = try_schedule(e, params, *variant, schedule); !why.empty())
    throw BadUsage(fmt::format("--schedule {}: {}", c.schedule.empty() ? "(standard input)" : c.schedule, why));
  Outputs outputs;
  outputs.json.emplace(c.json_path, "--json", true);
  outputs.trace.emplace(c.trace_path, "--trace", false);
  OutputFile::refuse_shared({&*outputs.json, &*outputs.trace});
  setup_output(common_of(c), outputs.json_on_stdout());
  RunOptions options;
  options.params = params;
  options.variants = {variant->name};
  options.timeline = timeline_mode(common_of(c));
  options.chooser = control::replay(schedule);
  return run_one(e, options, outputs);
}

int dispatch(int argc, char** argv, const Catalogue& cat) {
  if (argc >= 2 && std::string_view(argv[1]) == "help") {
    std::cout << short_help(cat);
    return kOk;
  }

  CLI::App app{"concur: the concurrency course's examples as runnable, measurable C++ programs", "concur"};
  // Set first, so every command added below inherits it: help wrapped to the terminal.
  app.formatter(std::make_shared<WrappingFormatter>(terminal_width(1)));
  app.set_version_flag("--version", std::string(version()));
  app.require_subcommand(0, 1);
  app.footer(common_options_help(terminal_width(1)) + "\nRun 'concur' alone for the examples by lecture.\n");

  // Every command the line can choose, with what it does: the built-in ones, then one per
  // example (by its name, id and aliases) and each example's own commands.
  std::map<const CLI::App*, std::function<int(CLI::App&)>> handler;
  BuiltinArgs args;
  const std::vector<Builtin> table = builtins(cat, args, app);
  for (const Builtin& b : table) {
    CLI::App* sub = app.add_subcommand(b.name, b.help);
    sub->footer("");  // not the root's list of the examples' options: a built-in takes its own
    b.declare(*sub);
    handler[sub] = b.run;
  }
  Common common;
  std::map<std::string, std::map<std::string, std::string>> given;  // example or command -> option -> text
  std::map<std::string, std::string> argument_of;                     // command id -> its positional argument
  for (const Example& e : cat.examples()) {
    auto* sub = app.add_subcommand(e.name, fmt::format("{} {}: {}", e.id, e.title, e.summary));
    sub->alias(e.id);
    for (const std::string& a : e.aliases) sub->alias(a);
    sub->group(lecture_heading(e.lecture));
    add_params(*sub, e.params, given[e.name], "Options of " + e.name);
    add_common(*sub, common);
    handler[sub] = [&, ex = &e](CLI::App&) { return run_example_command(*ex, given[ex->name], common); };
    // Commands of their own (remote-manager serve/put/get), by name under the example
    // and by id at the top (hidden from the list: `concur NAME --help` shows them).
    for (const Command& cmd : e.commands) {
      for (CLI::App* parent : {sub, &app}) {
        CLI::App* c = parent == sub ? sub->add_subcommand(cmd.name, fmt::format("{} {}", cmd.id, cmd.help))
                                    : app.add_subcommand(cmd.id, cmd.help)->group("");
        add_params(*c, cmd.params, given[cmd.id], "Options");
        if (!cmd.argument.empty()) c->add_option(cmd.argument, argument_of[cmd.id], cmd.argument)->required();
        handler[c] = [&, command = &cmd](CLI::App&) { return run_command(*command, given[command->id], argument_of[command->id]); };
      }
    }
    if (!e.commands.empty()) sub->require_subcommand(0, 1);
  }

  // explore and step: a command of their own per example that can run controlled.
  ControlArgs control_args;
  std::vector<std::string> can_control;
  for (const Example& e : cat.examples())
    if (e.controlled) can_control.push_back(e.name);
  const std::string takes = fmt::format("{}", fmt::join(can_control, ", "));
  for (const bool explore : {true, false}) {
    CLI::App* top =
        explore ? app.add_subcommand("explore", "run every schedule of a small configuration: outcomes, deadlocks, broken claims")
                : app.add_subcommand("step", "be the scheduler: choose which thread takes the next step (--schedule replays)");
    top->footer(fmt::format("\nIt takes: {}. Example: concur {} race{}", takes, top->get_name(),
                            explore ? " --threads 3" : " --schedule 1,2,1,2,2,1,2,1"));
    handler[top] = [top, takes](CLI::App&) -> int {
      throw BadUsage(fmt::format("say which example: concur {} race (it takes {})", top->get_name(), takes));
    };
    for (const Example& e : cat.examples()) {
      if (!e.controlled) continue;
      CLI::App* x = top->add_subcommand(e.name, fmt::format("{} {}", e.id, e.title));
      x->alias(e.id);
      for (const std::string& a : e.aliases) x->alias(a);
      std::map<std::string, std::string>& mine = given[top->get_name() + " " + e.name];
      add_params(*x, e.params, mine, "Options of " + e.name);
      for (const auto& [key, value] : e.controlled->small.items())
        if (CLI::Option* o = x->get_option_no_throw("--" + key)) o->default_str(value.dump());
      add_control_options(*x, control_args, explore);
      handler[x] = [&, ex = &e, explore, key = top->get_name() + " " + e.name](CLI::App&) {
        return explore ? explore_command(*ex, given[key], control_args) : step_command(*ex, given[key], control_args);
      };
    }
  }
  if (argc >= 3 && (std::string_view(argv[1]) == "explore" || std::string_view(argv[1]) == "step") && argv[2][0] != '-') {
    const Example& e = find_or_explain(cat, argv[2]);
    if (!e.controlled) throw BadUsage(why_not_controlled(e, cat.examples()));
  }

  // An unknown first word gets a suggestion before CLI11 calls it an extra argument.
  if (argc >= 2 && argv[1][0] != '-') {
    try {
      app.get_subcommand(argv[1]);  // a command, an example's name, id or alias
    } catch (const CLI::OptionNotFound&) {
      find_or_explain(cat, argv[1]);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    refuse_values_of_switches(chosen_chain(app), argc, argv);
    throw BadUsage(explain_extras(app, argc, argv));
  } catch (const CLI::ParseError& e) {
    refuse_values_of_switches(chosen_chain(app), argc, argv);
    refuse_repeated_options(chosen_chain(app), argc, argv);
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    throw BadUsage(what + " (see 'concur --help')");
  }

  const std::vector<CLI::App*> chain = chosen_chain(app);
  refuse_values_of_switches(chain, argc, argv);
  refuse_empty_values(chain);
  if (chain.size() == 1) {
    std::cout << short_help(cat);
    return kOk;
  }
  // The innermost command chosen: remote-manager's put, not remote-manager.
  CLI::App& chosen = *chain.back();
  return handler.at(&chosen)(chosen);
}

}  // namespace

int main(int argc, char** argv, const Catalogue& catalogue) {
  set_command_line(std::vector<std::string>(argv, argv + argc));
  try {
    return dispatch(argc, argv, catalogue);
  } catch (const BadUsage& e) {  // bad usage: one line on stderr, exit 2, nothing run
    std::cerr << "concur: " << e.what() << "\n";
    return kUsage;
  } catch (const OutputLost& e) {  // the run happened, its report did not reach its file
    std::cerr << "concur: " << e.what() << "\n";
    return kCheckFailed;
  }
}

}  // namespace concur::cli
