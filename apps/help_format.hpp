// concur/help_format.hpp - `--help` pages that fit the terminal.
//
// CLI11 lays out an option or a command as a name column and a description, but writes
// the description on one line however long it is. This formatter wraps it at word
// boundaries under where it starts, to the terminal's width.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

namespace concur::cli {

class WrappingFormatter : public CLI::Formatter {
 public:
  explicit WrappingFormatter(std::size_t width);

  std::string make_option(const CLI::Option* opt, bool is_positional) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_description(const CLI::App* app) const override;
  std::string make_footer(const CLI::App* app) const override;

 private:
  // "  name      description" with the description wrapped under itself.
  std::string entry(const std::string& name, const std::string& description) const;
  // Text paragraphs (separated by newlines) wrapped to the width.
  std::string paragraphs(const std::string& text) const;

  std::size_t width_;
};

}  // namespace concur::cli
