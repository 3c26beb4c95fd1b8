// The program `concur check` builds from a student's file: concur with that one example.
// CONCUR_EXERCISE_FACTORY names the file's factory (race, queue_pool, ...).
#include <concur/harness/example.hpp>

#include "program.hpp"

namespace concur::demos {
Example CONCUR_EXERCISE_FACTORY();
}

namespace {

concur::Catalogue one_example() {
  std::vector<concur::Example> examples;
  examples.push_back(concur::demos::CONCUR_EXERCISE_FACTORY());
  return concur::Catalogue(std::move(examples));
}

}  // namespace

int main(int argc, char** argv) { return concur::cli::program(argc, argv, one_example); }
