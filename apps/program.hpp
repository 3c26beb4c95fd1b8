// apps/program.hpp - what a concur program's main() does, shared by the concur binary and
// the one-example programs `concur check` builds from a student's file.
#pragma once

#include <concur/harness/example.hpp>

namespace concur::cli {

// Runs a spawned child's entry if this is one; otherwise sets up Ctrl-C (every child
// process stopped and reaped, exit 130) and runs the command line over the catalogue.
int program(int argc, char** argv, Catalogue (*catalogue)());

}  // namespace concur::cli
