// apps/options.hpp - what several commands read from the command line and the disk, in
// one place. Each throws BadUsage (exit 2, one line) naming the option or the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <vector>

#include <concur/harness/example.hpp>

#include "markdown.hpp"

namespace concur::cli {

// A file's whole text; BadUsage "cannot read 'PATH': why" when it cannot be read.
std::string read_text(const std::filesystem::path& path);
// Replaces a file's text; BadUsage "cannot write 'PATH': why" when that fails.
void write_text(const std::filesystem::path& path, std::string_view text);

// The files of an example's demo, in the source tree: NAME.cpp, then its companions
// NAME.PART.cpp in the same folder (sorted), the parts of one example.
std::vector<std::filesystem::path> demo_files(const Example& example);

// A whole number from `least` to `most` for the option --NAME (--repeat, --runs).
int parse_whole(const std::string& text, const std::string& name, int least, int most);

// A seed (--jitter, --seed): a whole number from 0 to 2^63-1.
std::uint64_t parse_seed(const std::string& text, std::string_view option);

// A number above 0 and at most `most` (--time-scale, --time-limit); `what` names it in
// the message: "--time-limit must be a number of seconds above 0 and at most 3600".
double parse_positive(const std::string& text, std::string_view option, std::string_view what, double most);

// How lesson, show, hint and solution draw text on stdout: coloured and fitted to a
// terminal, plain elsewhere.
TextStyle stdout_text_style(bool no_color);

}  // namespace concur::cli
