// concur/mp/entry.hpp - functions a new process can run, registered by name.
//
// A function pointer means nothing in another program image: after exec, the spawned
// child is a fresh copy of the binary, and all it can be told is a name. Python has the
// same problem and pickles a function by its qualified name, which the child then
// imports; that import is why a script needs `if __name__ == "__main__":` (without it,
// the child would run the script's top level again). Here, a process entry is
// registered under a name when the program starts, and main() begins with
// run_if_spawned(), the C++ face of that guard: in a spawned child it runs the entry
// and exits, in the parent it returns at once.
//
//     void square(const nlohmann::json& args, std::vector<concur::detail::Fd> fds) { ... }
//     CONCUR_ENTRY(square);
//
//     concur::mp::Process p({"square", {{"n", 7}}}, "Squarer", StartMethod::spawn);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "concur/core/fd.hpp"

namespace concur::mp {

// The descriptors a process was handed, in the order the parent listed them
// (Target::fds); Connection::adopt() turns one back into a pipe end.
using Handed = std::vector<detail::Fd>;

// What a process runs: its arguments (any JSON value) and the descriptors it was handed.
using Entry = void (*)(const nlohmann::json& args, Handed handed);

// A registered entry and what to call it with: everything that crosses into the child.
struct Target {
  std::string entry;
  nlohmann::json args = nlohmann::json::object();
  std::vector<int> fds;  // duplicated into the child; the parent keeps its own
  // Set by Process, not by callers: the last of fds is a memory file where the child
  // writes what it recorded on the timeline, for the parent to add to its own.
  bool timeline = false;
  // Fork only: the child keeps every descriptor the parent had open, as Python's fork
  // start method does. By default a child keeps only `fds` (and stdin, stdout, stderr),
  // whatever the method, so that a pipe end it was not given cannot keep a reader from
  // ever seeing end of file.
  bool keep_all_fds = false;
};

void register_entry(std::string name, Entry entry);
// nullptr when no entry has that name.
Entry find_entry(std::string_view name);

struct EntryRegistration {
  EntryRegistration(const char* name, Entry entry) { register_entry(name, entry); }
};

// Registers a function as an entry under its own name.
#define CONCUR_ENTRY(fn) \
  static const ::concur::mp::EntryRegistration concur_entry_registration_##fn(#fn, fn)

// The hidden command line words that mark a spawned child and the fork server.
inline constexpr std::string_view kSpawnCommand = "__concur-spawn";
inline constexpr std::string_view kForkServerCommand = "__concur-forkserver";

// Call first in main(). In a spawned child it runs the entry it was sent and exits (0, or
// 1 if the entry threw or does not exist); in the fork server it serves and exits;
// anywhere else it returns at once.
void run_if_spawned(int argc, char** argv);

}  // namespace concur::mp
