// concur/core/coroutine.hpp - who a coroutine is: its name, its track, its turns.
//
// A coroutine runs in turns: a thread resumes it, it runs until its next co_await
// suspends it, and the thread goes on with something else. Many coroutines take turns on
// one thread, so the thread's name says nothing about who is speaking. A Coroutine gives
// each one an identity that its turns put on for as long as they last:
//
//     concur::Coroutine me("Task-1");
//     { concur::Coroutine::Turn turn(me);   // this thread now speaks and records as
//       say("hello"); }                     // "Task-1@MainThread", on Task-1's own track
//
// The event loop (concur/coro/loop.hpp) opens a Turn around every resumption, so a demo
// never writes one. On the timeline a coroutine's track shows each turn as a span
// "running on THREAD" and each suspension between turns as a waiting span, labelled
// with what it awaited (Coroutine::will_wait_for(); "suspended" when nobody said).
//
// Turns nest: a turn that resumes another coroutine inline pauses the outer one's
// running span while the inner one runs, so at most one coroutine per thread is shown
// running at a time. A Coroutine is used by one thread at a time (the turns of a
// coroutine never overlap); it may be resumed on different threads over its life.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "concur/core/clock.hpp"

namespace concur {

namespace detail {
struct TrackSlot;
}

class Coroutine {
 public:
  explicit Coroutine(std::string name);
  ~Coroutine();
  Coroutine(const Coroutine&) = delete;
  Coroutine& operator=(const Coroutine&) = delete;

  const std::string& name() const noexcept { return name_; }
  // Turns taken so far.
  std::uint64_t turns() const noexcept { return turns_; }

  // Labels the calling coroutine's coming suspension on the timeline ("asleep", "waiting
  // for queue"): a Recorder::intern() id. Call it just before the co_await; it applies
  // once. Does nothing outside a coroutine's turn.
  static void will_wait_for(std::uint32_t label) noexcept;

  // The coroutine whose turn the calling thread is running, or nullptr.
  static Coroutine* current() noexcept;

  // One turn: from a resumption to the next suspension.
  class Turn {
   public:
    explicit Turn(Coroutine& coroutine);
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    Coroutine& me_;
    Coroutine* outer_;            // the coroutine this turn interrupted on this thread
    detail::TrackSlot* outer_slot_;
    const std::string* outer_actor_;
  };

 private:
  void start_running(TimelineClock::Ticks now);
  void stop_running(TimelineClock::Ticks now);

  std::string name_;
  std::string actor_;            // "NAME@THREAD" for the thread of the latest turn
  std::uintptr_t actor_thread_ = 0;  // this_thread_key() of the thread actor_ names
  std::unique_ptr<detail::TrackSlot> slot_;  // its track; null until a turn is recorded
  std::uint32_t running_label_ = 0;  // "running on THREAD", interned for actor_thread_
  std::uint32_t wait_label_;
  // TimelineClock readings; kNever outside a recorded run.
  static constexpr TimelineClock::Ticks kNever{-1};
  TimelineClock::Ticks running_since_ = kNever;
  TimelineClock::Ticks suspended_at_ = kNever;
  std::uint64_t turns_ = 0;
};

}  // namespace concur
