#include "concur/harness/example.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string_view>
#include <type_traits>

namespace concur {

Param Param::integer(std::string name, std::string help, long long default_value, long long min,
                     long long max) {
  return Param{std::move(name), std::move(help), Type::integer, static_cast<double>(default_value),
               static_cast<double>(min), static_cast<double>(max)};
}

Param Param::seconds(std::string name, std::string help, double default_value, double min,
                     double max) {
  return Param{std::move(name), std::move(help), Type::seconds, default_value, min, max};
}

Param Param::choice(std::string name, std::string help, std::vector<std::string> choices) {
  if (choices.empty()) throw std::invalid_argument("Param::choice: no choices for --" + name);
  Param p{std::move(name), std::move(help), Type::choice};
  p.choices = std::move(choices);
  return p;
}

Param Param::integer_list(std::string name, std::string help, long long min, long long max) {
  return Param{std::move(name), std::move(help), Type::integer_list, 0, static_cast<double>(min),
               static_cast<double>(max)};
}

Param Param::text(std::string name, std::string help, std::string default_value) {
  Param p{std::move(name), std::move(help), Type::text};
  p.default_text = std::move(default_value);
  return p;
}

Param Param::text_list(std::string name, std::string help) {
  return Param{std::move(name), std::move(help), Type::text_list};
}

Param Param::flag(std::string name, std::string help) {
  return Param{std::move(name), std::move(help), Type::flag};
}

nlohmann::json Param::default_json() const {
  if (type == Type::flag) return false;
  if (type == Type::text) return default_text;
  if (type == Type::choice) return choices.front();
  if (type == Type::integer_list || type == Type::text_list) return nlohmann::json::array();
  if (type == Type::integer) return static_cast<long long>(default_value);
  return default_value;
}

Param::Parsed Param::parse(std::string_view text) const {
  if (type == Type::choice) {
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) return {std::string(text), {}};
    std::string list;
    for (const std::string& c : choices) list += (list.empty() ? "" : ", ") + c;
    return {{}, fmt::format("--{} must be one of {}, got '{}'", name, list, text)};
  }
  if (type == Type::flag) return {text == "true", {}};
  if (type == Type::text) {
    if (check_text)
      if (std::string why = check_text(text); !why.empty()) return {{}, fmt::format("--{}: {}", name, why)};
    return {std::string(text), {}};
  }
  if (type == Type::text_list) {
    nlohmann::json values = nlohmann::json::array();
    for (std::size_t at = 0; at <= text.size();) {
      const std::size_t end = std::min(text.find('\n', at), text.size());
      const std::string_view item = text.substr(at, end - at);
      if (item.empty()) return {{}, fmt::format("--{} needs a value", name)};
      if (check_text)
        if (std::string why = check_text(item); !why.empty()) return {{}, fmt::format("--{}: {}", name, why)};
      values.push_back(std::string(item));
      at = end + 1;
    }
    return {values, {}};
  }
  if (type == Type::integer_list) {
    nlohmann::json values = nlohmann::json::array();
    std::size_t at = 0;
    for (;;) {
      const std::size_t comma = text.find(',', at);
      const std::string_view item = text.substr(at, comma == std::string_view::npos ? text.npos : comma - at);
      long long v = 0;
      auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
      if (ec != std::errc() || end != item.data() + item.size() || item.empty() || v < static_cast<long long>(min) ||
          v > static_cast<long long>(max))
        return {{}, fmt::format("--{} must be whole numbers from {} to {} separated by commas, got '{}'", name,
                                static_cast<long long>(min), static_cast<long long>(max), text)};
      values.push_back(v);
      if (comma == std::string_view::npos) break;
      at = comma + 1;
    }
    return {values, {}};
  }
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (type == Type::integer) {
    long long v = 0;
    auto [end, ec] = std::from_chars(first, last, v);
    const bool ok = ec == std::errc() && end == last && !text.empty();
    if (!ok || v < static_cast<long long>(min) || v > static_cast<long long>(max))
      return {{}, fmt::format("--{} must be a whole number from {} to {}, got '{}'", name,
                              static_cast<long long>(min), static_cast<long long>(max), text)};
    return {v, {}};
  }
  double v = 0;
  auto [end, ec] = std::from_chars(first, last, v);
  const bool ok = ec == std::errc() && end == last && !text.empty() && std::isfinite(v);
  if (!ok || v < min || v > max)
    return {{}, fmt::format("--{} must be a number of seconds from {} to {}, got '{}'", name, min,
                            max, text)};
  return {v, {}};
}

const Param* Example::find_param(std::string_view param_name) const {
  for (const Param& p : params)
    if (p.name == param_name) return &p;
  return nullptr;
}

nlohmann::json Example::default_params() const {
  nlohmann::json out = nlohmann::json::object();
  for (const Param& p : params) out[p.name] = p.default_json();
  return out;
}

namespace {

std::string_view trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::vector<std::string_view> split(std::string_view s, char at) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = s.find(at, start);
    parts.push_back(trimmed(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

int lecture_of_folder(std::string_view folder) {
  if (folder == "supplementary") return 0;
  int lecture = 0;
  if (folder.size() == 9 && folder.substr(0, 7) == "lecture") {
    const auto [end, error] = std::from_chars(folder.data() + 7, folder.data() + 9, lecture);
    if (error == std::errc() && end == folder.data() + 9 && lecture > 0) return lecture;
  }
  return -1;
}

}  // namespace

std::vector<CatalogueEntry> parse_catalogue(std::string_view text) {
  std::vector<CatalogueEntry> entries;
  int number = 0;
  for (std::string_view line : split(text, '\n')) {
    ++number;
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](std::string_view what) {
      return std::invalid_argument(fmt::format("catalogue line {}: {} (expected 'folder/name | id[, alias...] | "
                                               "title | summary'): {}",
                                               number, what, line));
    };
    const std::vector<std::string_view> fields = split(line, '|');
    if (fields.size() != 4) throw bad(fmt::format("{} fields, not 4", fields.size()));
    CatalogueEntry e;
    e.slug = fields[0];
    const auto slash = e.slug.find('/');
    if (slash == std::string::npos || e.slug.find_first_of(" \t", 0) != std::string::npos)
      throw bad("the first field is not folder/name");
    e.name = e.slug.substr(slash + 1);
    e.lecture = lecture_of_folder(std::string_view(e.slug).substr(0, slash));
    if (e.lecture < 0) throw bad("the folder is neither lectureNN nor supplementary");
    const std::vector<std::string_view> ids = split(fields[1], ',');
    for (std::string_view id : ids)
      if (id.empty() || id.find_first_of(" \t") != std::string_view::npos) throw bad("an empty or spaced id");
    e.id = ids.front();
    e.aliases.assign(ids.begin() + 1, ids.end());
    e.title = fields[2];
    e.summary = fields[3];
    if (e.name.empty() || e.title.empty() || e.summary.empty()) throw bad("an empty field");
    entries.push_back(std::move(e));
  }
  return entries;
}

void describe(Example& example, const CatalogueEntry& entry) {
  auto fill = [&](auto& field, const auto& value, std::string_view what) {
    if (field != std::remove_cvref_t<decltype(field)>{})
      throw std::logic_error(fmt::format("demos/{}.cpp sets the {} that demos/catalogue.txt gives: remove it from "
                                         "the demo",
                                         entry.slug, what));
    field = value;
  };
  fill(example.id, entry.id, "id");
  fill(example.aliases, entry.aliases, "aliases");
  fill(example.name, entry.name, "name");
  fill(example.title, entry.title, "title");
  fill(example.lecture, entry.lecture, "lecture");
  fill(example.summary, entry.summary, "summary");
  example.source = "demos/" + entry.slug + ".cpp";
  example.lesson = "lessons/" + entry.slug + ".md";
}

Catalogue::Catalogue(std::vector<Example> examples) : examples_(std::move(examples)) {
  std::set<std::string, std::less<>> seen;
  for (const Example& e : examples_) {
    std::vector<std::string> keys{e.name, e.id};
    keys.insert(keys.end(), e.aliases.begin(), e.aliases.end());
    for (const Command& c : e.commands) keys.push_back(c.id);
    for (const std::string& k : keys)
      if (!seen.insert(k).second)
        throw std::invalid_argument(fmt::format("catalogue: '{}' is used twice", k));
  }
}

const Example* Catalogue::find(std::string_view name_or_id) const {
  for (const Example& e : examples_) {
    if (e.name == name_or_id || e.id == name_or_id) return &e;
    if (std::find(e.aliases.begin(), e.aliases.end(), name_or_id) != e.aliases.end()) return &e;
    for (const Command& c : e.commands)
      if (c.id == name_or_id) return &e;  // 11.10.2: a command's id finds its example
  }
  return nullptr;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: insertions, deletions, substitutions and swaps of two
  // neighbours ("rcae" is one step from "race") each count one.
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::optional<std::string> Catalogue::suggest(std::string_view wrong) const {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const Example& e : examples_) {
    std::vector<std::string> keys{e.name, e.id};
    keys.insert(keys.end(), e.aliases.begin(), e.aliases.end());
    for (const std::string& k : keys) {
      // A prefix ("sema") is as good as a near miss.
      const std::size_t d = k.starts_with(wrong) && !wrong.empty() ? 1 : edit_distance(wrong, k);
      if (!best || d < best_distance) {
        best = k;  // in the form given: an id for an id ("10.44": 10.4), a name for a name
        best_distance = d;
      }
    }
  }
  // Close enough: at most a third of the word wrong (and at least one letter allowed).
  if (best && best_distance <= std::max<std::size_t>(1, wrong.size() / 3)) return best;
  return std::nullopt;
}

namespace {

// An option as `concur list --json` describes it, for scripts and the fuzz test: its
// name, type, default and range or words.
nlohmann::json param_json(const Param& p) {
  static constexpr const char* kTypes[] = {"integer", "seconds", "choice", "integer_list", "flag", "text", "text_list"};
  nlohmann::json j{{"name", p.name}, {"type", kTypes[static_cast<int>(p.type)]}, {"default", p.default_json()}};
  if (p.type == Param::Type::integer || p.type == Param::Type::integer_list) {
    j["min"] = static_cast<long long>(p.min);
    j["max"] = static_cast<long long>(p.max);
  } else if (p.type == Param::Type::seconds) {
    j["min"] = p.min;
    j["max"] = p.max;
  } else if (p.type == Param::Type::choice) {
    j["choices"] = p.choices;
  }
  return j;
}

nlohmann::json params_json(const std::vector<Param>& params) {
  nlohmann::json out = nlohmann::json::array();
  for (const Param& p : params) out.push_back(param_json(p));
  return out;
}

}  // namespace

nlohmann::json Catalogue::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Example& e : examples_) {
    list.push_back({{"id", e.id},
                    {"aliases", e.aliases},
                    {"name", e.name},
                    {"lecture", e.lecture},
                    {"title", e.title},
                    {"summary", e.summary},
                    {"source", e.source},
                    {"lesson", e.lesson},
                    {"variants", [&] {
                       nlohmann::json v = nlohmann::json::array();
                       for (const Variant& var : e.variants) v.push_back(var.name);
                       return v;
                     }()},
                    {"params", params_json(e.params)},
                    {"commands", [&] {
                       nlohmann::json c = nlohmann::json::array();
                       for (const Command& cmd : e.commands)
                         c.push_back({{"name", cmd.name}, {"id", cmd.id}, {"argument", cmd.argument},
                                      {"params", params_json(cmd.params)}});
                       return c;
                     }()}});
  }
  return {{"schema", "concur.catalogue/1"}, {"examples", list}};
}

}  // namespace concur
