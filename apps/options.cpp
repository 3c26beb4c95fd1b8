#include "options.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <sstream>

#include <concur/core/console.hpp>
#include <concur/harness/example.hpp>
#include <concur/core/text.hpp>

namespace concur::cli {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw BadUsage(fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno)));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::out | std::ios::trunc);
  out << text;
  if (!out.flush()) throw BadUsage(fmt::format("cannot write '{}': {}", path.string(), std::strerror(errno)));
}

std::vector<std::filesystem::path> demo_files(const Example& example) {
  const std::filesystem::path main = std::filesystem::path(CONCUR_SOURCE_DIR) / example.source;
  std::vector<std::filesystem::path> files{main};
  const std::string prefix = main.stem().string() + ".";
  std::error_code ignored;  // no folder (an installed concur): the main file alone
  for (const auto& entry : std::filesystem::directory_iterator(main.parent_path(), ignored)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && entry.path().extension() == ".cpp" && entry.path() != main)
      files.push_back(entry.path());
  }
  std::sort(files.begin() + 1, files.end());
  return files;
}

int parse_whole(const std::string& text, const std::string& name, int least, int most) {
  const Param::Parsed parsed = Param::integer(name, "", least, least, most).parse(text);
  if (!parsed.error.empty()) throw BadUsage(parsed.error);
  return parsed.value.get<int>();
}

std::uint64_t parse_seed(const std::string& text, std::string_view option) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] < '0' || text[0] > '9' || end != text.c_str() + text.size() || errno == ERANGE ||
      v > static_cast<unsigned long long>(INT64_MAX))
    throw BadUsage(fmt::format("{} must be a whole number from 0 to {}, got '{}'", option, INT64_MAX, text));
  return v;
}

double parse_positive(const std::string& text, std::string_view option, std::string_view what, double most) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v > 0) || v > most)
    throw BadUsage(fmt::format("{} must be {} above 0 and at most {:g}, got '{}'", option, what, most, text));
  return v;
}

TextStyle stdout_text_style(bool no_color) { return {Console::color_wanted(1, no_color), terminal_width(1)}; }

}  // namespace concur::cli
