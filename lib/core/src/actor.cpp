#include "concur/core/actor.hpp"

#include <dirent.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <optional>

namespace concur {
namespace {

thread_local std::optional<std::string> t_actor;
thread_local const std::string* t_override = nullptr;
std::atomic<int> g_dummy_count{0};
std::atomic<int> g_thread_count{0};

}  // namespace

// Not cached: after fork() the child's thread has a new id but inherits the parent's
// thread-locals.
long current_native_id() noexcept { return static_cast<long>(::syscall(SYS_gettid)); }

const std::string& current_actor() { return t_override != nullptr ? *t_override : current_thread_actor(); }

const std::string* override_actor(const std::string* name) noexcept {
  const std::string* before = t_override;
  t_override = name;
  return before;
}

bool on_main_thread() noexcept { return current_native_id() == static_cast<long>(::getpid()); }

int process_thread_count() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

const std::string& current_thread_actor() {
  if (!t_actor) {
    if (on_main_thread())
      t_actor = "MainThread";
    else
      t_actor = "Dummy-" + std::to_string(g_dummy_count.fetch_add(1) + 1);
  }
  return *t_actor;
}

std::string next_thread_name(std::string_view prefix) {
  return std::string(prefix) + "-" + std::to_string(g_thread_count.fetch_add(1) + 1);
}

void reset_thread_names() noexcept { g_thread_count.store(0); }

void set_current_actor(std::string name) {
  // The kernel keeps at most 15 characters; the full name stays in t_actor.
  const std::string short_name = name.substr(0, 15);
  ::pthread_setname_np(::pthread_self(), short_name.c_str());
  t_actor = std::move(name);
}

std::uintptr_t this_thread_key() noexcept {
  thread_local char marker;
  return reinterpret_cast<std::uintptr_t>(&marker);
}

}  // namespace concur
