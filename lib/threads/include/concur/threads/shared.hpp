// concur/threads/shared.hpp - a value threads share, whose reads and writes are steps.
//
// The race of 10.4 is "read the counter, then write it back plus one", done by two threads
// at once. Shared<T> holds such a value. Each load() and store() is a visible step of a
// controlled run (control.hpp): the scheduler may let another thread in between any two,
// which is exactly where a lost update comes from. Outside a controlled run they are
// relaxed atomic loads and stores: well defined when threads use them at once (a plain
// long written by two threads would be a data race, undefined behaviour), and still two
// separate steps, so updates are lost honestly.
//
//     concur::Shared<long> counter("counter");
//     const long seen = counter.load();   // read ...
//     counter.store(seen + 1);            // ... then write
//
// Memory ordering: relaxed. A Shared value orders nothing else; use a lock or an Event to
// publish other data.
#pragma once

#include <atomic>
#include <string>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "concur/threads/control.hpp"

namespace concur {

template <class T>
class Shared {
  static_assert(std::is_trivially_copyable_v<T>, "Shared<T> holds a value that fits a std::atomic");

 public:
  explicit Shared(std::string name, T initial = T{}) : value_(initial), name_(std::move(name)) {
    if (control::active())  // `concur step` shows it
      control::watch(this, name_, [this] { return fmt::format("{}", value_.load(std::memory_order_relaxed)); });
  }
  ~Shared() {
    if (control::active()) control::unwatch(this);
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  // Reads it: a step "read NAME → VALUE".
  T load() const {
    if (control::active())
      control::point(control::Op::read, this, "read " + name_, {},
                     [this] { return fmt::format(" → {}", value_.load(std::memory_order_relaxed)); });
    return value_.load(std::memory_order_relaxed);
  }
  // Writes it: a step "write NAME = VALUE".
  void store(T value) {
    if (control::active()) control::point(control::Op::write, this, fmt::format("write {} = {}", name_, value));
    value_.store(value, std::memory_order_relaxed);
  }
  // Adds `delta` in one indivisible step, "add 1 to NAME → VALUE", and returns the value
  // before. Nothing can come between its read and its write: the atomic fix of the race.
  T fetch_add(T delta) {
    if (control::active())
      control::point(control::Op::write, this, fmt::format("add {} to {}", delta, name_), {},
                     [this, delta] { return fmt::format(" → {}", value_.load(std::memory_order_relaxed) + delta); });
    return value_.fetch_add(delta, std::memory_order_relaxed);
  }
  // Sets it outside any step (before the threads start, or after they are joined).
  void reset(T value) { value_.store(value, std::memory_order_relaxed); }
  // Reads it outside any step.
  T peek() const { return value_.load(std::memory_order_relaxed); }

  const std::string& name() const { return name_; }

 private:
  std::atomic<T> value_;
  std::string name_;
};

}  // namespace concur
