// The program `concur check` builds from a student's file: concur with that one example.
// This main is compiled once; each runner adds exercise_factory.cpp, which names the
// file's factory (race, queue_pool, ...).
#include <concur/harness/example.hpp>

#include "exercise_factory.hpp"
#include "program.hpp"

namespace {

concur::Catalogue one_example() {
  std::vector<concur::Example> examples;
  examples.push_back(concur::exercise_factory());
  return concur::Catalogue(std::move(examples));
}

}  // namespace

int main(int argc, char** argv) { return concur::cli::program(argc, argv, one_example); }
