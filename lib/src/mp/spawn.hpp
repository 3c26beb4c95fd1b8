// Internal: the spawn start method, used by Process.
#pragma once

#include <sys/types.h>

#include <string>

#include "concur/mp/entry.hpp"

namespace concur::mp {

// Starts `target` in a fresh exec of this binary and returns its pid.
pid_t spawn_child(const Target& target, const std::string& name);

}  // namespace concur::mp
