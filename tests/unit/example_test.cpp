// concur::Param, Example and Catalogue: parsing option values and their error text,
// finding examples by name, id or alias, and suggesting a name for a misspelt one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <concur/harness/example.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using concur::Catalogue;
using concur::Example;
using concur::Param;

const Param kThreads = Param::integer("threads", "threads that count", 4, 1, 64);
const Param kHold = Param::seconds("hold", "seconds each worker holds it", 0.5, 0.0, 10.0);

TEST(Param, IntegerAcceptsWholeNumbersInRange) {
  for (const auto& [text, value] : std::vector<std::pair<std::string, long long>>{
           {"1", 1}, {"8", 8}, {"64", 64}}) {
    const Param::Parsed p = kThreads.parse(text);
    EXPECT_EQ(p.error, "") << text;
    EXPECT_EQ(p.value, value) << text;
    EXPECT_TRUE(p.value.is_number_integer()) << text;
  }
}

TEST(Param, IntegerRejectsOutOfRangeAndNonNumbers) {
  for (const std::string text : {"0", "65", "-3", "abc", "", "1.5", "4x", " 4", "1e3",
                                 "99999999999999999999"}) {
    const Param::Parsed p = kThreads.parse(text);
    EXPECT_EQ(p.error, "--threads must be a whole number from 1 to 64, got '" + text + "'")
        << text;
    EXPECT_TRUE(p.value.is_null()) << text;
  }
}

TEST(Param, IntegerErrorTextNamesTheOptionRangeAndValue) {
  EXPECT_EQ(kThreads.parse("abc").error, "--threads must be a whole number from 1 to 64, got 'abc'");
}

TEST(Param, SecondsAcceptsNumbersInRange) {
  for (const auto& [text, value] :
       std::vector<std::pair<std::string, double>>{{"0", 0.0}, {"0.25", 0.25}, {"10", 10.0}, {"2", 2.0}}) {
    const Param::Parsed p = kHold.parse(text);
    EXPECT_EQ(p.error, "") << text;
    EXPECT_DOUBLE_EQ(p.value.get<double>(), value) << text;
  }
}

TEST(Param, SecondsRejectsOutOfRangeAndNonNumbers) {
  for (const std::string text : {"10.5", "-0.1", "abc", "", "inf", "nan", "1s"}) {
    const Param::Parsed p = kHold.parse(text);
    EXPECT_EQ(p.error, "--hold must be a number of seconds from 0 to 10, got '" + text + "'")
        << text;
    EXPECT_TRUE(p.value.is_null()) << text;
  }
}

TEST(Param, FactoriesFillEveryField) {
  EXPECT_EQ(kThreads.name, "threads");
  EXPECT_EQ(kThreads.help, "threads that count");
  EXPECT_EQ(kThreads.type, Param::Type::integer);
  EXPECT_EQ(kThreads.default_value, 4);
  EXPECT_EQ(kThreads.min, 1);
  EXPECT_EQ(kThreads.max, 64);
  EXPECT_EQ(kHold.type, Param::Type::seconds);
  EXPECT_DOUBLE_EQ(kHold.default_value, 0.5);
}

TEST(Param, DefaultJsonKeepsTheType) {
  EXPECT_TRUE(kThreads.default_json().is_number_integer());
  EXPECT_EQ(kThreads.default_json(), 4);
  EXPECT_TRUE(kHold.default_json().is_number_float());
  EXPECT_DOUBLE_EQ(kHold.default_json().get<double>(), 0.5);
}

TEST(Param, TextListSplitsRepeatedValuesAndChecksEach) {
  const Param p = Param::text_list("url", "addresses").checked_by([](std::string_view v) {
    return v.starts_with("http") ? std::string() : std::string("must start with http");
  });
  EXPECT_EQ(p.default_json(), nlohmann::json::array());
  EXPECT_EQ(p.parse("http://a").value, (nlohmann::json{"http://a"}));
  EXPECT_EQ(p.parse("http://a\nhttp://b").value, (nlohmann::json{"http://a", "http://b"}));
  EXPECT_EQ(p.parse("http://a\nftp://b").error, "--url: must start with http");
  EXPECT_EQ(p.parse("").error, "--url needs a value");
  const Param text = Param::text("host", "where", "localhost").checked_by([](std::string_view v) {
    return v.empty() ? std::string("empty") : std::string();
  });
  EXPECT_EQ(text.parse("h").value, "h");
}

TEST(ExampleTest, FindParamAndDefaultParams) {
  Example e{.id = "99.1", .name = "sample", .params = {kThreads, kHold}};
  ASSERT_NE(e.find_param("hold"), nullptr);
  EXPECT_EQ(e.find_param("hold")->name, "hold");
  EXPECT_EQ(e.find_param("nope"), nullptr);
  EXPECT_EQ(e.default_params(), (nlohmann::json{{"threads", 4}, {"hold", 0.5}}));
  EXPECT_EQ(Example{}.default_params(), nlohmann::json::object());
}

Catalogue sample_catalogue() {
  return Catalogue({
      {.id = "10.4", .name = "race", .title = "Race condition", .lecture = 10,
       .variants = {{"unsynchronized", {}}}},
      {.id = "10.5", .name = "lock", .title = "Lock", .lecture = 10,
       .variants = {{"unsynchronized", {}}, {"mutex", {}}}},
      {.id = "10.6", .name = "semaphore", .title = "Semaphore", .lecture = 10},
      {.id = "10.11", .aliases = {"11.1"}, .name = "process", .title = "Processes",
       .lecture = 10},
  });
}

TEST(Catalogue, FindsByNameIdAndAlias) {
  const Catalogue c = sample_catalogue();
  ASSERT_NE(c.find("race"), nullptr);
  EXPECT_EQ(c.find("race")->id, "10.4");
  ASSERT_NE(c.find("10.5"), nullptr);
  EXPECT_EQ(c.find("10.5")->name, "lock");
  ASSERT_NE(c.find("11.1"), nullptr);
  EXPECT_EQ(c.find("11.1")->name, "process");
  EXPECT_EQ(c.find("10.11"), c.find("11.1"));
  EXPECT_EQ(c.find("nope"), nullptr);
  EXPECT_EQ(c.find(""), nullptr);
  EXPECT_EQ(c.find("Race"), nullptr);  // names are exact
}

TEST(Catalogue, KeepsTheGivenOrder) {
  const Catalogue c = sample_catalogue();
  std::vector<std::string> names;
  for (const Example& e : c.examples()) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"race", "lock", "semaphore", "process"}));
}

TEST(Catalogue, DuplicateNameThrowsInvalidArgument) {
  EXPECT_THROW(Catalogue({{.id = "1", .name = "race"}, {.id = "2", .name = "race"}}),
               std::invalid_argument);
}

TEST(Catalogue, DuplicateIdThrowsInvalidArgument) {
  EXPECT_THROW(Catalogue({{.id = "1", .name = "race"}, {.id = "1", .name = "lock"}}),
               std::invalid_argument);
}

TEST(Catalogue, AliasClashingWithAnIdThrowsInvalidArgument) {
  EXPECT_THROW(Catalogue({{.id = "1", .name = "race"}, {.id = "2", .aliases = {"1"}, .name = "lock"}}),
               std::invalid_argument);
}

TEST(Catalogue, DuplicateErrorNamesTheKey) {
  try {
    Catalogue({{.id = "1", .name = "race"}, {.id = "2", .name = "race"}});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'race'"), std::string::npos) << e.what();
  }
}

TEST(Catalogue, SuggestsTheClosestName) {
  const Catalogue c = sample_catalogue();
  EXPECT_EQ(c.suggest("rase"), "race");
  EXPECT_EQ(c.suggest("lck"), "lock");
  EXPECT_EQ(c.suggest("semaphor"), "semaphore");
  EXPECT_EQ(c.suggest("sema"), "semaphore");  // a prefix counts as close
  EXPECT_EQ(c.suggest("rcae"), "race");       // two letters swapped are one step
}

TEST(Catalogue, SuggestsAnIdForAMistypedId) {
  const Catalogue c = sample_catalogue();
  EXPECT_EQ(c.suggest("10.44"), "10.4");
  EXPECT_EQ(c.suggest("11.1x"), "11.1");  // an alias is an id too
}

TEST(EditDistance, CountsASwapOfNeighboursAsOneStep) {
  EXPECT_EQ(concur::edit_distance("rcae", "race"), 1u);
  EXPECT_EQ(concur::edit_distance("race", "race"), 0u);
  EXPECT_EQ(concur::edit_distance("", "abc"), 3u);
  EXPECT_EQ(concur::edit_distance("abc", "cab"), 2u);
}

TEST(Catalogue, SuggestsNothingWhenNothingIsClose) {
  const Catalogue c = sample_catalogue();
  EXPECT_EQ(c.suggest("zzzzzz"), std::nullopt);
  EXPECT_EQ(c.suggest(""), std::nullopt);
  EXPECT_EQ(Catalogue().suggest("race"), std::nullopt);
}

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(concur::edit_distance("", ""), 0u);
  EXPECT_EQ(concur::edit_distance("race", "race"), 0u);
  EXPECT_EQ(concur::edit_distance("", "abc"), 3u);
  EXPECT_EQ(concur::edit_distance("abc", ""), 3u);
  EXPECT_EQ(concur::edit_distance("rase", "race"), 1u);
  EXPECT_EQ(concur::edit_distance("race", "races"), 1u);
  EXPECT_EQ(concur::edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(concur::edit_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(concur::edit_distance("lawn", "flaw"), 2u);
}

TEST(Catalogue, ToJsonHasTheSchemaAndEveryExampleInOrder) {
  const nlohmann::json j = sample_catalogue().to_json();
  EXPECT_EQ(j["schema"], "concur.catalogue/1");
  ASSERT_TRUE(j["examples"].is_array());
  ASSERT_EQ(j["examples"].size(), 4u);
  const nlohmann::json& lock = j["examples"][1];
  for (const char* key : {"id", "aliases", "name", "lecture", "title", "summary", "source", "lesson"})
    EXPECT_TRUE(lock.contains(key)) << key;
  EXPECT_EQ(lock["id"], "10.5");
  EXPECT_EQ(lock["name"], "lock");
  EXPECT_EQ(lock["lecture"], 10);
  EXPECT_EQ(lock["title"], "Lock");
  EXPECT_EQ(lock["aliases"], nlohmann::json::array());
  EXPECT_EQ(j["examples"][3]["aliases"], nlohmann::json::array({"11.1"}));
}

}  // namespace

TEST(CatalogueFile, ParsesEntriesAndSkipsCommentsAndBlankLines) {
  const auto entries = concur::parse_catalogue(
      "# the table\n"
      "\n"
      "lecture10/process   | 10.11, 11.1 | Process and start methods | A child; timed.\n"
      "supplementary/gil | s.1 | The GIL | Only processes are faster.\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].slug, "lecture10/process");
  EXPECT_EQ(entries[0].name, "process");
  EXPECT_EQ(entries[0].lecture, 10);
  EXPECT_EQ(entries[0].id, "10.11");
  EXPECT_EQ(entries[0].aliases, (std::vector<std::string>{"11.1"}));
  EXPECT_EQ(entries[0].title, "Process and start methods");
  EXPECT_EQ(entries[0].summary, "A child; timed.");
  EXPECT_EQ(entries[1].lecture, 0);
  EXPECT_TRUE(entries[1].aliases.empty());
}

TEST(CatalogueFile, AMalformedLineIsNamedByItsNumber) {
  auto message = [](std::string_view text) {
    try {
      (void)concur::parse_catalogue(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message("# x\nlecture10/race | 10.4 | Race\n"), testing::HasSubstr("catalogue line 2: 3 fields"));
  EXPECT_THAT(message("race | 10.4 | Race | s\n"), testing::HasSubstr("not folder/name"));
  EXPECT_THAT(message("lectures/race | 10.4 | Race | s\n"), testing::HasSubstr("neither lectureNN"));
  EXPECT_THAT(message("lecture10/race | 10.4,  | Race | s\n"), testing::HasSubstr("empty or spaced id"));
  EXPECT_THAT(message("lecture10/race | 10.4 |  | s\n"), testing::HasSubstr("an empty field"));
}

TEST(CatalogueFile, DescribeFillsTheExampleAndRefusesASecondSourceOfTruth) {
  const auto entries = concur::parse_catalogue("lecture10/race | 10.4 | Race condition | Updates are lost.\n");
  Example e;
  concur::describe(e, entries.at(0));
  EXPECT_EQ(e.id, "10.4");
  EXPECT_EQ(e.name, "race");
  EXPECT_EQ(e.lecture, 10);
  EXPECT_EQ(e.title, "Race condition");
  EXPECT_EQ(e.summary, "Updates are lost.");
  EXPECT_EQ(e.source, "demos/lecture10/race.cpp");
  EXPECT_EQ(e.lesson, "lessons/lecture10/race.md");
  Example twice;
  twice.title = "Race";
  EXPECT_THROW(concur::describe(twice, entries.at(0)), std::logic_error);
}

