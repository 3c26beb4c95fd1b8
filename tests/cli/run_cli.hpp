// tests/cli/run_cli.hpp - runs the concur binary and captures what it did.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace concur::test {

struct CliResult {
  int exit_code = -1;    // the exit status; -1 when killed by a signal
  int signal = 0;        // the signal that ended it, if one did
  std::string out;       // stdout (with a terminal: everything the terminal showed)
  std::string err;       // stderr (empty with a terminal)
};

struct CliOptions {
  std::map<std::string, std::optional<std::string>> env;  // set (value) or unset (nullopt)
  bool terminal = false;   // run on a pseudo-terminal instead of pipes
  // Sends SIGINT once this text has appeared in the output (then keeps reading).
  std::string interrupt_after;
  // Called with the output so far when that text appears, before the SIGINT: to talk to
  // a server while it runs (the remote manager's serve).
  std::function<void(const std::string& output)> on_marker = {};
  // Actions run once each, in order, each when its text has appeared in the output (after
  // the previous one ran): to change a file while `concur watch` waits.
  std::vector<std::pair<std::string, std::function<void()>>> when_seen = {};
  // With a terminal: keys typed into it, each once its text has appeared in the output
  // (after the previous one was typed): to drive `concur step`.
  std::vector<std::pair<std::string, std::string>> type_when_seen = {};
  std::string binary = {};  // another concur than the one under test (a scratch build)
  unsigned short columns = 100, rows = 40;  // the pseudo-terminal's size
};

CliResult run_concur(const std::vector<std::string>& args, const CliOptions& options = {});

// Reads what is ready on `fds` (a descriptor, and where its bytes go), waiting at most
// `timeout_ms` (-1: until something comes); a descriptor at end of file is closed and
// dropped from `fds`. Returns the outputs that grew.
std::vector<std::string*> read_some(std::vector<std::pair<int, std::string*>>& fds, int timeout_ms);

// Starts concur and returns its pid at once (the caller waits for it): stdout and stderr
// go to the files `out` and `err` (one path for both is fine); `in_child` runs in the
// child just before exec (to set a resource limit, say).
pid_t start_concur(const std::vector<std::string>& args, const std::string& out, const std::string& err,
                   const std::function<void()>& in_child = {});

// A file's whole text ("" when it cannot be read).
std::string file_text(const std::string& path);

}  // namespace concur::test
