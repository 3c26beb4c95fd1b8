// concur/threads/stopped.hpp - ThreadStopped, the exception that ends a wait quietly.
//
// In its own header because waits below Thread throw it too (a controlled run's steps,
// control.hpp), and thread.hpp, which includes this, needs them.
#pragma once

#include <stdexcept>

namespace concur {

// Thrown out of a blocking concur::Queue wait (get, put, join) when the waiting Thread is
// asked to stop, and out of a controlled run's step when the run is stopped. A Thread
// whose run() ends with it ends quietly (no "raised" line).
class ThreadStopped : public std::runtime_error {
 public:
  ThreadStopped() : std::runtime_error("the thread was asked to stop while it waited") {}
};

}  // namespace concur
