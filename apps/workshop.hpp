// apps/workshop.hpp - the student's edit loop: `concur edit ID` and `concur watch ID`.
//
// The binary knows the source tree it was built from and its build directory (both set
// at configure time). edit opens the demo in $VISUAL or $EDITOR, then rebuilds and runs
// it; watch rebuilds and reruns whenever the demo's file changes (inotify), printing the
// compiler's errors when a change does not build, while the last good binary stays.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <concur/harness/example.hpp>

namespace concur::cli {

// Throws BadUsage when the sources or the build directory are not there (an installed
// concur) or no editor can be found.
// The example's options after its name are passed to the run after the rebuild, as watch
// does. Without VISUAL or EDITOR it opens sensible-editor, else nano, else vi.
int edit_example(const Example& example, const std::vector<std::string>& options);
// Puts the demo's files back as shipped (a backup of each changed one next to it, .bak)
// and rebuilds: `concur restore race`, `concur edit race --reset`.
int restore_example(const Example& example);
int watch_example(const Example& example, const std::vector<std::string>& options);

// The CMake build directory this concur came from; BadUsage when it is gone.
std::filesystem::path build_directory();

// Runs argv (PATH searched, ChildProgram) and waits; its exit status, 128+signal if it
// was killed. BadUsage when it cannot be started.
int run(const std::vector<std::string>& argv);

// `cmake --build BUILD --target TARGET`, saying "building WHAT" and how long it took.
// On failure prints the compiler's output, then `on_failure`, and returns false.
bool build_target(const std::filesystem::path& build, const std::string& target, std::string_view what,
                  std::string_view on_failure);

}  // namespace concur::cli
