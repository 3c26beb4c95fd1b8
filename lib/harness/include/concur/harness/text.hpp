// concur/harness/text.hpp - numbers and sentences as a person reads them in the
// narration, the summary and the explanations.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace concur {

// "2.10 ms", "431 µs", "1.52 s": three significant digits in a fitting unit.
std::string format_seconds(double seconds);

// Wraps text into lines of at most `width` columns, each indented by `indent` spaces.
std::string wrap_text(std::string_view text, std::size_t indent, std::size_t width);

}  // namespace concur
