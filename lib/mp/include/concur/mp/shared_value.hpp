// concur/mp/shared_value.hpp - Value<T> and Array<T>: typed data in shared memory.
//
// Play the roles of multiprocessing.Value and Array (and of sharedctypes, since T may be
// any trivially copyable struct). Each lives in its own SharedMemory block, so every
// process that has it reads and writes the same bytes.
//
//     concur::mp::Value<long long> counter(0);           // Value('q', 0): with an RLock
//     counter.set(counter.get() + 1);                    // NOT safe: two steps, each locked
//     { std::lock_guard hold(counter.get_lock());        // safe: one step under the lock
//       counter.set(counter.get() + 1); }
//
//     struct Point { double x, y; };
//     concur::mp::Array<Point> points({{1, 2}, {3, 4}});  // sharedctypes: a struct array
//
// With a lock (the default, Locking::rlock), get() and set() each take the object's RLock,
// as Python's synchronized wrapper does: a single read or write is never torn, but a
// read-then-write is still two steps. Hold get_lock() around both, as in Python's
// `with counter.get_lock():`; it is recursive, so get()/set() inside still work.
//
// Locking::none leaves the lock out (Python's lock=False). In C++ two processes touching
// the same plain bytes at once is a data race, which is undefined behaviour, so here
// "no lock" means relaxed atomic loads and stores: each read and write is whole and well
// defined, and a read-then-write still loses updates, honestly. It needs a T the CPU can
// load and store in one instruction (up to 8 bytes). For integers, fetch_add() is the
// lock-free way to add without losing anything.
//
// Passing one to a spawn or forkserver child: list fileno() in Target::fds and call
// Value<T>::adopt() in the entry, with the same T (a different size is refused).
//
// Memory ordering: with a lock, a set() is visible to every get() that takes the lock
// after it; with Locking::none, loads and stores are relaxed atomics, whole but
// unordered with anything else (synchronise some other way before relying on them).
#pragma once

#include <atomic>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "concur/core/jitter.hpp"
#include "concur/mp/shared_memory.hpp"
#include "concur/mp/synchronize.hpp"

namespace concur::mp {

enum class Locking { rlock, none };

namespace shared_detail {

template <typename T>
constexpr bool lock_free = std::atomic_ref<T>::is_always_lock_free;

template <typename T>
constexpr std::size_t slot_align = std::max(alignof(T), std::atomic_ref<T>::required_alignment);

// The block's cell: the lock, whether it is used, and how many Ts follow the cell.
struct alignas(64) Cell {
  detail::MutexCell lock{true};
  bool locked = true;
  std::size_t length = 0;
};

// What the shared parts of Value and Array have in common.
template <typename T>
class Slots {
  static_assert(std::is_trivially_copyable_v<T>, "shared memory holds trivially copyable types only");
  static_assert(slot_align<T> <= 64);

 public:
  RLock& get_lock() {
    if (!has_lock()) throw std::logic_error(fmt::format("'{}' was made with Locking::none: it has no lock", placed_.name));
    return lock_;
  }
  bool has_lock() const { return placed_.cell->locked; }
  int fileno() const noexcept { return placed_.block->fileno(); }
  const std::string& name() const noexcept { return placed_.name; }

 protected:
  static std::string kind(std::string_view what) { return fmt::format("{} of {} bytes", what, sizeof(T)); }
  static constexpr std::size_t stride() { return (sizeof(T) + slot_align<T> - 1) / slot_align<T> * slot_align<T>; }

  Slots(std::string_view what, std::string_view name, std::size_t n, Locking locking)
      : Slots(detail::create_placed<Cell>(kind(what), name, n * stride())) {
    placed_.cell->length = n;
    placed_.cell->locked = locking == Locking::rlock;
    if (locking == Locking::none && !lock_free<T>)
      throw std::invalid_argument(fmt::format("'{}': Locking::none needs a type of at most 8 bytes", name));
  }
  explicit Slots(detail::Placed<Cell> placed)
      : placed_(std::move(placed)),
        lock_(detail::Placed<detail::MutexCell>{placed_.block, &placed_.cell->lock, placed_.name}, true) {}
  static detail::Placed<Cell> adopt_cell(detail::Fd fd, std::string_view what) {
    return detail::adopt_placed<Cell>(std::move(fd), kind(what));
  }

  std::size_t length() const { return placed_.cell->length; }
  T* slot(std::size_t i) const { return reinterpret_cast<T*>(placed_.extra() + i * stride()); }

  T load(std::size_t i) {
    jitter::point();
    if (has_lock()) {
      std::lock_guard hold(lock_);
      return *slot(i);
    }
    if constexpr (lock_free<T>) return std::atomic_ref<T>(*slot(i)).load(std::memory_order_relaxed);
    throw std::logic_error("unreachable: a type that is not lock-free always has a lock");
  }
  void store(std::size_t i, const T& value) {
    jitter::point();
    if (has_lock()) {
      std::lock_guard hold(lock_);
      *slot(i) = value;
      return;
    }
    if constexpr (lock_free<T>) std::atomic_ref<T>(*slot(i)).store(value, std::memory_order_relaxed);
  }
  T add(std::size_t i, T delta) {
    if (has_lock()) {
      std::lock_guard hold(lock_);
      const T old = *slot(i);
      *slot(i) = static_cast<T>(old + delta);
      return old;
    }
    if constexpr (lock_free<T> && std::is_integral_v<T>)
      return std::atomic_ref<T>(*slot(i)).fetch_add(delta, std::memory_order_relaxed);
    throw std::logic_error("unreachable");
  }

  detail::Placed<Cell> placed_;
  RLock lock_;
};

}  // namespace shared_detail

template <typename T>
class Value : public shared_detail::Slots<T> {
  using Base = shared_detail::Slots<T>;

 public:
  explicit Value(T initial = T{}, Locking locking = Locking::rlock, std::string_view name = "value")
      : Base("Value", name, 1, locking) {
    new (this->slot(0)) T(initial);  // before any other process can see it
  }
  // The Value a parent handed to this process.
  static Value adopt(detail::Fd fd) { return Value(Base::adopt_cell(std::move(fd), "Value")); }

  // Python's `.value`, read and written (each under the lock, when there is one).
  T get() { return this->load(0); }
  void set(const T& value) { this->store(0, value); }
  // Adds delta in one indivisible step (under the lock, or as one atomic instruction) and
  // returns the value before.
  T fetch_add(T delta) requires std::is_arithmetic_v<T> { return this->add(0, delta); }

 private:
  explicit Value(detail::Placed<shared_detail::Cell> placed) : Base(std::move(placed)) {}
};

template <typename T>
class Array : public shared_detail::Slots<T> {
  using Base = shared_detail::Slots<T>;

 public:
  // `size` zero-initialised elements, or a copy of `values` (Python's size_or_initializer).
  explicit Array(std::size_t size, Locking locking = Locking::rlock, std::string_view name = "array")
      : Base("Array", name, size, locking) {
    for (std::size_t i = 0; i < size; ++i) new (this->slot(i)) T{};
  }
  Array(std::initializer_list<T> values, Locking locking = Locking::rlock, std::string_view name = "array")
      : Array(std::vector<T>(values), locking, name) {}
  explicit Array(const std::vector<T>& values, Locking locking = Locking::rlock, std::string_view name = "array")
      : Base("Array", name, values.size(), locking) {
    for (std::size_t i = 0; i < values.size(); ++i) new (this->slot(i)) T(values[i]);
  }
  static Array adopt(detail::Fd fd) { return Array(Base::adopt_cell(std::move(fd), "Array")); }

  std::size_t size() const { return this->length(); }
  // One element; std::out_of_range past the end.
  T get(std::size_t i) { return this->load(check(i)); }
  void set(std::size_t i, const T& value) { this->store(check(i), value); }
  T fetch_add(std::size_t i, T delta) requires std::is_arithmetic_v<T> { return this->add(check(i), delta); }
  // Every element, read under the lock as one snapshot (Python's arr[:]).
  std::vector<T> to_vector() {
    std::vector<T> out;
    out.reserve(size());
    std::optional<std::lock_guard<RLock>> hold;
    if (this->has_lock()) hold.emplace(this->lock_);
    for (std::size_t i = 0; i < size(); ++i) out.push_back(this->load(i));
    return out;
  }

 private:
  explicit Array(detail::Placed<shared_detail::Cell> placed) : Base(std::move(placed)) {}
  std::size_t check(std::size_t i) const {
    if (i >= size()) throw std::out_of_range(fmt::format("'{}': index {} out of range (size {})", this->name(), i, size()));
    return i;
  }
};

}  // namespace concur::mp
