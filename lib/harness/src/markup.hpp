// lib/harness/src/markup.hpp - the small pieces the HTML report (html.hpp) is written with:
// escaping, numbers that never turn into e-notation, axis ticks at round values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace concur::markup {

// `text` with & < > " ' replaced by character references: safe as element text and as a
// quoted attribute value.
std::string escape(std::string_view text);

// A number as a person reads it, in fixed notation: whole numbers as integers, others
// with at most three significant digits (0.2, 12.3, 0.000012; 1.5e20 is all its digits).
std::string plain_number(double value);

// An SVG coordinate or length: fixed, two decimals.
std::string px(double value);

// A JSON value as text: strings as they are, numbers by plain_number, arrays joined by ", ".
std::string json_text(const nlohmann::json& value);

// concur::format_speedup's wording ("1.92×", "136× slower"), and "–" for a speedup that
// is not a positive, finite number.
std::string format_speedup(double speedup);

// About `count` round values (1, 2 or 5 times a power of ten apart) from 0 to `top`.
std::vector<double> round_ticks(double top, int count);

// Tick labels for times in nanoseconds: "0 ms", "0.5 ms", "1.0 ms". One unit for all, the
// largest the last tick reaches one of (ns, µs, ms or s), as few decimals as the step needs.
std::vector<std::string> time_tick_labels(const std::vector<double>& ticks_ns);

}  // namespace concur::markup
