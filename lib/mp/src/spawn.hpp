// Internal: the spawn and forkserver start methods, used by Process.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/core/child.hpp"
#include "concur/core/fd.hpp"
#include "concur/mp/entry.hpp"

namespace concur::mp {

class Process;

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

// A child's timeline, carried home in a memory file: the child starts recording (its
// clock already set to the parent's run), and at the end writes its tracks into `fd`;
// the parent, once the child has ended, reads them into its own run.
void record_for_parent();
// A child's actor name: "Worker-1[4242]", with its own pid.
std::string child_actor_name(const std::string& name);
void send_timeline_home(int fd) noexcept;
void collect_child_timeline(int fd) noexcept;
detail::Fd make_timeline_file();

// Descriptors across a Unix socket (SCM_RIGHTS); received ones are close-on-exec.
void send_fds(int socket, const std::vector<int>& fds);
std::vector<detail::Fd> receive_fds(int socket, std::size_t count);

// Starts this binary again as `word` (a hidden command) with `socket` as its fd 3 and,
// as the next argument, the pid it is to die with (run_if_spawned arms that).
pid_t exec_self(const char* word, int socket);

inline constexpr int kBootFd = 3;

// A waitpid() status as Python's exitcode: the exit code, or minus the signal.
int exit_code_of(int wait_status) noexcept;

// InterruptsBlocked and unblock_interrupts() (concur/core/child.hpp) hold off SIGINT and
// SIGTERM between fork() and register_child(), and let them in again in the child.

// Closes every descriptor above 2 except those in `keep` (negative entries ignored).
void close_all_except(std::vector<int> keep) noexcept;

// The table of live children the Ctrl-C handler stops (process.cpp).
void register_child(pid_t pid);
void unregister_child(pid_t pid);

// In a new child, right after fork(): it is killed when `parent` ends, so a run killed
// with SIGKILL leaves no orphan. Linux sends the signal when the thread that forked
// ends, not the process, so it is armed only when the main thread forked (`armed`); a
// parent that is already gone is handled (the child exits at once). Async-signal-safe.
void die_with_parent(pid_t parent, bool armed) noexcept;

// For a blocking wait of this process on a shared object (`waiting_for` names it): throws
// PeerDiedError if a child this process started, other than `except`, has ended
// unexpectedly (Process::unexpected_end()). In a process that started no child, nothing.
void throw_if_a_peer_died(std::string_view waiting_for, const Process* except = nullptr);
// The slice a blocking wait sleeps between two such checks.
inline constexpr int kPeerCheckMs = 50;

}  // namespace concur::mp
