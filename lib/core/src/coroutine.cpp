#include "concur/core/coroutine.hpp"

#include "concur/core/actor.hpp"
#include "concur/core/clock.hpp"
#include "concur/core/timeline.hpp"
#include "track_slot.hpp"

namespace concur {
namespace {

thread_local Coroutine* t_current = nullptr;

std::uint32_t suspended_label() {
  static const std::uint32_t label = Recorder::intern("suspended");
  return label;
}

}  // namespace

Coroutine::Coroutine(std::string name)
    : name_(std::move(name)), wait_label_(suspended_label()) {}

Coroutine::~Coroutine() = default;

Coroutine* Coroutine::current() noexcept { return t_current; }

void Coroutine::will_wait_for(std::uint32_t label) noexcept {
  if (t_current != nullptr) t_current->wait_label_ = label;
}

void Coroutine::start_running(TimelineClock::Ticks now) { running_since_ = now; }

void Coroutine::stop_running(TimelineClock::Ticks now) {
  if (running_since_ != kNever && Recorder::active()) Recorder::span(SpanKind::running, running_label_, running_since_, now);
  running_since_ = kNever;
}

Coroutine::Turn::Turn(Coroutine& coroutine) : me_(coroutine), outer_(t_current) {
  const bool recording = Recorder::active();
  const TimelineClock::Ticks now = recording ? TimelineClock::now() : kNever;
  if (outer_ != nullptr) outer_->stop_running(now);  // its span resumes when this turn ends

  // Which thread this is, without a system call (gettid costs more than the rest of a turn).
  const std::uintptr_t thread = this_thread_key();
  if (me_.actor_thread_ != thread) {
    me_.actor_ = me_.name_ + "@" + current_thread_actor();
    me_.actor_thread_ = thread;
    me_.running_label_ = Recorder::intern("running on " + current_thread_actor());
  }
  if (recording && !me_.slot_) {  // made at the first turn that is recorded: most are not
    me_.slot_ = std::make_unique<detail::TrackSlot>();
    me_.slot_->coroutine_name = &me_.name_;
  }
  ++me_.turns_;
  t_current = &me_;
  outer_slot_ = detail::switch_slot(me_.slot_.get());
  outer_actor_ = override_actor(&me_.actor_);

  if (recording) {
    if (me_.suspended_at_ != kNever) Recorder::span(SpanKind::waiting, me_.wait_label_, me_.suspended_at_, now);
    me_.start_running(now);
  }
  me_.suspended_at_ = kNever;  // a turn nested in one of its own (a handler of it run inline) waits for nothing
  me_.wait_label_ = suspended_label();
}

Coroutine::Turn::~Turn() {
  const bool recording = Recorder::active();
  const TimelineClock::Ticks now = recording ? TimelineClock::now() : kNever;
  me_.stop_running(now);
  me_.suspended_at_ = now;
  override_actor(outer_actor_);
  detail::switch_slot(outer_slot_);
  t_current = outer_;
  if (outer_ != nullptr && recording) outer_->start_running(now);
}

}  // namespace concur
