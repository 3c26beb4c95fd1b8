// `concur watch` end to end: a scratch copy of the sources, built, watched, edited twice
// (a change that builds, then one that does not), as a student would.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "run_cli.hpp"

namespace concur::test {
namespace {

namespace fs = std::filesystem;

void replace_in(const fs::path& p, const std::string& from, const std::string& to) {
  std::string text = file_text(p);
  const std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  std::ofstream(p) << text;
}

TEST(Watch, RebuildsAndRerunsOnEveryChangeAndKeepsTheLastGoodBuild) {
  const fs::path scratch = fs::temp_directory_path() / fmt::format("concur-watch-test-{}", ::getpid());
  fs::remove_all(scratch);
  fs::create_directories(scratch / "src");
  for (const char* part : {"CMakeLists.txt", "cmake", "apps", "lib", "demos", "exercises", "lessons"})
    fs::copy(fs::path(CONCUR_SOURCE_DIR) / part, scratch / "src" / part,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  // Only the demo under test: the scratch build is then mostly lib/, a few minutes less.
  // Unoptimised and without debug information (Debug with -O0 alone): the quickest build,
  // and the watch does not care. No precompiled header either: with one demo to compile,
  // building it would cost more than it saves. A unity build (CMake compiles each target's
  // files eight to one): each library header is then parsed a few times instead of once
  // per file, 1.4 minutes instead of 3.5 on two idle cores. Two files of one target with
  // helpers of the same name in anonymous namespaces would fail it: give them other names.
  std::ofstream(scratch / "src/demos/catalogue.txt") << "lecture10/race | 10.4 | Race condition | Threads lose updates.\n";
  const std::string build = fmt::format(
      "cmake -S {0}/src -B {0}/build -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 "
      "-DCONCUR_BUILD_TESTS=OFF -DCONCUR_BUILD_BENCH=OFF -DCONCUR_PCH=OFF -DCMAKE_UNITY_BUILD=ON "
      "> {0}/build.log 2>&1 && cmake --build {0}/build --target concur >> {0}/build.log 2>&1",
      scratch.string());
  ASSERT_EQ(std::system(build.c_str()), 0) << file_text(scratch / "build.log");

  const fs::path demo = scratch / "src/demos/lecture10/race.cpp";
  // The edits below run inside the watch; a missing target there would leave it waiting
  // for a change until the test's timeout, so check for it first.
  ASSERT_NE(file_text(demo).find("say(\"counter = {},"), std::string::npos) << "race.cpp changed: update the edit";
  CliOptions opts;
  opts.binary = (scratch / "build/concur").string();
  opts.when_seen = {
      {"waiting for a change", [&] { replace_in(demo, "say(\"counter = {},", "say(\"EDITED-BY-TEST {},"); }},
      {"waiting for a change", [&] { replace_in(demo, "\"EDITED-BY-TEST {},", "\"EDITED-BY-TEST {},\" oops"); }},
  };
  opts.interrupt_after = "the build failed";
  const CliResult r = run_concur({"watch", "race", "--threads", "1", "--iterations", "10", "--no-timeline"}, opts);

  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_NE(r.out.find("counter = 10, expected 10"), std::string::npos) << "the first run, before any change";
  EXPECT_NE(r.out.find("EDITED-BY-TEST 10, expected 10"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error:"), std::string::npos) << "the compiler's error is shown";
  // The broken change did not replace the last good binary.
  CliOptions again;
  again.binary = opts.binary;
  const CliResult last = run_concur({"race", "--threads", "1", "--iterations", "10"}, again);
  EXPECT_EQ(last.exit_code, 0);
  EXPECT_NE(last.out.find("EDITED-BY-TEST 10"), std::string::npos) << last.out;

  // `concur restore` puts the shipped demo back (this scratch tree is no git checkout: from
  // the copy the build made when first configured), keeping the edited one as .bak.
  const std::string shipped = file_text(scratch / "build/shipped/demos/lecture10/race.cpp");
  ASSERT_NE(file_text(demo), shipped) << "the watch above changed the demo";
  const CliResult restored = run_concur({"restore", "race"}, again);
  EXPECT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_EQ(file_text(demo), shipped);
  EXPECT_NE(file_text(demo.string() + ".bak").find("EDITED-BY-TEST"), std::string::npos);
  const CliResult unchanged = run_concur({"edit", "race", "--reset"}, again);
  EXPECT_EQ(unchanged.exit_code, 0);
  EXPECT_NE(unchanged.out.find("is as shipped"), std::string::npos) << unchanged.out;

  // Installed, and the sources gone: edit and watch say what is missing and exit 2.
  const std::string install = fmt::format("cmake --install {0}/build --prefix {0}/prefix > {0}/install.log 2>&1", scratch.string());
  ASSERT_EQ(std::system(install.c_str()), 0) << file_text(scratch / "install.log");
  fs::remove_all(scratch / "src");
  CliOptions installed;
  installed.binary = (scratch / "prefix/bin/concur").string();
  for (const char* command : {"edit", "watch"}) {
    const CliResult gone = run_concur({command, "race"}, installed);
    EXPECT_EQ(gone.exit_code, 2) << command;
    EXPECT_NE(gone.err.find("installed without its sources"), std::string::npos) << gone.err;
  }
  fs::remove_all(scratch);
}

TEST(Watch, EditAndWatchNeedAnExampleTheyKnow) {
  EXPECT_EQ(run_concur({"watch"}).exit_code, 2);
  const CliResult unknown = run_concur({"edit", "rase"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("did you mean 'race'"), std::string::npos) << unknown.err;
  // No VISUAL, no EDITOR, and none of sensible-editor, editor, nano or vi on PATH.
  const fs::path empty = fs::temp_directory_path() / ("concur-no-editor-" + std::to_string(::getpid()));
  fs::create_directories(empty);
  const CliResult no_editor =
      run_concur({"edit", "race"}, {{{"VISUAL", std::nullopt}, {"EDITOR", std::nullopt}, {"PATH", empty.string()}}});
  fs::remove_all(empty);
  EXPECT_EQ(no_editor.exit_code, 2);
  EXPECT_NE(no_editor.err.find("no editor found: set VISUAL or EDITOR"), std::string::npos) << no_editor.err;
}

TEST(Watch, EditFallsBackToAnEditorOnPathAndPassesTheOptionsOn) {
  // A stand-in for sensible-editor (the first fallback) that records what it was asked to
  // open and changes nothing; then concur rebuilds (nothing to do) and runs the demo with
  // the options given after it.
  const fs::path bin = fs::temp_directory_path() / ("concur-fake-editor-" + std::to_string(::getpid()));
  fs::create_directories(bin);
  const fs::path opened = bin / "opened.txt";
  {
    std::ofstream editor(bin / "sensible-editor");
    editor << "#!/bin/sh\necho \"$@\" > '" << opened.string() << "'\n";
  }
  fs::permissions(bin / "sensible-editor", fs::perms::owner_all);
  const std::string path = bin.string() + ":" + std::string(std::getenv("PATH") != nullptr ? std::getenv("PATH") : "");
  const CliResult r = run_concur({"edit", "race", "--threads", "3", "--iterations", "10", "--quiet"},
                                 {{{"VISUAL", std::nullopt}, {"EDITOR", std::nullopt}, {"PATH", path}}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(file_text(opened).find("demos/lecture10/race.cpp"), std::string::npos) << file_text(opened);
  EXPECT_NE(r.out.find("--threads 3"), std::string::npos) << "the options reached the run:\n" << r.out;
  fs::remove_all(bin);
}

}  // namespace
}  // namespace concur::test
