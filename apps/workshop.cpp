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

int edit_example(const Example& e) {
  const Trees t = trees_for(e);
  const char* editor = std::getenv("VISUAL");
  if (editor == nullptr || *editor == '\0') editor = std::getenv("EDITOR");
  if (editor == nullptr || *editor == '\0')
    throw BadUsage("no editor: set VISUAL or EDITOR (export EDITOR=nano), then run 'concur edit' again");
  // The editor may come with its own arguments ("code -w"): let the shell split them.
  // Ctrl-C meanwhile is the editor's business.
  const int status = [&] {
    const OnInterrupt editor_decides(nullptr, kInterrupted);
    std::vector<std::string> command{"sh", "-c", std::string(editor) + " \"$@\"", "sh"};
    for (const fs::path& file : t.sources) command.push_back(file.string());
    return run(command);
  }();
  if (status != kOk) {
    std::cerr << fmt::format("concur: the editor exited with {}; not rebuilding\n", status);
    return kCheckFailed;
  }
  if (!rebuild(t)) return kCheckFailed;
  return run({t.binary.string(), e.name});
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
