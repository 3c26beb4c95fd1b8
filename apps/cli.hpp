// apps/cli.hpp - the concur command line (interface.md is its contract).
#pragma once

#include <concur/harness/example.hpp>

namespace concur::cli {

// Parses the command line and runs what it asks for, over the examples of `catalogue`.
// Returns the exit status: 0 ok, 1 a required check failed, 2 bad usage or input
// (nothing run).
int main(int argc, char** argv, const Catalogue& catalogue);

}  // namespace concur::cli
