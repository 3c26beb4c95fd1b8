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

// The calling thread's actor name. Never blocks after the first call on a thread.
const std::string& current_actor();

// Names the calling thread (also visible in gdb and top, cut to 15 characters).
void set_current_actor(std::string name);

// The next default thread name, "Thread-1", "Thread-2", ... (numbered per run).
std::string next_thread_name(std::string_view prefix = "Thread");
// Starts the numbering again; the runner calls it before each run.
void reset_thread_names() noexcept;

// The kernel's id for the calling thread (gettid), cached per thread.
long current_native_id() noexcept;

// An address unique to the calling thread while it lives: the owner id locks compare.
std::uintptr_t this_thread_key() noexcept;

}  // namespace concur
