#include "step_view.hpp"

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include <concur/core/console.hpp>
#include <concur/core/text.hpp>
#include <concur/harness/controlled.hpp>
#include <concur/harness/run.hpp>
#include <concur/threads/control.hpp>

namespace concur::cli {
namespace {

namespace control = concur::control;

// Writes all of `text` to the terminal; a terminal that takes nothing more ends the session.
void put(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(1, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("the terminal stopped taking output");
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The terminal in raw mode on its alternate screen, for the session's length: keys arrive
// one at a time, unechoed, and Ctrl-C is a key (quit), so the screen is always put back.
class Screen {
 public:
  Screen() {
    if (::tcgetattr(0, &before_) != 0) throw std::runtime_error("standard input is not a terminal");
    termios raw = before_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO | ISIG));
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    ::tcsetattr(0, TCSAFLUSH, &raw);
    put("\x1b[?1049h\x1b[?25l");
  }
  ~Screen() {
    try {
      put("\x1b[?25h\x1b[?1049l");
    } catch (const std::exception&) {  // nothing more can be shown; the terminal mode is still restored
    }
    ::tcsetattr(0, TCSAFLUSH, &before_);
  }
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  // The next key; 'q' at the end of input.
  static char key() {
    char ch = 0;
    for (;;) {
      const ssize_t n = ::read(0, &ch, 1);
      if (n == 1) return ch == 3 ? 'q' : ch;  // Ctrl-C quits
      if (n < 0 && errno == EINTR) continue;
      return 'q';
    }
  }

  static std::pair<int, int> size() {
    winsize ws{};
    if (::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 && ws.ws_row >= 16) return {ws.ws_col, ws.ws_row};
    return {80, 24};
  }

 private:
  termios before_{};
};

// `text` cut to `width` display columns (UTF-8 characters), with "…" when cut.
std::string fit(const std::string& text, int width) {
  if (width <= 0) return "";
  if (static_cast<int>(display_width(text)) <= width) return text;
  return text.substr(0, prefix_of_width(text, static_cast<std::size_t>(width - 1))) + "…";
}

std::string pad(const std::string& text, int width) {
  const std::string cut = fit(text, width);
  return cut + std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(display_width(cut)))), ' ');
}

enum class Ask { undo, restart, quit };

// What the student has chosen, and what the view shows of the run in progress.
struct Session {
  const Example& example;
  const nlohmann::json& params;
  const Variant& variant;
  bool color = true;
  std::vector<int> chosen;            // the schedule so far
  Ask asked = Ask::quit;              // why the last run was abandoned
  std::vector<std::string> history;   // "  3  Thread-1  write counter = 1"
  std::string news;                   // the announcement of the moment
  Style news_style = Style::yellow;
  // For spotting a lost update: per object, the step of its last write and by whom; per
  // thread and object, the step of the thread's last read and what it read.
  std::map<const void*, std::pair<std::size_t, std::string>> last_write;  // step, by whom
  std::map<std::pair<int, const void*>, std::pair<std::size_t, std::string>> last_read;
  std::map<int, std::string> thread_read;  // each thread's last read, "counter → 0": its local copy

  std::string paint(const std::string& text, Style s) const {
    if (!color || s == Style::plain) return text;
    static const std::map<Style, const char*> codes = {{Style::dim, "2"},    {Style::bold, "1"},  {Style::red, "31"},
                                                       {Style::green, "32"}, {Style::yellow, "33"}, {Style::cyan, "36"}};
    const auto it = codes.find(s);
    return it == codes.end() ? text : fmt::format("\x1b[{}m{}\x1b[0m", it->second, text);
  }

  void reset_run() {
    history.clear();
    news.clear();
    last_write.clear();
    last_read.clear();
    thread_read.clear();
  }

  // The observer: the history, each thread's local copy, and a lost update as it happens.
  void saw(const control::Step& s, const std::string& name) {
    const std::size_t n = history.size() + 1;
    history.push_back(fmt::format("{:>3}  {}  {}", n, name, s.text));
    news.clear();  // an announcement lasts until the next step
    if (s.op == control::Op::read && s.text.starts_with("read ")) {
      last_read[{s.thread, s.object}] = {n, s.text.substr(5)};
      thread_read[s.thread] = s.text.substr(5);
    }
    if (s.op == control::Op::write) {
      const auto read = last_read.find({s.thread, s.object});
      const auto wrote = last_write.find(s.object);
      // A write after this thread's read, by another thread, is overwritten now.
      if (s.text.starts_with("write ") && read != last_read.end() && wrote != last_write.end() &&
          wrote->second.first > read->second.first && wrote->second.second != name) {
        news = fmt::format("Lost update! {} read {} at step {}; {} wrote it at step {}; now {} writes back a result "
                           "computed from the old value, and {}'s update vanishes.",
                           name, read->second.second, read->second.first, wrote->second.second, wrote->second.first,
                           name, wrote->second.second);
        news_style = Style::red;
      }
      last_write[s.object] = {n, name};
    }
  }

  // One screen: who can go, what is shared, what happened, and the keys.
  void draw(const control::Choice* choice, const std::vector<std::string>& ending) const {
    const auto [width, height] = Screen::size();
    std::vector<std::string> lines;
    lines.push_back(paint(fit(fmt::format("concur step {} · {} · {} · {}", example.name, example.id, example.title,
                                          variant.name),
                              width),
                          Style::bold));
    std::string settings;
    for (const Param& p : example.params)
      if (params.contains(p.name) && !params[p.name].is_array() && !params[p.name].is_boolean())
        settings += fmt::format(" --{} {}", p.name,
                                params[p.name].is_string() ? params[p.name].get<std::string>() : params[p.name].dump());
    lines.push_back(paint(fit("settings:" + settings + fmt::format(" · schedule so far: {}", fmt::join(chosen, ",")), width),
                          Style::dim));
    lines.emplace_back();
    if (choice != nullptr) {
      // One column per thread that has not finished, MainThread only while it has a step of its own.
      std::vector<std::vector<std::string>> columns;
      for (std::size_t t = 0; t < choice->threads.size(); ++t) {
        const int number = static_cast<int>(t);
        const auto enabled = std::find_if(choice->enabled.begin(), choice->enabled.end(),
                                          [&](const control::Step& s) { return s.thread == number; });
        const auto waiting = std::find_if(choice->waiting.begin(), choice->waiting.end(),
                                          [&](const control::Step& s) { return s.thread == number; });
        if (number == 0 && enabled == choice->enabled.end()) continue;
        std::vector<std::string> col;
        if (enabled != choice->enabled.end()) {
          col.push_back(paint(fmt::format("[{}] {}", number, choice->threads[t]), Style::bold));
          col.push_back("next: " + enabled->text);
        } else if (waiting != choice->waiting.end()) {
          col.push_back(paint(fmt::format(" {}  {}", number, choice->threads[t]), Style::dim));
          std::string why = "waits: " + waiting->text;
          for (const auto& [holder, object] : choice->held)
            if (waiting->text.find(object) != std::string::npos && holder != number)
              why += fmt::format(" (held by {})", choice->threads[static_cast<std::size_t>(holder)]);
          col.push_back(why);
        } else {
          col.push_back(paint(fmt::format(" {}  {}", number, choice->threads[t]), Style::dim));
          col.push_back("done");
        }
        if (const auto r = thread_read.find(number); r != thread_read.end()) col.push_back("its copy: " + r->second);
        columns.push_back(std::move(col));
      }
      const int per_row = std::max(1, std::min<int>(static_cast<int>(columns.size()), width / 26));
      const int col_width = width / per_row;
      for (std::size_t first = 0; first < columns.size(); first += static_cast<std::size_t>(per_row)) {
        for (std::size_t row = 0; row < 3; ++row) {
          std::string line;
          for (std::size_t c = first; c < std::min(columns.size(), first + static_cast<std::size_t>(per_row)); ++c) {
            const std::string cell = row < columns[c].size() ? columns[c][row] : "";
            // The header is painted: pad on its plain width.
            const int plain = static_cast<int>(display_width(cell));
            line += (plain <= col_width - 1 ? cell + std::string(static_cast<std::size_t>(col_width - plain), ' ')
                                            : pad(cell, col_width - 1) + " ");
          }
          lines.push_back(line);
        }
      }
      lines.emplace_back();
      std::string shared = "shared:";
      for (const auto& [name, value] : choice->values) shared += fmt::format(" {} = {} ·", name, value);
      for (const auto& [holder, object] : choice->held)
        shared += fmt::format(" {} held by {} ·", object, choice->threads[static_cast<std::size_t>(holder)]);
      if (shared.ends_with(" ·")) shared.resize(shared.size() - std::string_view(" ·").size());
      else shared += " (nothing watched)";
      lines.push_back(fit(shared, width));
    }
    for (const std::string& e : ending) lines.push_back(e);
    lines.emplace_back();
    // The history fills what is left, its latest steps last.
    std::vector<std::string> tail;
    if (!news.empty())
      for (const std::string& l : split_lines(wrap(news, {.width = static_cast<std::size_t>(width)})))
        tail.push_back(paint(l, news_style));
    tail.push_back(paint(fit(choice != nullptr ? fmt::format("keys: {} run that thread · u undo · r restart · q quit",
                                                             [&] {
                                                               std::vector<int> n;
                                                               for (const control::Step& s : choice->enabled)
                                                                 n.push_back(s.thread);
                                                               return fmt::format("{}", fmt::join(n, " "));
                                                             }())
                                               : std::string("keys: u undo the last step · r restart · q quit"),
                             width),
                         Style::dim));
    const int room = height - static_cast<int>(lines.size()) - static_cast<int>(tail.size()) - 1;
    lines.push_back(paint(fmt::format("history ({}):", count_of_steps(history.size())), Style::dim));
    const std::size_t shown = static_cast<std::size_t>(std::max(0, room));
    for (std::size_t i = history.size() > shown ? history.size() - shown : 0; i < history.size(); ++i)
      lines.push_back(fit(history[i], width));
    std::string frame = "\x1b[H\x1b[2J";
    for (std::size_t i = 0; i < lines.size() && static_cast<int>(i) < height - static_cast<int>(tail.size()); ++i)
      frame += lines[i] + "\r\n";
    for (std::size_t i = 0; i < tail.size(); ++i) frame += tail[i] + (i + 1 < tail.size() ? "\r\n" : "");
    put(frame);
  }

  static std::string count_of_steps(std::size_t n) { return fmt::format("{} step{}", n, n == 1 ? "" : "s"); }

  static std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at <= text.size()) {
      const std::size_t nl = text.find('\n', at);
      out.push_back(text.substr(at, nl == std::string::npos ? std::string::npos : nl - at));
      if (nl == std::string::npos) break;
      at = nl + 1;
    }
    return out;
  }

  // The chooser: replays the steps chosen so far, then asks.
  int choose(const control::Choice& choice) {
    if (choice.depth < chosen.size()) return chosen[choice.depth];
    for (;;) {
      draw(&choice, {});
      const char k = Screen::key();
      if (k >= '0' && k <= '9') {
        const int n = k - '0';
        if (std::any_of(choice.enabled.begin(), choice.enabled.end(), [&](const control::Step& s) { return s.thread == n; })) {
          chosen.push_back(n);
          return n;
        }
        continue;  // not a thread that can go on: ignored (the keys line lists those)
      }
      if (k == 'u' && !chosen.empty()) return abandon(Ask::undo);
      if (k == 'r') return abandon(Ask::restart);
      if (k == 'q') return abandon(Ask::quit);
    }
  }

  int abandon(Ask why) {
    asked = why;
    if (why == Ask::undo) chosen.pop_back();
    if (why == Ask::restart) chosen.clear();
    throw control::Abandoned();
  }

  // The run's end: its outcome and checks, until a key says what next. False: quit.
  bool ended(const std::vector<std::string>& ending) {
    for (;;) {
      draw(nullptr, ending);
      const char k = Screen::key();
      if (k == 'u' && !chosen.empty()) {
        chosen.pop_back();
        return true;
      }
      if (k == 'r') {
        chosen.clear();
        return true;
      }
      if (k == 'q') return false;
    }
  }
};

}  // namespace

std::optional<std::string> step_interactively(const Example& example, const nlohmann::json& params, const Variant& variant,
                                              bool color) {
  Session session{example, params, variant, color};
  Console& con = Console::get();
  const bool narrate = con.narrating();
  con.configure(con.fd(), con.color(), false);  // the demo's narration would scribble over the screen
  {
    const Screen screen;
    for (;;) {
      session.reset_run();
      std::vector<std::string> ending;
      try {
        Run run(example, params, 1.0, variant.name, 0);
        {
          control::Controlled controlled([&](const control::Choice& c) { return session.choose(c); },
                                         [&](const control::Step& s, const std::string& name) { session.saw(s, name); });
          variant.body(run);
          controlled.finish();
        }
        run.finish();
        if (example.controlled)
          ending.push_back(session.paint("outcome: " + outcome_text(example.controlled->outcome, run.results()), Style::bold));
        for (const CheckResult& c : run.checks())
          if (c.tested)
            ending.push_back(session.paint(fmt::format("{} {}{}{}", c.ok ? "✓" : "✗", c.name, c.detail.empty() ? "" : ": ", c.detail),
                                           c.ok ? Style::green : c.required ? Style::red : Style::yellow));
        if (!run.explanation().empty())
          for (const std::string& l : Session::split_lines(wrap(run.explanation(), {.width = static_cast<std::size_t>(Screen::size().first)})))
            ending.push_back(l);
        if (std::any_of(run.checks().begin(), run.checks().end(), [](const CheckResult& c) { return c.tested && c.required && !c.ok; }) &&
            session.news.empty()) {
          session.news = "A check failed: see above.";
          session.news_style = Style::red;
        }
      } catch (const control::Abandoned&) {
        if (session.asked == Ask::quit) break;
        continue;
      } catch (const control::Deadlock& d) {
        session.news = std::string("Deadlock! ") + (std::string(d.what()).substr(std::string_view("deadlock: ").size())) +
                       ". No thread can take another step.";
        session.news_style = Style::red;
      } catch (const std::exception& e) {
        session.news = std::string("The run failed: ") + e.what();
        session.news_style = Style::red;
      }
      if (!session.ended(ending)) break;
    }
  }
  con.configure(con.fd(), con.color(), narrate);
  if (session.chosen.empty()) return std::nullopt;
  return fmt::format("{}", fmt::join(session.chosen, ","));
}

}  // namespace concur::cli
