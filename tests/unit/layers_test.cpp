// The layers of the source tree, checked from its #include lines (README "Architecture"):
//
//   core < threads < mp < harness < concur.hpp < demos, exercises < apps
//
// A file includes only its own layer or a lower one. The build already refuses most
// violations (each layer's library sees only its own and lower include folders), but a
// header is compiled only where it is included, so a header that reached up would go
// unnoticed until someone included it low down: this test reads every file instead.
// It also checks that no two files (a header with its source) and no two folders need
// each other.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = CONCUR_SOURCE_DIR;

// The layers, lowest first, and the folders (relative to the root) that hold each.
struct Layer {
  std::string name;
  std::vector<std::string> folders;
};
const std::vector<Layer> kLayers = {
    {"core", {"lib/core"}},
    {"threads", {"lib/threads"}},
    {"coro", {"lib/coro"}},
    {"mp", {"lib/mp"}},
    {"harness", {"lib/harness"}},
    {"concur.hpp", {"lib/include"}},
    {"demos", {"demos", "exercises"}},
    {"apps", {"apps"}},
};

std::optional<std::size_t> layer_of(const fs::path& relative) {
  const std::string text = relative.generic_string();
  for (std::size_t i = 0; i < kLayers.size(); ++i)
    for (const std::string& folder : kLayers[i].folders)
      if (text.rfind(folder + "/", 0) == 0) return i;
  return std::nullopt;
}

struct Include {
  std::string target;  // as written
  bool angled = false;
  int line = 0;
};

std::vector<Include> includes_of(const fs::path& file) {
  static const std::regex pattern(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  std::vector<Include> found;
  std::ifstream in(file);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::smatch m;
    if (std::regex_search(line, m, pattern)) found.push_back({m[2].str(), m[1].str() == "<", number});
  }
  return found;
}

struct SourceFile {
  fs::path relative;  // "lib/threads/src/mutex.cpp"
  std::size_t layer;
};

std::vector<SourceFile> source_files() {
  std::vector<SourceFile> files;
  for (const char* top : {"lib", "apps", "demos", "exercises"})
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / top)) {
      if (!entry.is_regular_file()) continue;
      const std::string ext = entry.path().extension().string();
      if (ext != ".hpp" && ext != ".cpp") continue;
      const fs::path relative = fs::relative(entry.path(), kRoot);
      if (auto layer = layer_of(relative)) files.push_back({relative, *layer});
    }
  std::sort(files.begin(), files.end(), [](const SourceFile& a, const SourceFile& b) { return a.relative < b.relative; });
  return files;
}

// Where an include of the library ("concur/<layer>/x.hpp" or "concur/concur.hpp") lives.
std::optional<fs::path> library_header(const std::string& target) {
  static const std::regex pattern(R"(concur/(core|threads|mp|harness)/[A-Za-z0-9_]+\.hpp)");
  if (target == "concur/concur.hpp") return fs::path("lib/include") / target;
  if (!std::regex_match(target, pattern)) return std::nullopt;
  const std::string layer = target.substr(7, target.find('/', 7) - 7);
  return fs::path("lib") / layer / "include" / target;
}

// Where a quoted include that is not the library's resolves: next to the file, else in
// one of the folders whose headers are on an include path (apps/, exercises/, demos/).
std::optional<fs::path> local_header(const SourceFile& from, const std::string& target) {
  const fs::path beside = from.relative.parent_path() / target;
  if (fs::exists(kRoot / beside)) return beside.lexically_normal();
  for (const char* folder : {"apps", "exercises", "demos"})
    if (fs::exists(kRoot / folder / target)) return fs::path(folder) / target;
  return std::nullopt;
}

// The header, or what else a quoted include names, as a path from the root.
std::optional<fs::path> resolve(const SourceFile& from, const Include& include) {
  if (auto lib = library_header(include.target)) return lib;
  if (include.angled) return std::nullopt;  // the standard library, fmt, CLI11, ...
  return local_header(from, include.target);
}

// A file's unit: a header and the source of the same name are one (mutex.hpp, mutex.cpp).
std::string unit_of(const fs::path& relative) {
  std::string text = relative.generic_string();
  text = std::regex_replace(text, std::regex(R"(/include/concur/[a-z]+/)"), "/");
  text = std::regex_replace(text, std::regex(R"(/src/)"), "/");
  return text.substr(0, text.rfind('.'));
}

// The top folder a file belongs to for the folder graph: lib's layers count separately.
std::string folder_of(const fs::path& relative) {
  auto it = relative.begin();
  std::string top = it->string();
  if (top == "lib") return "lib/" + (++it)->string();
  return top;
}

// A cycle in `graph`, as "a -> b -> a", or "" when there is none.
std::string find_cycle(const std::map<std::string, std::set<std::string>>& graph) {
  std::map<std::string, int> state;  // 0 unseen, 1 on the path, 2 done
  std::vector<std::string> path;
  std::string cycle;
  std::function<bool(const std::string&)> visit = [&](const std::string& node) {
    state[node] = 1;
    path.push_back(node);
    if (auto it = graph.find(node); it != graph.end())
      for (const std::string& next : it->second) {
        if (next == node) continue;
        if (state[next] == 1) {
          auto from = std::find(path.begin(), path.end(), next);
          for (auto p = from; p != path.end(); ++p) cycle += *p + " -> ";
          cycle += next;
          return true;
        }
        if (state[next] == 0 && visit(next)) return true;
      }
    path.pop_back();
    state[node] = 2;
    return false;
  };
  for (const auto& [node, edges] : graph)
    if (state[node] == 0 && visit(node)) return cycle;
  return "";
}

TEST(Layers, TheTreeHasEveryLayer) {
  for (const Layer& layer : kLayers)
    for (const std::string& folder : layer.folders) EXPECT_TRUE(fs::is_directory(kRoot / folder)) << folder;
  EXPECT_GT(source_files().size(), 100u);
}

TEST(Layers, NoFileIncludesAHigherLayer) {
  std::vector<std::string> violations;
  for (const SourceFile& file : source_files())
    for (const Include& include : includes_of(kRoot / file.relative)) {
      auto header = resolve(file, include);
      if (!header) continue;
      if (!fs::exists(kRoot / *header)) {
        violations.push_back(file.relative.generic_string() + ":" + std::to_string(include.line) + " includes " +
                             include.target + ", which does not exist");
        continue;
      }
      auto layer = layer_of(*header);
      if (layer && *layer > file.layer)
        violations.push_back(file.relative.generic_string() + ":" + std::to_string(include.line) + " (" +
                             kLayers[file.layer].name + ") includes " + include.target + " (" +
                             kLayers[*layer].name + ")");
    }
  EXPECT_TRUE(violations.empty()) << [&] {
    std::string all;
    for (const std::string& v : violations) all += "\n  " + v;
    return all;
  }();
}

// Who includes whom, with each file named by `node` (its unit, or its folder).
std::map<std::string, std::set<std::string>> include_graph(std::string (*node)(const fs::path&)) {
  std::map<std::string, std::set<std::string>> graph;
  for (const SourceFile& file : source_files())
    for (const Include& include : includes_of(kRoot / file.relative))
      if (auto header = resolve(file, include); header && fs::exists(kRoot / *header))
        graph[node(file.relative)].insert(node(*header));
  return graph;
}

TEST(Layers, NoTwoFilesNeedEachOther) { EXPECT_EQ(find_cycle(include_graph(unit_of)), ""); }

TEST(Layers, NoTwoFoldersNeedEachOther) { EXPECT_EQ(find_cycle(include_graph(folder_of)), ""); }

TEST(Layers, TheCheckFindsACycle) {
  EXPECT_EQ(find_cycle({{"a", {"b"}}, {"b", {"c"}}, {"c", {}}}), "");
  EXPECT_EQ(find_cycle({{"a", {"b"}}, {"b", {"a"}}}), "a -> b -> a");
  EXPECT_EQ(unit_of("lib/threads/include/concur/threads/mutex.hpp"), unit_of("lib/threads/src/mutex.cpp"));
  EXPECT_EQ(layer_of("lib/mp/src/pool.cpp"), std::optional<std::size_t>(3));
  EXPECT_EQ(folder_of("lib/mp/src/pool.cpp"), "lib/mp");
}

}  // namespace
