// concur::Console: the narration line's form, --quiet, colour and when it is wanted, and
// lines from many threads that never interleave. Output is captured through a pipe.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <concur/core/console.hpp>
#include <concur/threads/thread.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

using concur::Console;
using concur::Style;
using ::testing::MatchesRegex;

// A narration line up to the actor column: "    +12.345 ms  " (POSIX extended regex).
const std::string kStamp = R"( {2,}\+[0-9]+\.[0-9]{3} ms  )";

// Points the console at a pipe until finish() (or destruction), then restores it. A
// reader thread drains the pipe, so writers never block on a full one.
class Capture {
 public:
  Capture(bool color, bool narrate)
      : saved_fd_(Console::get().fd()),
        saved_color_(Console::get().color()),
        saved_narrate_(Console::get().narrating()) {
    if (::pipe2(fds_, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
    reader_ = std::thread([this] {
      char buf[4096];
      for (;;) {
        const ssize_t n = ::read(fds_[0], buf, sizeof buf);
        if (n > 0) {
          out_.append(buf, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
          continue;
        } else {
          return;  // end of file: the write end is closed
        }
      }
    });
    Console::get().configure(fds_[1], color, narrate);
  }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  ~Capture() { finish(); }

  // Everything written so far; the console writes to where it did before again.
  std::string finish() {
    if (reader_.joinable()) {
      Console::get().configure(saved_fd_, saved_color_, saved_narrate_);
      ::close(fds_[1]);
      reader_.join();
      ::close(fds_[0]);
    }
    return out_;
  }

 private:
  int saved_fd_;
  bool saved_color_;
  bool saved_narrate_;
  int fds_[2] = {-1, -1};
  std::thread reader_;
  std::string out_;  // written by reader_ until it is joined
};

// Sets (or, given nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Console, StartsOnStdoutAndConfigureRestores) {
  EXPECT_EQ(Console::get().fd(), 1);
  {
    Capture cap(true, false);
    EXPECT_NE(Console::get().fd(), 1);
    EXPECT_TRUE(Console::get().color());
    EXPECT_FALSE(Console::get().narrating());
  }
  EXPECT_EQ(Console::get().fd(), 1);
  EXPECT_FALSE(Console::get().color());
  EXPECT_TRUE(Console::get().narrating());
}

TEST(Console, SayWritesATimestampedLineForTheCallingThread) {
  Capture cap(false, true);
  concur::say("hello {}", "world");
  const std::string out = cap.finish();
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  ASSERT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "one line";
  EXPECT_THAT(out.substr(0, out.size() - 1), MatchesRegex(kStamp + "MainThread  hello world"));
}

TEST(Console, ActorNamesArePaddedToOneColumn) {
  Capture cap(false, true);
  concur::Thread worker([] { concur::say("acquired the semaphore ({}/{} in use)", 3, 3); }, "Worker-2");
  worker.start();
  worker.join();
  Console::get().event("A-much-longer-name", "text");
  const std::vector<std::string> lines = split_lines(cap.finish());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], MatchesRegex(kStamp + R"(Worker-2    acquired the semaphore \(3/3 in use\))"));
  // A name longer than the column is kept whole, followed by one space.
  EXPECT_THAT(lines[1], MatchesRegex(kStamp + "A-much-longer-name text"));
}

TEST(Console, QuietDropsEventLinesButLineStillPrints) {
  Capture cap(false, false);
  concur::say("dropped");
  Console::get().event("Worker-1", "dropped too");
  Console::get().line("summary line");
  Console::get().line();
  EXPECT_EQ(cap.finish(), "summary line\n\n");
}

TEST(Console, LineIsTheTextAndANewline) {
  Capture cap(false, true);
  Console::get().line("plain text");
  EXPECT_EQ(cap.finish(), "plain text\n");
}

TEST(Console, PaintReturnsTheTextUnchangedWhenColourIsOff) {
  Capture cap(false, true);
  for (Style s : {Style::plain, Style::dim, Style::bold, Style::red, Style::green, Style::cyan})
    EXPECT_EQ(Console::get().paint("text", s), "text");
}

TEST(Console, PaintWrapsTheTextInEscapesWhenColourIsOn) {
  Capture cap(true, true);
  const std::string red = Console::get().paint("text", Style::red);
  EXPECT_EQ(red.rfind("\x1b[", 0), 0u) << red;
  EXPECT_NE(red.find("text"), std::string::npos);
  EXPECT_EQ(red.substr(red.size() - 4), "\x1b[0m");
  EXPECT_NE(red, Console::get().paint("text", Style::green));
  EXPECT_EQ(Console::get().paint("text", Style::plain), "text");
}

TEST(Console, EventLinesAreColouredWhenColourIsOn) {
  Capture cap(true, true);
  concur::say("coloured");
  EXPECT_NE(cap.finish().find('\x1b'), std::string::npos);
}

TEST(Console, ActorStyleIsStablePerName) {
  const Console& con = Console::get();
  EXPECT_EQ(con.actor_style("Worker-2"), con.actor_style("Worker-2"));
  EXPECT_EQ(con.actor_style("MainThread"), Style::bold);
}

TEST(Console, ColorWantedIsFalseWhenNoColorIsSet) {
  ScopedEnv no_color("NO_COLOR", "1");
  EXPECT_FALSE(Console::color_wanted(1, false));
  EXPECT_FALSE(Console::color_wanted(2, false));
  ScopedEnv empty("NO_COLOR", "");  // set to anything, the empty string included
  EXPECT_FALSE(Console::color_wanted(1, false));
}

TEST(Console, ColorWantedIsFalseForAPipe) {
  ScopedEnv no_color("NO_COLOR", std::nullopt);
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  EXPECT_FALSE(Console::color_wanted(fds[1], false));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(Console, ColorWantedOnATerminalUnlessTurnedOff) {
  ScopedEnv no_color("NO_COLOR", std::nullopt);
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) GTEST_SKIP() << "no pseudo-terminal available";
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const int terminal = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(terminal, 0);
  EXPECT_TRUE(Console::color_wanted(terminal, false));
  EXPECT_FALSE(Console::color_wanted(terminal, true));  // --no-color
  {
    ScopedEnv set("NO_COLOR", "1");
    EXPECT_FALSE(Console::color_wanted(terminal, false));
  }
  ::close(terminal);
  ::close(master);
}

TEST(Console, LinesFromManyThreadsNeverInterleave) {
  constexpr int kThreads = 4;
  constexpr int kLines = 60;
  // Some lines are longer than PIPE_BUF, which one write(2) to a pipe may split.
  auto length = [](int i) { return i % 10 == 0 ? 6000 : 40 + i; };

  Capture cap(false, true);
  std::deque<concur::Thread> writers;
  for (int w = 1; w <= kThreads; ++w)
    writers.emplace_back(
        [&] {
          for (int i = 0; i < kLines; ++i)
            concur::say("{} line {} {}", concur::current_thread().name(), i,
                        std::string(static_cast<std::size_t>(length(i)), 'x'));
        },
        "Writer-" + std::to_string(w));
  for (auto& t : writers) t.start();
  for (auto& t : writers) t.join();
  const std::string out = cap.finish();

  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  std::map<std::string, int> next;  // per writer, the line number expected next
  double last_ms = 0;
  int count = 0;
  for (const std::string& line : split_lines(out)) {
    // The form of everything before the run of x's, then its fields one by one.
    const std::size_t xs_at = line.find_last_not_of('x') + 1;
    ASSERT_THAT(line.substr(0, xs_at), MatchesRegex(kStamp + "Writer-[0-9] +Writer-[0-9] line [0-9]+ "))
        << "a broken line";
    ++count;
    std::istringstream fields(line.substr(0, xs_at));
    std::string stamp, ms_unit, actor, writer, word;
    int i = -1;
    fields >> stamp >> ms_unit >> actor >> writer >> word >> i;
    EXPECT_EQ(actor, writer) << "the actor column and the text disagree";
    EXPECT_EQ(i, next[actor]) << actor << "'s lines out of order";
    next[actor] = i + 1;
    EXPECT_EQ(line.size() - xs_at, static_cast<std::size_t>(length(i)));
    const double ms = std::stod(stamp.substr(1));
    EXPECT_GE(ms, last_ms) << "timestamps go back";  // stamped under the write lock
    last_ms = ms;
  }
  EXPECT_EQ(count, kThreads * kLines);
  EXPECT_EQ(next.size(), std::size_t{kThreads});
  for (const auto& [writer, n] : next) EXPECT_EQ(n, kLines) << writer;
}

}  // namespace
