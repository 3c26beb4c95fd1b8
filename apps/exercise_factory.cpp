// The one part of an exercise runner that differs from the others: which factory it calls
// (CONCUR_EXERCISE_FACTORY, set by concur_exercise_runner in apps/CMakeLists.txt). It
// names Example without its definition, so it compiles in a moment.
#include "exercise_factory.hpp"

namespace concur {
namespace demos {
Example CONCUR_EXERCISE_FACTORY();
}
Example (*const exercise_factory)() = &demos::CONCUR_EXERCISE_FACTORY;
}  // namespace concur
