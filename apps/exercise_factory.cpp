// The one part of an exercise runner that differs from the others: which factory it calls
// (CONCUR_EXERCISE_FACTORY, set by concur_exercise_runner in apps/CMakeLists.txt). It
// names Example without its definition, so it compiles in a moment.
namespace concur {
struct Example;
namespace demos {
Example CONCUR_EXERCISE_FACTORY();
}
extern Example (*const exercise_factory)();
Example (*const exercise_factory)() = &demos::CONCUR_EXERCISE_FACTORY;
}  // namespace concur
