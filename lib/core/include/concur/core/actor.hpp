// concur/core/actor.hpp - who is speaking: the name of the calling thread.
//
// The console's actor column and the timeline's track names both come from here.
// concur::Thread sets the name when it starts; the process's first thread is
// "MainThread" and any other thread not started by concur is "Dummy-N", the names
// Python's threading module uses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace concur {

// The calling thread's actor name. Never blocks after the first call on a thread. While
// the thread runs a coroutine's turn (core/coroutine.hpp), the coroutine's name with the
// thread's: "Task-1@MainThread".
const std::string& current_actor();
// The calling thread's own name, even during a coroutine's turn.
const std::string& current_thread_actor();
// Makes current_actor() return `*name` on the calling thread (nullptr: its own name
// again) and returns what it returned before; `*name` must outlive the override.
const std::string* override_actor(const std::string* name) noexcept;

// Names the calling thread (also visible in gdb and top, cut to 15 characters).
void set_current_actor(std::string name);

// The next default thread name, "Thread-1", "Thread-2", ... (numbered per run).
std::string next_thread_name(std::string_view prefix = "Thread");
// Starts the numbering again; the runner calls it before each run.
void reset_thread_names() noexcept;

// The kernel's id for the calling thread (gettid), cached per thread.
long current_native_id() noexcept;

// Whether the calling thread is its process's main thread (its id is the process id).
// Async-signal-safe.
bool on_main_thread() noexcept;
// How many threads this process has now (the kernel's count, /proc/self/task), whoever
// started them.
int process_thread_count();

// An address unique to the calling thread while it lives: the owner id locks compare.
std::uintptr_t this_thread_key() noexcept;

}  // namespace concur
