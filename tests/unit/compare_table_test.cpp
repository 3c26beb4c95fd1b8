// bench_compare's pure half (bench/compare_table.cpp): reading what the benchmark programs
// and the Python twins print, the row table, the markdown, the README's section.
#include "compare_table.hpp"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace cmp = bench::compare;

// What a benchmark program prints with --benchmark_format=json (trimmed): a line with
// Iterations() and UseRealTime(), one in ms with items/s, one that skipped with an error,
// and an aggregate that must be ignored.
constexpr std::string_view kBenchmarkJson = R"({
  "context": {"date": "2026-12-04T15:17:21+00:00", "num_cpus": 2},
  "benchmarks": [
    {"name": "Pipe/round_trip/placement:1/iterations:2000/real_time", "run_type": "iteration",
     "iterations": 2000, "real_time": 26.5, "cpu_time": 10.0, "time_unit": "us"},
    {"name": "Pipe/one_way/placement:1/real_time", "run_type": "iteration", "iterations": 10,
     "real_time": 20.0, "cpu_time": 15.0, "time_unit": "ms", "items_per_second": 500000.0},
    {"name": "Floor/pipe2_write_read_12B/placement:1/real_time", "run_type": "iteration",
     "error_occurred": true, "error_message": "could not pin the processes"},
    {"name": "Pipe/one_way/placement:1/real_time_median", "run_type": "aggregate",
     "real_time": 99.0, "time_unit": "ms", "items_per_second": 1.0}
  ]
})";

constexpr std::string_view kTwinJson = R"({
  "schema": "concur.twin/1", "script": "mp_compare.py", "python": "3.11.7", "reps": 1,
  "results": [
    {"name": "one_way/placement:1", "job": "one_way", "placement": 1, "unit": "items/s",
     "median": 150000.0, "floor": {"what": "os.pipe", "median": 600000.0}},
    {"name": "primes_threads", "job": "primes", "placement": null, "unit": "x", "median": 0.97}
  ]
})";

const cmp::Row& row_named(const std::vector<cmp::Row>& rows, std::string_view group, int placement) {
  for (const cmp::Row& r : rows)
    if (r.group == group && r.placement == placement) return r;
  throw std::runtime_error("no such row");
}

cmp::Header header_with_python() {
  cmp::Header h;
  h.date_utc = "2026-12-04 15:20 UTC";
  h.cores = 2;
  h.cpu_model = "AMD EPYC";
  h.kernel = "6.1.0";
  h.python = "Python 3.11.7";
  h.revision = "abc1234";
  h.load_average = "0.10 0.20 0.30";
  h.reps = 3;
  h.rows = "pipe-one-way";
  return h;
}

TEST(CompareTable, UndecoratedDropsWhatGoogleBenchmarkAppends) {
  EXPECT_EQ(cmp::undecorated("Pipe/round_trip/placement:1/iterations:2000/real_time"), "Pipe/round_trip/placement:1");
  EXPECT_EQ(cmp::undecorated("Process/fork/iterations:100/manual_time"), "Process/fork");
  EXPECT_EQ(cmp::undecorated("Queue/producers:1/consumers:1/real_time"), "Queue/producers:1/consumers:1");
  EXPECT_EQ(cmp::undecorated("Recorded/span+2_clock_reads/events_per_run:256"),
            "Recorded/span+2_clock_reads/events_per_run:256");
}

TEST(CompareTable, ParsesBenchmarkJsonInPlainUnits) {
  const cmp::Figures f = cmp::parse_benchmark_json(kBenchmarkJson);
  ASSERT_TRUE(f.lines.contains("Pipe/round_trip/placement:1"));
  EXPECT_DOUBLE_EQ(f.lines.at("Pipe/round_trip/placement:1").at("real_time"), 26.5e-6);
  EXPECT_DOUBLE_EQ(f.lines.at("Pipe/round_trip/placement:1").at("cpu_time"), 10e-6);
  EXPECT_DOUBLE_EQ(f.lines.at("Pipe/one_way/placement:1").at("real_time"), 20e-3);
  EXPECT_DOUBLE_EQ(f.lines.at("Pipe/one_way/placement:1").at("items_per_second"), 500000.0);  // not the aggregate's
  EXPECT_EQ(f.errors.at("Floor/pipe2_write_read_12B/placement:1"), "could not pin the processes");
  EXPECT_FALSE(f.lines.contains("Floor/pipe2_write_read_12B/placement:1"));
}

TEST(CompareTable, RefusesWhatIsNotBenchmarkJson) {
  EXPECT_THROW(cmp::parse_benchmark_json("Library was built as DEBUG"), std::runtime_error);
  EXPECT_THROW(cmp::parse_benchmark_json(R"({"context": {}})"), std::runtime_error);
  EXPECT_THROW(cmp::parse_twin_json(R"({"schema": "other", "results": []})"), std::runtime_error);
  EXPECT_THROW(cmp::parse_example_json("[]", 2), std::runtime_error);
}

TEST(CompareTable, ParsesTwinJsonMediansAndFloors) {
  const cmp::Figures f = cmp::parse_twin_json(kTwinJson);
  EXPECT_DOUBLE_EQ(f.lines.at("one_way/placement:1").at("median"), 150000.0);
  EXPECT_DOUBLE_EQ(f.lines.at("one_way/placement:1").at("floor"), 600000.0);
  EXPECT_DOUBLE_EQ(f.lines.at("primes_threads").at("median"), 0.97);
  EXPECT_FALSE(f.lines.at("primes_threads").contains("floor"));
}

TEST(CompareTable, ParsesTheExampleReportAndItsIdealSpeedup) {
  const std::string report = R"({"params": {"workers": 2, "limit": 2000000},
    "variants": [{"name": "sequential", "speedup": 1.0}, {"name": "threads", "speedup": 1.93},
                 {"name": "processes", "speedup": 1.88}]})";
  const cmp::Figures f = cmp::parse_example_json(report, 8);
  EXPECT_DOUBLE_EQ(f.lines.at("threads").at("speedup"), 1.93);
  EXPECT_DOUBLE_EQ(f.lines.at("ideal").at("speedup"), 2.0);  // two workers, whatever the cores
  EXPECT_DOUBLE_EQ(cmp::parse_example_json(report, 1).lines.at("ideal").at("speedup"), 1.0);  // one core
}

TEST(CompareTable, FilterMatchesExactlyTheNamesGiven) {
  const std::vector<std::string> names{"Recorded/span+2_clock_reads/events_per_run:256", "mp::Queue/1x1/placement:0"};
  EXPECT_EQ(cmp::filter_regex(names),
            "^(Recorded/span\\+2_clock_reads/events_per_run:256|mp::Queue/1x1/placement:0)(/|$)");
}

TEST(CompareTable, EveryWorkloadRunsOneProgramAndOneTwin) {
  const std::vector<cmp::Row> rows = cmp::table_rows();
  const std::vector<cmp::Workload> workloads = cmp::workloads(rows);
  std::set<std::string> groups;
  for (const cmp::Workload& w : workloads) {
    const cmp::Row& first = rows[w.rows.front()];
    groups.insert(w.group);
    for (std::size_t i : w.rows) {
      const cmp::Row& r = rows[i];
      EXPECT_EQ(r.concur.program, first.concur.program) << r.workload;
      if (r.floor.kind == cmp::Source::Kind::benchmark) {
        EXPECT_EQ(r.floor.program, first.concur.program) << r.workload;
      }
      EXPECT_EQ(r.python.program, first.python.program) << r.workload;
      EXPECT_EQ(r.concur.name.find("{p}"), std::string::npos) << "placement left unexpanded in " << r.concur.name;
    }
  }
  const std::vector<std::string> names = cmp::group_names();
  EXPECT_EQ(groups, std::set<std::string>(names.begin(), names.end()));
  // A placed row becomes three lines, one per placement, each naming its own.
  EXPECT_EQ(row_named(rows, "pipe-one-way", 2).concur.name, "Pipe/one_way/placement:2");
  EXPECT_EQ(row_named(rows, "manager", 1).python.name, "manager_get/placement:1");
}

TEST(CompareTable, AMissingNameGivesADashAndAFootnote) {
  const cmp::Row row = row_named(cmp::table_rows(), "pipe-one-way", 1);
  cmp::Figures figures = cmp::parse_benchmark_json(kBenchmarkJson);  // has no Pipe/one_way/placement:1 floor
  cmp::RowResult result{row, {}, {}, {}};
  for (auto [cell, source] : {std::pair{&result.concur, &row.concur}, std::pair{&result.floor, &row.floor}}) {
    const cmp::Found found = cmp::find(figures, *source, "bench_pipe");
    if (found.value) cell->values.push_back(*found.value);
    if (!found.note.empty()) cell->notes.push_back(found.note);
  }
  figures.lines.erase("Pipe/one_way/placement:1");
  const cmp::Found renamed = cmp::find(figures, row.concur, "bench_pipe");
  EXPECT_FALSE(renamed.value);
  EXPECT_NE(renamed.note.find("printed no `Pipe/one_way/placement:1`"), std::string::npos) << renamed.note;

  const std::string md = cmp::render_markdown(header_with_python(), {result});
  // The concur cell has its figure, the floor a dash with footnote 1, which says why.
  EXPECT_NE(md.find("| `Pipe` one way, small messages, placement 1 (one core) | 500 k msgs/s | - | - [1] | - | - |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("- [1] `bench_pipe` `Floor/pipe2_write_read_12B/placement:1` reported an error: could not pin"),
            std::string::npos) << md;
}

TEST(CompareTable, RendersMediansRatiosAndTargetsWithTheCPythonColumn) {
  const cmp::Row row = row_named(cmp::table_rows(), "pipe-one-way", 1);
  cmp::RowResult result{row, {{400e3, 500e3, 600e3}, {}}, {{1e6, 0.5e6, 2e6}, {}}, {{100e3, 200e3, 150e3}, {}}};
  const std::string md = cmp::render_markdown(header_with_python(), {result});
  EXPECT_NE(md.find("- date: 2026-12-04 15:20 UTC"), std::string::npos);
  EXPECT_NE(md.find("2 cores, AMD EPYC, Linux 6.1.0"), std::string::npos);
  EXPECT_NE(md.find("- Python 3.11.7"), std::string::npos);
  EXPECT_NE(md.find("- concur abc1234"), std::string::npos);
  EXPECT_NE(md.find("medians of 3 repetitions"), std::string::npos);
  EXPECT_NE(md.find("| workload | concur | CPython 3.11 | OS floor (same run) | concur / floor | concur vs CPython | target |"),
            std::string::npos) << md;
  // Medians 500 k, 1 M, 150 k; 0.5x the floor misses the 0.7x target; 3.33x CPython.
  EXPECT_NE(md.find("| 500 k msgs/s | 150 k msgs/s | 1000 k msgs/s | 0.50× | 3.33× | ≥ 0.7× floor: **missed** |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("How to read it:"), std::string::npos);
}

TEST(CompareTable, WithoutPythonTheCPythonColumnIsDashes) {
  const cmp::Row row = row_named(cmp::table_rows(), "pipe-64MiB", 2);
  cmp::Header h = header_with_python();
  h.python.reset();
  h.python_missing = "python3 not found";
  cmp::RowResult result{row, {{500e6}, {}}, {{500e6}, {}}, {}};
  const std::string md = cmp::render_markdown(h, {result});
  EXPECT_NE(md.find("- python3 not found: the CPython column is left empty"), std::string::npos) << md;
  EXPECT_NE(md.find("| concur | CPython | OS floor"), std::string::npos) << md;
  // The CPython cell and its ratio are dashes; the target on CPython cannot be judged.
  EXPECT_NE(md.find("| 500 MB/s | - | 500 MB/s | 1.00× | - | ≥ 1.2× CPython: not measured; ≥ 0.95× floor: met |"),
            std::string::npos) << md;
  EXPECT_EQ(md.find("[1]"), std::string::npos) << "no footnote for a column left empty on purpose";
}

TEST(CompareTable, TargetsAtOnePlacementAndOnTheIdealSpeedup) {
  const std::vector<cmp::Row> rows = cmp::table_rows();
  const cmp::Row round_trip_0 = row_named(rows, "pipe-round-trip", 0), round_trip_1 = row_named(rows, "pipe-round-trip", 1);
  const std::string md = cmp::render_markdown(
      header_with_python(), {{round_trip_0, {{30e-6}, {}}, {{20e-6}, {}}, {}}, {round_trip_1, {{5e-6}, {}}, {{2e-6}, {}}, {}}});
  EXPECT_NE(md.find("| 30.0 µs | - | 20.0 µs | 1.50× | - |  |"), std::string::npos) << md;  // no target at 0
  EXPECT_NE(md.find("| 5.00 µs | - | 2.00 µs | 2.50× | - | ≤ 2× floor: **missed** |"), std::string::npos) << md;

  cmp::Row primes;
  for (const cmp::Row& r : rows)
    if (r.group == "primes") primes = r;
  const std::string speedups = cmp::render_markdown(header_with_python(), {{primes, {{1.92}, {}}, {{2.0}, {}}, {{1.5}, {}}}});
  EXPECT_NE(speedups.find("| 1.92× | 1.50× | 2.00× (ideal) | 0.96× | 1.28× | ≥ 95% of ideal: met |"), std::string::npos)
      << speedups;
}

TEST(CompareTable, MedianAndFormats) {
  EXPECT_DOUBLE_EQ(cmp::median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(cmp::median({4, 1, 2, 3}), 2.5);
  EXPECT_EQ(cmp::format_value(4.213e6, cmp::Unit::mega_items_per_s), "4.21 M items/s");
  EXPECT_EQ(cmp::format_value(83.6e-6, cmp::Unit::micros), "83.6 µs");
  EXPECT_EQ(cmp::format_value(0.234e-3, cmp::Unit::millis), "0.234 ms");
  EXPECT_EQ(cmp::format_value(400e6, cmp::Unit::mega_bytes_per_s), "400 MB/s");
  EXPECT_EQ(cmp::format_ratio(0.0143), "0.0143×");
  EXPECT_EQ(cmp::format_ratio(12.34), "12.3×");
}

TEST(CompareTable, ReplacesTheReadmeSectionBetweenItsMarkers) {
  const std::string readme =
      "# concur\n\n## Performance\n\nIntro.\n\n<!-- bench-compare:begin -->\nold table\n<!-- bench-compare:end -->\n\n## Next\n";
  const std::optional<std::string> updated = cmp::replace_section(readme, "new table\n");
  ASSERT_TRUE(updated);
  EXPECT_EQ(*updated,
            "# concur\n\n## Performance\n\nIntro.\n\n<!-- bench-compare:begin -->\n\nnew table\n\n<!-- bench-compare:end -->\n\n## Next\n");
  EXPECT_EQ(cmp::replace_section(*updated, "new table\n"), updated) << "replacing twice changes nothing more";
  EXPECT_FALSE(cmp::replace_section("# no markers\n", "x"));
  EXPECT_FALSE(cmp::replace_section("<!-- bench-compare:end -->\n<!-- bench-compare:begin -->\n", "x")) << "out of order";
}

}  // namespace
