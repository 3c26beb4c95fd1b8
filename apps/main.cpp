// The concur binary's entry point: the command line (cli.cpp) over every example.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <concur/core/console.hpp>

#include "catalogue.hpp"
#include "exit_codes.hpp"
#include "program.hpp"

int main(int argc, char** argv) {
  // Over `ulimit -f` a write would kill us with SIGXFSZ and no word; ignored, it fails with
  // EFBIG, which the checked writes report. Children inherit the setting.
  ::signal(SIGXFSZ, SIG_IGN);
  int status = concur::cli::program(argc, argv, concur::demos::catalogue);
  // The narration goes to stdout: if it could not all be written (a full disk, a file size
  // limit), say so once instead of exiting as if it had.
  // Lists, lessons and help go through std::cout, which shares stdio's stdout: an error
  // in any earlier write stays flagged there.
  errno = 0;
  std::cout.flush();
  const bool failed = std::fflush(stdout) != 0 || std::ferror(stdout) != 0 || !std::cout;
  int error = failed ? (errno != 0 ? errno : -1) : 0;  // -1: stdio kept no reason
  if (error == 0 || error == EPIPE) error = concur::Console::write_error();  // EPIPE: the reader left
  if (error != 0 && error != EPIPE) {
    std::fprintf(stderr, "concur: error: could not write the output to stdout%s%s\n", error > 0 ? ": " : "",
                 error > 0 ? std::strerror(error) : " (the output is incomplete)");
    if (status == concur::cli::kOk) status = concur::cli::kCheckFailed;
  }
  return status;
}
