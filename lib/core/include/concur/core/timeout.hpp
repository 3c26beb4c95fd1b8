// concur/core/timeout.hpp - what a timed wait throws when its time is up.
#pragma once

#include <stdexcept>

namespace concur {

// A wait gave up after its whole timeout: Future::result(), as_completed(), a pool's
// AsyncResult::get() (Python's TimeoutError, concurrent.futures.TimeoutError and
// multiprocessing.TimeoutError, which are one class since Python 3.11).
class TimeoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace concur
