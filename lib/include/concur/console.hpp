// concur/console.hpp - the narration: one line per event, as it happens.
//
//     +12.345 ms  Worker-2    acquired the semaphore (3/3 in use)
//
// A line is the time since the run started, the actor (the calling thread's name) and
// the text. Lines from many threads never interleave: each is formatted first and then
// written with a single write(2) under a lock, and that lock is re-created in a child
// after fork(), so a child never inherits it locked by a thread that does not exist
// there. Colour is used only when the stream is a terminal, NO_COLOR is unset and
// --no-color was not given.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "concur/actor.hpp"

namespace concur {

// Text styles for paint(); kept small on purpose.
enum class Style { plain, dim, bold, red, green, yellow, blue, magenta, cyan };

class Console {
 public:
  // The one console of the process.
  static Console& get();

  // Where lines go (1 = stdout; 2 when stdout carries JSON), whether to colour them, and
  // whether narration lines are shown (--quiet turns them off; summary lines stay).
  // Call before a run starts, not while threads narrate.
  void configure(int fd, bool color, bool narrate);

  // Decides colour the way users expect: off with --no-color, off when NO_COLOR is set
  // (to anything), otherwise on exactly when fd is a terminal.
  static bool color_wanted(int fd, bool no_color_flag);

  int fd() const noexcept { return fd_; }
  bool color() const noexcept { return color_; }
  bool narrating() const noexcept { return narrate_; }

  // A narration line for `actor`, stamped with the run clock. Dropped under --quiet.
  void event(std::string_view actor, std::string_view text);

  // A line of the summary or the header: always printed, no timestamp.
  void line(std::string_view text = {});

  // Wraps text in the style's escape codes when colour is on; otherwise returns it as is.
  std::string paint(std::string_view text, Style style) const;

  // The colour an actor's name gets: stable per name, so Worker-2 is always one colour.
  Style actor_style(std::string_view actor) const;

  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

 private:
  Console();
  void write_all(std::string_view bytes);

  int fd_ = 1;
  bool color_ = false;
  bool narrate_ = true;
};

// Narrates as the calling thread: say("acquired the lock ({} waiting)", n).
template <typename... Args>
void say(fmt::format_string<Args...> format, Args&&... args) {
  Console& console = Console::get();
  if (!console.narrating()) return;
  console.event(current_actor(), fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace concur
