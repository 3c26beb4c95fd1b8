// The concur binary's entry point: the command line (cli.cpp) over every example.
#include "catalogue.hpp"
#include "program.hpp"

int main(int argc, char** argv) { return concur::cli::program(argc, argv, concur::demos::catalogue); }
