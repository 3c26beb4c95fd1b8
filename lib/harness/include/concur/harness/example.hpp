// concur/harness/example.hpp - what an example is, and the catalogue that lists them.
//
// Each demo file builds one Example: its identity (id, name, title, lecture), its own
// options with their ranges, and its variants (the ways it runs, e.g. unsynchronized and
// mutex). The ordered list in demos/catalogue.txt turns those into the Catalogue that
// `concur list`, the CLI and the tour are built from.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace concur {

class Run;

// One option of an example, e.g. --threads. Values are validated before anything runs.
struct Param {
  enum class Type { integer, seconds, choice, integer_list, flag, text, text_list };

  std::string name;  // without dashes: "threads" is given as --threads
  std::string help;
  Type type = Type::integer;
  double default_value = 0;
  double min = 0;  // inclusive
  double max = 0;  // inclusive
  std::vector<std::string> choices;  // choice: the allowed words, the first is the default

  // A whole number in [min, max].
  static Param integer(std::string name, std::string help, long long default_value,
                       long long min, long long max);
  // A duration in seconds in [min, max]; the demo gets it multiplied by --time-scale.
  static Param seconds(std::string name, std::string help, double default_value, double min,
                       double max);
  // Whole numbers in [min, max], separated by commas (--numbers 7,11,13); empty by default.
  static Param integer_list(std::string name, std::string help, long long min, long long max);
  // Any non-empty text (--host 127.0.0.1), checked by whoever uses it.
  static Param text(std::string name, std::string help, std::string default_value);
  std::string default_text;  // text: the default
  // Texts from an option given once per value (--url A --url B); empty by default.
  static Param text_list(std::string name, std::string help);
  // For text and text_list: says what is wrong with one value ("" when it is fine), so
  // a bad value is refused before anything runs.
  std::function<std::string(std::string_view)> check_text = {};
  Param&& checked_by(std::function<std::string(std::string_view)> check) && {
    check_text = std::move(check);
    return std::move(*this);
  }
  // A switch, off unless given (--kill-worker).
  static Param flag(std::string name, std::string help);
  // One of a few words, e.g. --start-method fork|spawn|forkserver; the first is the default.
  static Param choice(std::string name, std::string help, std::vector<std::string> choices);

  // Parses a command-line value (a text_list's values arrive joined by '\n'). Returns the value as JSON, or the one-line error that
  // names the problem ("--threads must be a whole number from 1 to 64, got 'abc'").
  struct Parsed {
    nlohmann::json value;
    std::string error;  // empty on success
  };
  Parsed parse(std::string_view text) const;

  nlohmann::json default_json() const;
};

// One way to run the example. The body does one run and records its result on `run`.
struct Variant {
  std::string name;
  std::function<void(Run&)> body;
  // When set, the variant runs only if this says yes to the run's parameters (e.g. only
  // with --kill-worker).
  std::function<bool(const nlohmann::json& params)> enabled = {};
};

// Bad input a command found before doing anything (a host that is no address, a missing
// key): the CLI prints its message on one line and exits 2.
class BadUsage : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A command of its own under an example, for what runs as separate programs (the remote
// manager's serve, put and get, one per terminal): `concur remote-manager put 42`, also
// reachable by its id (`concur 11.10.2 42`). It prints what it does and returns the exit
// status; it throws BadUsage for bad input.
struct Command {
  std::string name;      // "put"
  std::string id;        // "11.10.2"
  std::string help;
  std::vector<Param> params;
  std::string argument;  // the name of one positional argument ("VALUE"), or "" for none
  std::function<int(const nlohmann::json& params, const std::string& argument)> run;
};

// How `concur step` and `concur explore` run an example of threads, one thread at a time
// with a scheduler choosing who goes next (concur/threads/control.hpp).
struct ControlledRuns {
  // The options of the small configuration they start from, over the defaults
  // ({"iterations": 2}); the student's own options still win.
  nlohmann::json small = nlohmann::json::object();
  // What a schedule's outcome is called, from its results: each {key} is replaced by the
  // result's value ("counter = {actual}" gives "counter = 3").
  std::string outcome;
};

struct Example {
  std::string id;                    // "10.4"
  std::vector<std::string> aliases;  // more ids, e.g. "11.1" for 10.11
  std::string name;                  // "race": the subcommand
  std::string title;                 // "Race condition"
  int lecture = 0;                   // 9, 10, 11; 0 for the supplementary notes
  std::string summary;               // one sentence: what the run shows
  std::vector<Param> params;
  // When set, says what is wrong with a combination of valid values ("" when they go
  // together), e.g. a daemon step too short to be cut off; checked before anything runs.
  std::function<std::string(const nlohmann::json& params)> check_params = {};
  std::vector<Variant> variants;
  std::string baseline;              // variant the others' speedups are against; "" = none
  nlohmann::json tour = nlohmann::json::object();  // parameter values `concur tour` uses
  // Result keys whose spread over --repeat runs is worth showing (outcomes.hpp), e.g.
  // the race's "lost" and the order its threads finished in.
  std::vector<std::string> outcomes;
  std::vector<Command> commands;     // separate programs under this example, if any
  // Set for the examples that `concur step` and `concur explore` can run.
  std::optional<ControlledRuns> controlled;

  // Filled from the catalogue (describe()): paths relative to the source tree.
  std::string source;  // demos/lecture10/race.cpp
  std::string lesson;  // lessons/lecture10/race.md

  const Param* find_param(std::string_view param_name) const;
  // Every parameter at its default, as the report's "params" object starts.
  nlohmann::json default_params() const;
};

// One line of demos/catalogue.txt, the table of contents:
//   lecture10/process | 10.11, 11.1 | Process and start methods | A child process started ...
// the demo's path under demos/ (its folder gives the lecture, its file the name), its id
// and any aliases, its title, and the one sentence of what a run shows.
struct CatalogueEntry {
  std::string slug;                  // "lecture10/process"
  std::string name;                  // "process"
  int lecture = 0;                   // from the folder: lecture09 -> 9; supplementary -> 0
  std::string id;                    // "10.11"
  std::vector<std::string> aliases;  // "11.1"
  std::string title;
  std::string summary;
};

// Every entry of a catalogue file, in order: blank lines and lines starting with '#' are
// skipped. std::invalid_argument naming the line when one is malformed.
std::vector<CatalogueEntry> parse_catalogue(std::string_view text);

// Gives a demo's example what the catalogue knows of it: id, aliases, name, title,
// lecture, summary, and the paths of its source and lesson. A field the factory already
// set is a second source of truth: std::logic_error naming it.
void describe(Example& example, const CatalogueEntry& entry);

class Catalogue {
 public:
  Catalogue() = default;
  // Throws std::invalid_argument if two examples share a name, id or alias.
  explicit Catalogue(std::vector<Example> examples);

  const std::vector<Example>& examples() const { return examples_; }

  // By name ("race"), id ("10.4"), alias, or a command's id ("11.10.2"). nullptr when
  // there is none.
  const Example* find(std::string_view name_or_id) const;

  // The known name or id closest to a misspelt one ("rase" -> "race", "10.44" -> "10.4"),
  // if any is close enough.
  std::optional<std::string> suggest(std::string_view wrong) const;

  // The `concur list --json` document.
  nlohmann::json to_json() const;

 private:
  std::vector<Example> examples_;
};

// Edit distance between two strings (insertions, deletions, substitutions, and swaps of
// two neighbouring characters).
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace concur
