// compare_table.hpp - the pure half of bench_compare (issue 19): which benchmark line
// feeds which cell of the concur-vs-CPython table, reading what the benchmark programs,
// the Python twins and `concur primes` print, and turning medians into markdown. Nothing
// here starts a process or reads the clock; bench_compare.cpp does that, and
// tests/unit/compare_table_test.cpp tests this.
//
// The table's rows are kRows in compare_table.cpp: edit that one table when a benchmark
// is renamed. A name missing from a program's output gives a "-" with a footnote.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bench::compare {

// ---- the rows -----------------------------------------------------------------------------

// How a figure is shown. Rates (items/s, bytes/s, a speedup) are better higher; times
// (µs, ms, ns) better lower. Every figure is kept in plain units (items/s, bytes/s,
// seconds, x) and scaled only when shown.
enum class Unit { mega_items_per_s, kilo_items_per_s, kilo_msgs_per_s, mega_bytes_per_s, micros, millis, nanos, speedup };

bool higher_is_better(Unit unit);

// Where a cell's figure comes from. `{p}` in a name stands for the row's placement.
struct Source {
  enum class Kind {
    none,       // nothing to show in this cell
    benchmark,  // a Google Benchmark line: program, line name, field
    example,    // `concur <program ...> --json -`: name is a variant, field "speedup"
    twin,       // a Python twin: program is the script, job its --only, name a result,
                // field "median" or "floor"
  };
  Kind kind = Kind::none;
  std::string program;  // bench_pipe; "primes --limit 2000000 --workers 2"; mp_compare.py
  std::string job;      // a twin's job
  std::string name;
  std::string field;    // items_per_second, bytes_per_second, real_time, cpu_time; speedup; median
};

// One condition of a row's target: the concur figure itself, or its ratio to the floor
// or to CPython, at least or at most `bound`; at one placement only when `placement` >= 0.
struct Condition {
  enum class Of { value, floor_ratio, python_ratio };
  Of of = Of::value;
  bool at_least = true;
  double bound = 0;
  int placement = -1;
};

// A line of the table: a row of kRows at one placement (-1: the row has none).
struct Row {
  std::string group;     // the name --only takes
  std::string workload;  // the first column
  int placement = -1;
  Unit unit = Unit::micros;
  Source concur, floor, python;
  std::vector<Condition> target;
};

// Every line of the table, in order, placements expanded.
std::vector<Row> table_rows();
// The names --only takes, in table order, each once.
std::vector<std::string> group_names();

// The rows that run together, one group at one placement, in table order: one run of the
// group's concur program (its lines and their floors), then one run of its twin.
struct Workload {
  std::string group;
  int placement = -1;
  std::vector<std::size_t> rows;  // indexes into the rows given
};
std::vector<Workload> workloads(const std::vector<Row>& rows);

// ---- what the programs print --------------------------------------------------------------

// What one program run printed, by line (or result, or variant) name, then field. A line
// that reported an error has no fields and its message in `errors`.
struct Figures {
  std::map<std::string, std::map<std::string, double>> lines;
  std::map<std::string, std::string> errors;
};

// A Google Benchmark line's name without the decorations the library appends
// ("/iterations:2000", "/real_time", "/manual_time", ...): the name kRows uses.
std::string undecorated(std::string_view name);

// Google Benchmark's --benchmark_format=json output: real_time and cpu_time in seconds,
// items_per_second, bytes_per_second, and each line's own counters. Aggregate lines
// (_median, _mean, ...) are skipped. Throws std::runtime_error on text that is not it.
Figures parse_benchmark_json(std::string_view text);
// A Python twin's --json file (schema concur.twin/1): each result's "median" and, when it
// has one, its "floor". Throws std::runtime_error on text that is not it.
Figures parse_twin_json(std::string_view text);
// `concur EXAMPLE --json -`: each variant's "speedup", and a line "ideal" whose speedup
// is the most `workers` could give on `cores` cores. Throws std::runtime_error.
Figures parse_example_json(std::string_view text, int cores);

// The --benchmark_filter that runs exactly these lines (and any decorated form of them).
std::string filter_regex(std::span<const std::string> names);

// ---- cells, and the markdown ----------------------------------------------------------------

// One cell over the repetitions: what was measured, and why something is not there.
struct Cell {
  std::vector<double> values;
  std::vector<std::string> notes;  // footnotes: a missing line, a failed program
};

// The figure `source` names in `figures`, or a note saying why there is none.
struct Found {
  std::optional<double> value;
  std::string note;
};
Found find(const Figures& figures, const Source& source, std::string_view program_shown);

struct RowResult {
  Row row;
  Cell concur, floor, python;
};

// What the text above the table says about the run.
struct Header {
  std::string date_utc;      // "2026-12-04 15:20 UTC"
  int cores = 0;
  std::string cpu_model;
  std::string kernel;
  std::optional<std::string> python;  // "Python 3.11.7"; nullopt: not found or not run
  std::string python_missing;         // then why: "python3 not found", "--no-python"
  std::string revision;               // "9435b56", "9435b56-modified"
  std::string load_average;           // "0.58 0.78 2.38"
  int reps = 0;
  std::string rows;                   // "all", or the --only list
};

double median(std::vector<double> values);
// A figure in its row's unit ("4.21 M items/s", "83.6 µs"); a ratio ("0.85×").
std::string format_value(double value, Unit unit);
std::string format_ratio(double ratio);

// The whole markdown: header lines, the table, footnotes, how to read it.
std::string render_markdown(const Header& header, const std::vector<RowResult>& results);

// README.md with the text between the markers replaced by `body`; nullopt when the
// markers are missing or out of order.
inline constexpr std::string_view kBeginMarker = "<!-- bench-compare:begin -->";
inline constexpr std::string_view kEndMarker = "<!-- bench-compare:end -->";
std::optional<std::string> replace_section(std::string_view readme, std::string_view body);

}  // namespace bench::compare
