// apps/exit_codes.hpp - what concur's exit status means (interface.md, "Exit status").
// Every command returns one of these; a run that a signal ended is 128 + the signal.
#pragma once

namespace concur::cli {

enum ExitCode : int {
  kOk = 0,            // it ran and every required check held (or: help, a list, a lesson)
  kCheckFailed = 1,   // a required check failed, a report was lost, or a run could not finish
  kUsage = 2,         // bad usage or input, said in one line; nothing was run
  kInterrupted = 130  // Ctrl-C (128 + SIGINT): children stopped, nothing left behind
};

}  // namespace concur::cli
