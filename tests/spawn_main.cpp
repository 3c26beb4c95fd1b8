// main() for test programs that start spawned processes: a spawned child is the test
// binary run again, and must run its entry instead of the tests.
#include <gtest/gtest.h>

#include <concur/mp/entry.hpp>

int main(int argc, char** argv) {
  concur::mp::run_if_spawned(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
