#include "help_format.hpp"

#include <concur/core/text.hpp>

namespace concur::cli {

WrappingFormatter::WrappingFormatter(std::size_t width) : width_(width) {
  // The name column: CLI11's 30 on a wide terminal, narrower on a narrow one.
  column_width(width >= 100 ? 30 : width >= 60 ? 24 : 12);
}

std::string WrappingFormatter::entry(const std::string& name, const std::string& description) const {
  const std::string head = "  " + name;
  const std::size_t column = get_column_width(), used = display_width(head);
  if (description.empty()) return head + "\n";
  const WrapOptions hanging{.width = width_, .first = column, .rest = column};
  if (used + 1 > column)  // a long name: the description starts on the next line, in its column
    return head + "\n" + wrap(description, hanging) + "\n";
  return head + std::string(column - used, ' ') + wrap(description, {.width = width_, .first = column, .rest = column, .indent_first = false}) + "\n";
}

std::string WrappingFormatter::paragraphs(const std::string& text) const {
  std::string out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, end - at);
    const std::size_t lead = line.find_first_not_of(' ');
    // A line that fits keeps its own spacing (a footer laid out in columns).
    if (display_width(line) <= width_) out += line;
    else if (lead != std::string::npos) out += wrap(line, {.width = width_, .first = lead, .rest = lead + 2});
    out += "\n";
    at = end + 1;
  }
  return out;
}

std::string WrappingFormatter::make_option(const CLI::Option* opt, bool is_positional) const {
  return entry(make_option_name(opt, is_positional) + make_option_opts(opt), make_option_desc(opt));
}

std::string WrappingFormatter::make_subcommand(const CLI::App* sub) const {
  return entry(sub->get_display_name(true), sub->get_description());
}

std::string WrappingFormatter::make_description(const CLI::App* app) const {
  const std::string text = CLI::Formatter::make_description(app);
  return text.empty() ? text : paragraphs(text.substr(0, text.find_last_not_of('\n') + 1));
}

std::string WrappingFormatter::make_footer(const CLI::App* app) const {
  const std::string footer = app->get_footer();
  if (footer.empty()) return {};
  return "\n" + paragraphs(footer.substr(0, footer.find_last_not_of('\n') + 1));
}

}  // namespace concur::cli
