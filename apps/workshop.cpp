#include "workshop.hpp"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/wait.h>
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

#include <concur/core/console.hpp>
#include <concur/core/fd.hpp>

extern char** environ;

namespace concur::cli {

namespace {

namespace fs = std::filesystem;

struct Trees {
  fs::path source;  // the demo's file
  fs::path build;   // the CMake build directory
  fs::path binary;  // the concur it builds
};

Trees trees_for(const Example& e) {
  const fs::path source = fs::path(CONCUR_SOURCE_DIR) / e.source;
  if (!fs::exists(source))
    throw BadUsage(fmt::format("the demo's source is not here ({} is missing): this concur was installed without its "
                               "sources; clone the project and run 'make' to edit examples",
                               source.string()));
  const fs::path build = build_directory();
  return {source, build, build / "concur"};
}

// The command running now, for the Ctrl-C handler of watch to stop it too.
volatile sig_atomic_t running_child = 0;

extern "C" void stop_watching(int) {
  if (running_child > 0) ::kill(static_cast<pid_t>(running_child), SIGINT);
  constexpr char kMessage[] = "\nconcur: stopped watching\n";
  [[maybe_unused]] auto n = ::write(2, kMessage, sizeof kMessage - 1);
  ::_exit(130);
}

}  // namespace

fs::path build_directory() {
  const fs::path build(CONCUR_BUILD_DIR);
  if (!fs::exists(build / "CMakeCache.txt"))
    throw BadUsage(fmt::format("the build directory {} is gone: run 'make' in {} first", build.string(),
                               CONCUR_SOURCE_DIR));
  return build;
}

// Runs argv[0] with argv (PATH searched); returns its exit status, 128+signal if killed.
int run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (const int err = ::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ); err != 0)
    throw BadUsage(fmt::format("cannot run '{}': {}", args[0], std::strerror(err)));
  running_child = pid;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  running_child = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
  struct sigaction ignore {}, before {};
  ignore.sa_handler = SIG_IGN;
  ::sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGINT, &ignore, &before);
  const int status = run({"sh", "-c", std::string(editor) + " \"$0\"", t.source.string()});
  ::sigaction(SIGINT, &before, nullptr);
  if (status != 0) {
    std::cerr << fmt::format("concur: the editor exited with {}; not rebuilding\n", status);
    return 1;
  }
  if (!rebuild(t)) return 1;
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
        if (ev->len > 0 && t.source.filename() == ev->name) changed = true;
        p += sizeof(inotify_event) + ev->len;
      }
    return changed;
  };

  struct sigaction sa {};
  sa.sa_handler = stop_watching;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  std::vector<std::string> command{t.binary.string(), e.name};
  command.insert(command.end(), options.begin(), options.end());
  Console& con = Console::get();
  con.line(con.paint(fmt::format("watching {} (Ctrl-C to stop)", t.source.string()), Style::bold));
  if (run(command) == 2) return 2;  // bad options: the run said which
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
