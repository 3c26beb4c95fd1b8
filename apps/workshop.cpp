#include "workshop.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <concur/core/child.hpp>
#include <concur/core/console.hpp>
#include <concur/core/fd.hpp>

#include "exit_codes.hpp"
#include "options.hpp"

namespace concur::cli {

namespace {

namespace fs = std::filesystem;

struct Trees {
  fs::path source;                 // the demo's file
  std::vector<fs::path> sources;   // it and its companions (demo_files())
  fs::path build;                  // the CMake build directory
  fs::path binary;                 // the concur it builds
};

Trees trees_for(const Example& e) {
  const fs::path source = fs::path(CONCUR_SOURCE_DIR) / e.source;
  if (!fs::exists(source))
    throw BadUsage(fmt::format("the demo's source is not here ({} is missing): this concur was installed without its "
                               "sources; clone the project and run 'make' to edit examples",
                               source.string()));
  const fs::path build = build_directory();
  return {source, demo_files(e), build, build / "concur"};
}

}  // namespace

fs::path build_directory() {
  const fs::path build(CONCUR_BUILD_DIR);
  if (!fs::exists(build / "CMakeCache.txt"))
    throw BadUsage(fmt::format("the build directory {} is gone: run 'make' in {} first", build.string(),
                               CONCUR_SOURCE_DIR));
  return build;
}

int run(const std::vector<std::string>& args) {
  try {
    return ChildProgram(args).wait();
  } catch (const std::system_error& e) {
    throw BadUsage(e.what());  // "cannot run 'sh': No such file or directory"
  }
}

bool build_target(const fs::path& build, const std::string& target, std::string_view what, std::string_view on_failure) {
  Console& con = Console::get();
  con.line(con.paint(fmt::format("── building {} ──", what), Style::dim));
  const auto began = std::chrono::steady_clock::now();
  const fs::path log = build / ("concur-" + target + "-build.log");
  const int status = run({"sh", "-c", "exec cmake --build \"$0\" --target \"$1\" > \"$2\" 2>&1", build.string(), target, log.string()});
  if (status == 0) {
    con.line(con.paint(fmt::format("built in {:.1f} s", std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count()),
                       Style::green));
    return true;
  }
  // The compiler's own words, where the console writes (stderr when stdout carries JSON).
  std::ostringstream words;
  words << std::ifstream(log).rdbuf();
  std::string text = words.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  con.line(text);
  con.line(con.paint(std::string(on_failure), Style::red));
  return false;
}

namespace {

// Rebuilds concur; true when it built. The compiler's output is shown only on failure.
bool rebuild(const Trees& t) {
  return build_target(t.build, "concur", t.binary.string(),
                      "the build failed: fix the error above and save again (the last good build is unchanged)");
}

}  // namespace

namespace {

// $VISUAL, then $EDITOR, then the system's choice (sensible-editor), then nano or vi: the
// first that is set or found on PATH, as a shell command. "" when there is none.
std::string find_editor() {
  for (const char* var : {"VISUAL", "EDITOR"})
    if (const char* editor = std::getenv(var); editor != nullptr && *editor != '\0') return editor;
  const char* path = std::getenv("PATH");
  const std::string dirs = path != nullptr && *path != '\0' ? path : "/usr/bin:/bin";
  for (const char* editor : {"sensible-editor", "editor", "nano", "vi"}) {
    std::size_t at = 0;
    while (at <= dirs.size()) {
      const std::size_t end = std::min(dirs.find(':', at), dirs.size());
      const fs::path candidate = fs::path(dirs.substr(at, end - at)) / editor;
      if (::access(candidate.c_str(), X_OK) == 0) return editor;
      at = end + 1;
    }
  }
  return {};
}

// The demo's file as shipped: HEAD's version when the source tree is a git checkout,
// else the copy of demos/ made when the build was first configured (CMakeLists.txt);
// nullopt when neither has it.
std::optional<std::string> shipped_text(const fs::path& file, const fs::path& build) {
  const fs::path relative = fs::relative(file, CONCUR_SOURCE_DIR);
  const fs::path scratch = build / "concur-restore.tmp";
  int status = -1;
  try {
    ChildProgram git({"git", "-C", CONCUR_SOURCE_DIR, "show", "HEAD:" + relative.generic_string()},
                     {.output = scratch.string()});
    status = git.wait();
  } catch (const std::system_error&) {
    // no git: the build's copy
  }
  const fs::path copy = build / "shipped" / relative;
  std::optional<std::string> text;
  if (status == 0) text = read_text(scratch);
  else if (fs::exists(copy)) text = read_text(copy);
  std::error_code ignored;
  fs::remove(scratch, ignored);
  return text;
}

}  // namespace

int edit_example(const Example& e, const std::vector<std::string>& options) {
  const Trees t = trees_for(e);
  const std::string editor = find_editor();
  if (editor.empty())
    throw BadUsage("no editor found: set VISUAL or EDITOR (export EDITOR=nano), or install nano, then run 'concur "
                   "edit' again");
  // The editor may come with its own arguments ("code -w"): let the shell split them.
  // Ctrl-C meanwhile is the editor's business.
  const int status = [&] {
    const OnInterrupt editor_decides(nullptr, kInterrupted);
    std::vector<std::string> command{"sh", "-c", editor + " \"$@\"", "sh"};
    for (const fs::path& file : t.sources) command.push_back(file.string());
    return run(command);
  }();
  if (status != kOk) {
    std::cerr << fmt::format("concur: the editor exited with {}; not rebuilding\n", status);
    return kCheckFailed;
  }
  if (!rebuild(t)) return kCheckFailed;
  std::vector<std::string> command{t.binary.string(), e.name};
  command.insert(command.end(), options.begin(), options.end());
  return run(command);
}

int restore_example(const Example& e) {
  const Trees t = trees_for(e);
  std::vector<std::pair<fs::path, std::string>> shipped;
  for (const fs::path& file : t.sources) {
    std::optional<std::string> text = shipped_text(file, t.build);
    if (!text)
      throw BadUsage(fmt::format("no shipped copy of {} to restore: the sources are not a git checkout and the build "
                                 "has no copy of demos/ (reconfigure a fresh build directory)",
                                 file.string()));
    shipped.emplace_back(file, std::move(*text));
  }
  Console& con = Console::get();
  bool changed = false;
  for (const auto& [file, text] : shipped) {
    if (read_text(file) == text) {
      con.line(fmt::format("{} is as shipped", file.string()));
      continue;
    }
    const fs::path backup = file.string() + ".bak";
    fs::copy_file(file, backup, fs::copy_options::overwrite_existing);
    write_text(file, text);
    con.line(fmt::format("restored {} as shipped (your version is in {})", file.string(), backup.string()));
    changed = true;
  }
  if (changed && !rebuild(t)) return kCheckFailed;
  return kOk;
}

int watch_example(const Example& e, const std::vector<std::string>& options) {
  const Trees t = trees_for(e);
  detail::Fd watcher{::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)};
  if (!watcher) detail::throw_errno("inotify_init1");
  // Editors often save by writing a new file and renaming it over the old one, so watch
  // the folder for the file's name, not the file itself.
  if (::inotify_add_watch(watcher.get(), t.source.parent_path().c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
    detail::throw_errno("inotify_add_watch");
  // True when the events waiting name the demo's file; never blocks.
  const auto demo_changed = [&] {
    bool changed = false;
    alignas(inotify_event) char buf[8192];
    for (ssize_t n; (n = ::read(watcher.get(), buf, sizeof buf)) > 0;)
      for (char* p = buf; p < buf + n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(p);
        for (const fs::path& file : t.sources) changed = changed || (ev->len > 0 && file.filename() == ev->name);
        p += sizeof(inotify_event) + ev->len;
      }
    return changed;
  };

  const OnInterrupt on_ctrl_c("stopped watching", kInterrupted);  // stops the run going on too

  std::vector<std::string> command{t.binary.string(), e.name};
  command.insert(command.end(), options.begin(), options.end());
  Console& con = Console::get();
  con.line(con.paint(fmt::format("watching {} (Ctrl-C to stop)", t.source.string()), Style::bold));
  if (run(command) == kUsage) return kUsage;  // bad options: the run said which
  for (;;) {
    con.line(con.paint(fmt::format("waiting for a change to {} ...", t.source.filename().string()), Style::dim));
    for (pollfd p{watcher.get(), POLLIN, 0}; !demo_changed();)
      detail::retry_eintr([&] { return ::poll(&p, 1, -1); });
    ::usleep(150'000);  // an editor's save is several events: let it finish, then build once
    demo_changed();
    if (rebuild(t)) run(command);
  }
}

}  // namespace concur::cli
