#include "program.hpp"

#include <signal.h>
#include <unistd.h>

#include <concur/core/memory.hpp>
#include <concur/mp/entry.hpp>
#include <concur/mp/process.hpp>

#include "cli.hpp"
#include "exit_codes.hpp"
#include "output_file.hpp"

namespace concur::cli {
namespace {

// Ctrl-C: stop and reap every child process, say so, and leave with the conventional
// status 130; a report being written is dropped, the earlier one stays. Only
// async-signal-safe calls here (kill, waitpid, unlink, write, _exit).
extern "C" void on_interrupt(int) {
  remove_partial_output_from_signal();
  mp::terminate_all_from_signal(500);
  constexpr char kMessage[] = "\nconcur: interrupted\n";
  [[maybe_unused]] auto n = ::write(2, kMessage, sizeof kMessage - 1);
  ::_exit(kInterrupted);
}

}  // namespace

int program(int argc, char** argv, Catalogue (*catalogue)()) {
  // A process started with the spawn method is this binary run again: it runs the entry
  // it was sent and exits here (the `if __name__ == "__main__":` of concur).
  mp::run_if_spawned(argc, argv);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  // A reader that goes away (`concur race | head`) must not kill us mid-line.
  ::signal(SIGPIPE, SIG_IGN);
  reuse_large_allocations();  // big messages reuse resident memory (concur/core/memory.hpp)
  return main(argc, argv, catalogue());
}

}  // namespace concur::cli
