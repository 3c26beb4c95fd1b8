// CLI tests of the student's loop around the examples: lessons drawn for a terminal and
// plain when piped, lecture overviews, sources shown, shell completion.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "report_of.hpp"
#include "run_cli.hpp"

namespace concur::test {
namespace {

std::vector<json> catalogue() {
  const CliResult r = run_concur({"list", "--json"});
  return json::parse(r.out)["examples"].get<std::vector<json>>();
}

TEST(Lesson, EveryExampleHasALessonOfSubstance) {
  for (const json& e : catalogue()) {
    const CliResult r = run_concur({"lesson", e["name"]});
    ASSERT_EQ(r.exit_code, 0) << e["name"] << ": " << r.err;
    EXPECT_TRUE(r.out.starts_with("# " + e["id"].get<std::string>() + " ")) << e["name"];
    std::size_t words = 0;
    for (std::size_t i = 0; i < r.out.size(); ++i) words += r.out[i] == ' ' && i > 0 && r.out[i - 1] != ' ';
    EXPECT_GE(words, 150u) << e["name"];
    for (const char* section : {"## The idea", "## C++ and Python side by side", "## What to watch for", "## Try this",
                                "## Common mistakes"})
      EXPECT_NE(r.out.find(section), std::string::npos) << e["name"] << " has no " << section;
  }
}

TEST(Lesson, PipedItIsTheMarkdownAsItIs) {
  const CliResult r = run_concur({"lesson", "race"});
  EXPECT_EQ(r.out, file_text(std::string(CONCUR_SOURCE_DIR) + "/lessons/lecture10/race.md"));
  EXPECT_EQ(r.out.find('\033'), std::string::npos);
}

TEST(Lesson, OnATerminalHeadingsTablesAndCodeAreDrawn) {
  const CliOptions opts{{{"PAGER", "cat"}, {"NO_COLOR", std::nullopt}, {"COLUMNS", "100"}}, true};
  const CliResult r = run_concur({"lesson", "race"}, opts);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("# 10.4"), std::string::npos) << "the heading's marker is gone";
  EXPECT_NE(r.out.find("10.4 race: Race condition"), std::string::npos);
  EXPECT_NE(r.out.find("═══"), std::string::npos) << "the title is underlined";
  EXPECT_NE(r.out.find("┌"), std::string::npos) << "the table has a frame";
  EXPECT_EQ(r.out.find("| --- |"), std::string::npos) << "no raw table separator";
  EXPECT_NE(r.out.find("counter.store(seen + "), std::string::npos) << "the code block is there";
  EXPECT_NE(r.out.find("\033[1m"), std::string::npos) << "bold on a terminal";
  EXPECT_EQ(r.out.find("**"), std::string::npos) << "no raw bold markers";
}

TEST(Lesson, NoColorKeepsTheLayoutAndDropsTheStyles) {
  const CliOptions opts{{{"PAGER", "cat"}, {"NO_COLOR", "1"}}, true};
  const CliResult r = run_concur({"lesson", "10.4"}, opts);
  EXPECT_EQ(r.out.find('\033'), std::string::npos);
  EXPECT_NE(r.out.find("┌"), std::string::npos);
  EXPECT_NE(r.out.find("    │ counter.store(seen + 1);"), std::string::npos) << "the code block is framed, as it is";
  const CliResult flag = run_concur({"lesson", "race", "--no-color"}, {{{"PAGER", "cat"}}, true});
  EXPECT_EQ(flag.out.find('\033'), std::string::npos);
}

TEST(Lesson, ALongLessonGoesThroughThePager) {
  // The pager here is a script that marks what it was given, so we can tell it ran.
  const std::string pager = (std::filesystem::temp_directory_path() / "concur-test-pager.sh").string();
  {
    std::ofstream out(pager);
    out << "#!/bin/sh\necho PAGED-BEGIN\ncat\necho PAGED-END\n";
  }
  std::filesystem::permissions(pager, std::filesystem::perms::owner_all);
  const CliResult r = run_concur({"lesson", "race"}, {{{"PAGER", pager}, {"LINES", "10"}}, true});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("PAGED-BEGIN"), std::string::npos) << r.out.substr(0, 200);
  EXPECT_NE(r.out.find("PAGED-END"), std::string::npos);
  std::filesystem::remove(pager);
}

TEST(Lesson, ALectureNumberShowsItsOverview) {
  for (const char* lecture : {"9", "10", "11", "s"}) {
    const CliResult r = run_concur({"lesson", lecture});
    ASSERT_EQ(r.exit_code, 0) << lecture << ": " << r.err;
    EXPECT_TRUE(r.out.starts_with("# ")) << lecture;
    EXPECT_NE(r.out.find("## The examples"), std::string::npos) << lecture;
  }
  EXPECT_NE(run_concur({"lesson", "10"}).out.find("`queue-pool`"), std::string::npos);
  const CliResult bad = run_concur({"lesson", "12"});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(Show, PrintsTheRealFileNumberedAndColouredOnlyOnATerminal) {
  const CliResult piped = run_concur({"show", "scraper"});
  ASSERT_EQ(piped.exit_code, 0);
  EXPECT_NE(piped.out.find("demos/lecture10/scraper.cpp"), std::string::npos);
  EXPECT_NE(piped.out.find("   1  // 10.9 scraper"), std::string::npos);
  EXPECT_EQ(piped.out.find('\033'), std::string::npos);
  const CliResult tty = run_concur({"show", "scraper"}, {{{"PAGER", "cat"}, {"NO_COLOR", std::nullopt}}, true});
  EXPECT_NE(tty.out.find("\033[34mstatic\033[0m"), std::string::npos) << "keywords coloured";
}

TEST(Completion, BashScriptCompletesEverySubcommandIdAndOption) {
  const CliResult r = run_concur({"completion", "bash"});
  ASSERT_EQ(r.exit_code, 0);
  for (const json& e : catalogue()) {
    EXPECT_NE(r.out.find(fmt::format(" {} ", e["name"].get<std::string>())), std::string::npos) << e["name"];
    EXPECT_NE(r.out.find(fmt::format(" {} ", e["id"].get<std::string>())), std::string::npos) << e["id"];
  }
  for (const char* word : {"list", "lesson", "show", "edit", "watch", "tour", "exercise", "check", "hint", "solution",
                           "completion", "--start-method", "--threads", "--jitter"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  // Run it in bash, as a shell would on <TAB>.
  const std::string script = (std::filesystem::temp_directory_path() / "concur-completion-test.sh").string();
  {
    std::ofstream out(script);
    out << r.out << "\nt() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _concur; echo \"${COMPREPLY[*]}\"; }\n"
        << "t concur rac\nt concur 10.4 --ite\nt concur pipe --start-method sp\nt concur lesson 10.1\n"
        << "t concur check pro\nt concur check race --se\n";
  }
  std::string out;
  {
    FILE* p = ::popen(("bash " + script).c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    EXPECT_EQ(::pclose(p), 0);
  }
  std::filesystem::remove(script);
  EXPECT_NE(out.find("race\n"), std::string::npos) << out;
  EXPECT_NE(out.find("--iterations\n"), std::string::npos) << out;
  EXPECT_NE(out.find("spawn\n"), std::string::npos) << out;
  EXPECT_NE(out.find("10.11 10.12 10.13"), std::string::npos) << out;
  EXPECT_NE(out.find("\nprocess-lock\n"), std::string::npos) << "check completes the exercises only:\n" << out;
  EXPECT_NE(out.find("\n--seed\n"), std::string::npos) << out;
}

TEST(Completion, ZshLoadsTheSameThroughBashcompinitAndOtherShellsAreRefused) {
  const CliResult zsh = run_concur({"completion", "zsh"});
  EXPECT_EQ(zsh.exit_code, 0);
  EXPECT_NE(zsh.out.find("bashcompinit"), std::string::npos);
  EXPECT_NE(zsh.out.find("complete -F _concur concur"), std::string::npos);
  const CliResult fish = run_concur({"completion", "fish"});
  EXPECT_EQ(fish.exit_code, 2);
  EXPECT_NE(fish.err.find("bash or zsh"), std::string::npos);
}

}  // namespace
}  // namespace concur::test
