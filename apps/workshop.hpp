// apps/workshop.hpp - the student's edit loop: `concur edit ID` and `concur watch ID`.
//
// The binary knows the source tree it was built from and its build directory (both set
// at configure time). edit opens the demo in $VISUAL or $EDITOR, then rebuilds and runs
// it; watch rebuilds and reruns whenever the demo's file changes (inotify), printing the
// compiler's errors when a change does not build, while the last good binary stays.
#pragma once

#include <string>
#include <vector>

#include <concur/example.hpp>

namespace concur::cli {

// Throws BadUsage when the sources or the build directory are not there (an installed
// concur) or no editor can be found.
int edit_example(const Example& example);
int watch_example(const Example& example, const std::vector<std::string>& options);

}  // namespace concur::cli
