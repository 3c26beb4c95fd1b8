// Internal: the spawn and forkserver start methods, used by Process.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/detail/fd.hpp"
#include "concur/mp/entry.hpp"

namespace concur::mp {

// Starts `target` in a fresh exec of this binary and returns its pid.
pid_t spawn_child(const Target& target, const std::string& name);

// A child the fork server made: its pid, and a descriptor that becomes readable when it
// has ended (4 bytes: its exit code, minus the signal if one killed it).
struct ServedChild {
  pid_t pid;
  detail::Fd status;
};
// Asks the fork server (started on first use) to fork a child running `target`.
ServedChild forkserver_child(const Target& target, const std::string& name);
// In the hidden fork-server process: serves until its client goes away. Never returns.
[[noreturn]] void run_forkserver(int socket);

// What a new process is told: entry, arguments, name, how many descriptors follow, and
// the parent's console settings and run clock.
nlohmann::json start_order(const Target& target, const std::string& name);
// Runs the entry an order names in this process, narrating as its parent does; returns
// the exit code (0, or 1 if it threw or does not exist).
int run_order(const nlohmann::json& order, std::vector<detail::Fd> fds);

// Descriptors across a Unix socket (SCM_RIGHTS); received ones are close-on-exec.
void send_fds(int socket, const std::vector<int>& fds);
std::vector<detail::Fd> receive_fds(int socket, std::size_t count);

// Starts this binary again as `word` (a hidden command) with `socket` as its fd 3.
pid_t exec_self(const char* word, int socket);

inline constexpr int kBootFd = 3;

// A waitpid() status as Python's exitcode: the exit code, or minus the signal.
int exit_code_of(int wait_status) noexcept;

// The table of live children the Ctrl-C handler stops (process.cpp).
void register_child(pid_t pid);
void unregister_child(pid_t pid);

}  // namespace concur::mp
