// concur/threads/event.hpp - a flag threads can wait for.
//
// Plays the role of Python's threading.Event. C++ has the parts (a mutex, a condition
// variable, a bool) but not the type. set() raises the flag and wakes every waiter;
// clear() lowers it; wait() blocks while it is down.
//
// While a run is recorded, set() and clear() are instants and a wait that blocks is a
// "waiting for <name>" span. A concur::Thread asked to stop while it waits (its owner is
// unwinding after an error, or it is a daemon cut off) does not stay blocked: the wait
// throws concur::ThreadStopped, which ends the thread quietly.
//
// Memory ordering: everything a thread wrote before set() is visible to a thread whose
// wait() returned true (or that saw is_set() true).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "concur/core/console.hpp"

namespace concur {

class Event {
 public:
  explicit Event(std::string_view name = "event");
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Raises the flag and wakes every thread waiting. Never blocks for long. `saying`
  // (concur::says) is written under the event's lock just before the flag goes up, so
  // a waiter's line written after its wait() returned always comes after it.
  void set(const Saying& saying = {});
  // Lowers the flag; later wait() calls block again.
  void clear();
  bool is_set() const;

  // Blocks until the flag is raised, or at most `timeout_s` seconds. Returns the flag:
  // true once set, false when the timeout passed first. Spurious wake-ups are absorbed.
  bool wait(std::optional<double> timeout_s = std::nullopt);

  const std::string& name() const { return name_; }

 private:
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  bool flag_ = false;  // guarded by mu_
  std::string name_;
  std::uint32_t waiting_label_;
  std::uint32_t set_label_;
  std::uint32_t clear_label_;
};

}  // namespace concur
