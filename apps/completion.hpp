// apps/completion.hpp - `concur completion bash|zsh`: shell completion for the command line.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

#include <concur/harness/example.hpp>

namespace concur::cli {

// The completion script for `shell` ("bash" or "zsh"), made from the command line as
// built (every subcommand, id and option) and the catalogue (the words a choice takes).
// Empty for any other shell.
std::string completion_script(const CLI::App& app, const Catalogue& catalogue, std::string_view shell);

}  // namespace concur::cli
