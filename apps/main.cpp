// The concur binary's entry point: the command line (cli.cpp) over every example.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <concur/console.hpp>

#include "catalogue.hpp"
#include "program.hpp"

int main(int argc, char** argv) {
  // Over `ulimit -f` a write would kill us with SIGXFSZ and no word; ignored, it fails with
  // EFBIG, which the checked writes report. Children inherit the setting.
  ::signal(SIGXFSZ, SIG_IGN);
  int status = concur::cli::program(argc, argv, concur::demos::catalogue);
  // The narration goes to stdout: if it could not all be written (a full disk, a file size
  // limit), say so once instead of exiting as if it had.
  errno = 0;
  int error = std::fflush(stdout) != 0 ? errno : 0;
  if (error == 0 || error == EPIPE) error = concur::Console::write_error();  // EPIPE: the reader left
  if (error != 0 && error != EPIPE) {
    std::fprintf(stderr, "concur: error: could not write the output to stdout: %s\n", std::strerror(error));
    if (status == 0) status = 1;
  }
  return status;
}
