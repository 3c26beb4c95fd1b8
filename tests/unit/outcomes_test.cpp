// concur::summarize_outcome / render_outcome: distributions over repeated runs.
#include <gtest/gtest.h>

#include <concur/harness/outcomes.hpp>

#include <string>
#include <vector>

namespace {

using nlohmann::json;

long long bucket_total(const json& summary) {
  long long total = 0;
  for (const json& b : summary["buckets"]) total += b["count"].get<long long>();
  return total;
}

TEST(Outcomes, NumbersGetAHistogramWhoseCountsAddUpToTheRuns) {
  const std::vector<json> lost = {0, 120, 4500, 4500, 61000, 98000, 3, 0, 77, 12000, 45000};
  const json s = concur::summarize_outcome(lost);
  EXPECT_EQ(s["kind"], "histogram");
  EXPECT_EQ(s["runs"], lost.size());
  EXPECT_EQ(bucket_total(s), static_cast<long long>(lost.size()));
  EXPECT_EQ(s["min"], 0);
  EXPECT_EQ(s["max"], 98000);
  EXPECT_EQ(s["median"], 4500);
  EXPECT_EQ(s["nonzero_runs"], 9);
  EXPECT_LE(s["buckets"].size(), 8u);
}

TEST(Outcomes, WholeNumberBucketsTileTheRangeWithoutGaps) {
  std::vector<json> values;
  for (int i = 0; i < 37; ++i) values.push_back(i * 7 % 23);
  const json s = concur::summarize_outcome(values);
  ASSERT_EQ(s["kind"], "histogram");
  double expected_from = s["min"].get<double>();
  for (const json& b : s["buckets"]) {
    EXPECT_EQ(b["from"].get<double>(), expected_from);
    EXPECT_GE(b["to"].get<double>(), b["from"].get<double>());
    expected_from = b["to"].get<double>() + 1;
  }
  EXPECT_EQ(s["buckets"].back()["to"].get<double>(), s["max"].get<double>());
  EXPECT_EQ(bucket_total(s), 37);
}

TEST(Outcomes, FractionsAndASingleValueStillAddUp) {
  const json fractions = concur::summarize_outcome({0.5, 0.25, 1.75, 0.5});
  EXPECT_EQ(bucket_total(fractions), 4);
  const json same = concur::summarize_outcome({7, 7, 7});
  ASSERT_EQ(same["buckets"].size(), 1u);
  EXPECT_EQ(same["buckets"][0]["count"], 3);
}

TEST(Outcomes, OtherValuesAreCountedByDistinctValueMostFrequentFirst) {
  const json a = json::array({"Thread-1", "Thread-2"});
  const json b = json::array({"Thread-2", "Thread-1"});
  const json s = concur::summarize_outcome({a, b, a, a, b, a});
  EXPECT_EQ(s["kind"], "distinct");
  EXPECT_EQ(s["runs"], 6);
  EXPECT_EQ(s["distinct"], 2);
  EXPECT_EQ(s["values"][0]["value"], a);
  EXPECT_EQ(s["values"][0]["count"], 4);
  EXPECT_EQ(s["values"][1]["count"], 2);
}

TEST(Outcomes, MissingValuesAreSkipped) {
  const json s = concur::summarize_outcome({json(), 3, json()});
  EXPECT_EQ(s["runs"], 1);
  EXPECT_EQ(bucket_total(s), 1);
  EXPECT_EQ(concur::summarize_outcome({json()})["runs"], 0);
}

TEST(Outcomes, RenderShowsTheSummaryLineAndOneBarPerBucket) {
  const json s = concur::summarize_outcome({0, 10, 20, 30, 40, 50, 60, 70, 80, 90});
  const std::string text = concur::render_outcome("unsynchronized · lost", s, false);
  EXPECT_NE(text.find("unsynchronized · lost: min 0, median 45, max 90; non-zero in 9 of 10 runs"),
            std::string::npos)
      << text;
  const auto lines = std::count(text.begin(), text.end(), '\n');
  EXPECT_EQ(lines, 1 + static_cast<long>(s["buckets"].size()));
  EXPECT_EQ(text.find("\x1b["), std::string::npos);

  const json orders = concur::summarize_outcome({json::array({"A", "B"}), json::array({"B", "A"})});
  const std::string listed = concur::render_outcome("finish_order", orders, true);
  EXPECT_NE(listed.find("2 distinct in 2 runs"), std::string::npos);
  EXPECT_NE(listed.find("A, B"), std::string::npos);
  EXPECT_NE(listed.find("\x1b["), std::string::npos);  // the bars are coloured when asked
}

}  // namespace
