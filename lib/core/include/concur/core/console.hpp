// concur/core/console.hpp - the narration: one line per event, as it happens.
//
//     +12.345 ms  Worker-2    acquired the semaphore (3/3 in use)
//
// A line is the time since the run started, the actor (the calling thread's name) and
// the text, wrapped to the terminal's width under where the text starts (on a terminal,
// or when COLUMNS is set; piped, a line stays one line for grep). Lines from many threads never interleave: each is formatted first and then
// written with a single write(2) under a lock, and that lock is re-created in a child
// after fork(), so a child never inherits it locked by a thread that does not exist
// there. Colour is used only when the stream is a terminal, NO_COLOR is unset and
// --no-color was not given.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "concur/core/actor.hpp"

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
  // The columns a line may take: the terminal's width on fd (core/text.hpp's
  // terminal_width()), found by configure(). Narration and the summary wrap to it.
  std::size_t width() const noexcept { return width_; }
  // A name that will narrate (a thread just created): the actor column widens for it now,
  // so the lines before and after it stay aligned.
  static void note_actor(std::string_view actor);
  // The errno of the first narration write that failed for another reason than a reader
  // that left (EPIPE): EFBIG over `ulimit -f`, ENOSPC on a full disk; 0 when none did.
  // The binary checks it at exit so lost output is never a silent success.
  static int write_error() noexcept;
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
  std::size_t width_ = 80;
  bool wrap_events_ = false;  // narration wrapped: on a terminal, or when COLUMNS is set
};

// Narrates as the calling thread: say("acquired the lock ({} waiting)", n).
template <typename... Args>
void say(fmt::format_string<Args...> format, Args&&... args) {
  Console& console = Console::get();
  if (!console.narrating()) return;
  console.event(current_actor(), fmt::format(format, std::forward<Args>(args)...));
}

// A narration line handed to an operation, which writes it at the moment the operation
// takes effect: just before what it does becomes visible to another actor.
//
//     queue.put(item, says("put {}", item));   // "put" is written before a get can see it
//
// Why: "put 1-1" said after put() returns can come after the consumer's "got 1-1"; the
// consumer may take the item and narrate while the producer is still on its way to
// say(). Said before put(), it would claim a put that has not happened yet (the queue
// may be full, the put may time out). Handed to the operation, the line is written at
// the one right moment, by the thread doing the operation, and only when it succeeds.
//
// Guarantee: a line written by whoever sees the effect (the getter, after its get()
// returned the item; a waiter, after its wait() returned) comes after this line, in
// this process and across processes that share the console's file: the line's write(2)
// has returned before the effect is published.
//
// The primitives that take one (concur::Queue::put, Event::set, Semaphore::release,
// mp::Queue::put, mp::Connection::send) write it inside their critical section where
// they have one, so their lines also keep the order of the operations. The trade-off:
// that write happens while the primitive's lock is held. A write to a terminal or a
// drained pipe is quick; a reader that stops reading a full pipe stalls the primitive
// with it (as it would stall every say()).
//
// Formatted at once (nothing, under --quiet), with the calling thread as the actor. An
// empty Saying (the default) says nothing.
class Saying {
 public:
  Saying() = default;
  Saying(std::string actor, std::string text) : actor_(std::move(actor)), text_(std::move(text)), some_(true) {}

  // Writes the line now (if there is one).
  void say() const {
    if (some_) Console::get().event(actor_, text_);
  }
  explicit operator bool() const noexcept { return some_; }
  const std::string& text() const noexcept { return text_; }

 private:
  std::string actor_;
  std::string text_;
  bool some_ = false;
};

// A line for an operation to say when it takes effect: q.put(x, says("put {}", x)).
template <typename... Args>
Saying says(fmt::format_string<Args...> format, Args&&... args) {
  if (!Console::get().narrating()) return {};
  return Saying(current_actor(), fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace concur
