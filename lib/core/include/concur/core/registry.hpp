// concur/core/registry.hpp - things registered by name: what a child process runs
// (CONCUR_ENTRY), what a pool worker runs (CONCUR_TASK), what a manager serves
// (CONCUR_MANAGED).
//
// Registration usually happens from static initialisers, before main(), in whatever order
// the linker chose; so a registry is reached through a function-local static (made on
// first use) rather than being a global of its own:
//
//     Registry<Task>& tasks() { static Registry<Task> all; return all; }
//
// Thread-safe: every access takes the registry's mutex. Entries are never removed, and a
// std::map's nodes never move, so find()'s pointer stays valid; registering the same name
// again replaces the value (do that before other threads look it up).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace concur {

template <typename T>
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  void add(std::string name, T value) {
    std::lock_guard guard(mu_);
    entries_[std::move(name)] = std::move(value);
  }

  // For names a program must never register twice with different values (CONCUR_ENTRY,
  // CONCUR_TASK): another value under the name stops the program at start-up, saying so
  // (`macro` names the registration), rather than letting the later one silently win.
  void add_unique(std::string name, T value, const char* macro) {
    std::lock_guard guard(mu_);
    auto it = entries_.find(name);
    if (it != entries_.end() && !(it->second == value)) {
      std::fprintf(stderr, "concur: two different functions are registered as %s(%s): rename one\n", macro,
                   name.c_str());
      std::abort();
    }
    entries_[std::move(name)] = std::move(value);
  }

  // The value registered under `name`, or nullptr.
  const T* find(std::string_view name) const {
    std::lock_guard guard(mu_);
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }

  // A copy of it (for small values such as function pointers), or nullopt.
  std::optional<T> get(std::string_view name) const {
    std::lock_guard guard(mu_);
    auto it = entries_.find(name);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, T, std::less<>> entries_;  // guarded by mu_
};

}  // namespace concur
