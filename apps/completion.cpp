#include "completion.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "exercises.hpp"

namespace concur::cli {

namespace {

// "--threads --iterations --json ..." for one command; "-v" style names too.
std::string options_of(const CLI::App& app) {
  std::string words;
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& n : opt->get_lnames()) words += " --" + n;
    for (const std::string& n : opt->get_snames()) words += " -" + n;
  }
  return words;
}

std::vector<const CLI::App*> subcommands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

// A bash word list in single quotes (names and ids never contain one).
std::string word_list(const std::string& words) { return "'" + words.substr(words.empty() ? 0 : 1) + "'"; }

}  // namespace

std::string completion_script(const CLI::App& app, const Catalogue& catalogue, std::string_view shell) {
  if (shell != "bash" && shell != "zsh") return {};

  std::string top, examples = " 9 10 11 s";  // lesson also takes a lecture
  std::map<std::string, std::string> ids;     // example name -> "|'10.4'|..." (its ids)
  for (const Example& e : catalogue.examples()) {
    examples += " " + e.name + " " + e.id;
    ids[e.name] = "|'" + e.id + "'";
    top += " " + e.id;
    for (const std::string& a : e.aliases) {
      examples += " " + a;
      ids[e.name] += "|'" + a + "'";
      top += " " + a;
    }
  }
  std::string exercise_words;
  for (const exercises::Exercise& x : exercises::all()) exercise_words += " " + x.name;
  std::string cases;
  for (const CLI::App* sub : subcommands_of(app)) {
    top += " " + sub->get_name();
    std::string nested;
    for (const CLI::App* inner : subcommands_of(*sub)) {
      nested += " " + inner->get_name();
      cases += fmt::format("    '{} {}') words={} ;;\n", sub->get_name(), inner->get_name(), word_list(options_of(*inner)));
    }
    // "'check'|'check '*": also after a positional argument (concur check race --se<TAB>).
    cases += fmt::format("    '{}'{}|'{} '*) words={} ;;\n", sub->get_name(), ids[sub->get_name()], sub->get_name(),
                         word_list(options_of(*sub) + nested));
  }
  // The words each choice option takes (--start-method fork|spawn|forkserver).
  std::map<std::string, std::set<std::string>> choices;
  for (const Example& e : catalogue.examples())
    for (const Param& p : e.params)
      if (p.type == Param::Type::choice) choices["--" + p.name].insert(p.choices.begin(), p.choices.end());
  std::string value_cases;
  for (const auto& [opt, words] : choices) {
    std::string list;
    for (const std::string& w : words) list += " " + w;
    value_cases += fmt::format("    {}) COMPREPLY=($(compgen -W {} -- \"$cur\")); return ;;\n", opt, word_list(list));
  }

  std::string script = fmt::format(R"(# concur {shell} completion. Load it with:
#   source <(concur completion {shell})
# or keep it: concur completion {shell} > {keep}
{zsh}_concur() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  COMPREPLY=()
  case "$prev" in
    --json|--trace|--export-markdown|--html|--authkey-file|--file|--program) COMPREPLY=($(compgen -f -- "$cur")); return ;;
{values}  esac
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W {top} -- "$cur"))
    return
  fi
  local cmd="${{COMP_WORDS[1]}}" words=""
  if [[ $COMP_CWORD -ge 3 && "${{COMP_WORDS[2]}}" != -* ]]; then cmd="$cmd ${{COMP_WORDS[2]}}"; fi
  case "$cmd" in
    lesson|show|edit|watch) [[ $COMP_CWORD -eq 2 ]] && words={examples} ;;
    exercise|check|hint|solution) [[ $COMP_CWORD -eq 2 ]] && words={exercises} ;;
    completion) [[ $COMP_CWORD -eq 2 ]] && words='bash zsh' ;;
  esac
  if [[ -z "$words" ]]; then
    case "$cmd" in
{cases}    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -F _concur concur
)",
                                   fmt::arg("shell", shell),
                                   fmt::arg("keep", shell == "bash" ? "~/.local/share/bash-completion/completions/concur"
                                                                    : "~/.zsh/concur-completion.zsh, and source it from ~/.zshrc"),
                                   fmt::arg("zsh", shell == "zsh" ? "# zsh runs bash completion functions through bashcompinit.\n"
                                                                    "autoload -Uz compinit bashcompinit && compinit && bashcompinit\n"
                                                                  : ""),
                                   fmt::arg("values", value_cases), fmt::arg("top", word_list(top)),
                                   fmt::arg("examples", word_list(examples)), fmt::arg("exercises", word_list(exercise_words)),
                                   fmt::arg("cases", cases));
  return script;
}

}  // namespace concur::cli
