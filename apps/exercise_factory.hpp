// The factory an exercise runner calls: defined by exercise_factory.cpp (one per runner),
// called by exercise_runner_main.cpp (compiled once). Example is only named here.
#pragma once

namespace concur {
struct Example;
extern Example (*const exercise_factory)();
}  // namespace concur
