// Reading Google Benchmark JSON output (--benchmark_out_format=json, or --benchmark_format=json on
// stdout) from any Google Benchmark program, versions 1.5 to 1.9.
//
// What the reader does with each entry of "benchmarks":
//   - iteration entries (run_type "iteration", or no run_type in old files): one sample per
//     metric: real_time and cpu_time converted to nanoseconds, every other numeric member (user
//     counters, and the memory fields allocs_per_iter, max_bytes_used, total_allocated_bytes,
//     net_heap_growth) as it is;
//   - aggregate entries (mean, median, stddev, cv, user statistics): kept aside, and used as the
//     samples (median, else mean) only when a benchmark has no iteration entries at all
//     (--benchmark_report_aggregates_only). cv aggregates are ratios (aggregate_unit
//     "percentage": 0.05 means 5%), never times;
//   - complexity entries (BigO, RMS): coefficients and errors, not times: not compared;
//   - errored (error_occurred) and skipped entries give no samples; the error is kept.
// NaN and Infinity (bare tokens, as the library writes them) and null are accepted by the parser
// and then dropped from the samples with a warning, since they cannot be ranked.
//
// Input is untrusted; what no Google Benchmark run can produce is an error naming the file, the
// line (and column where there is one value to blame), the benchmark and the field:
//   - a benchmark left with no usable real_time or cpu_time (every value NaN, infinite, null, or
//     none at all): it would otherwise pass as "unchanged" on nothing;
//   - a string, boolean, array or object in a field the library writes as a number;
//   - a negative or zero time (a zero cpu_time is allowed, with a warning, in benchmarks timed by
//     the wall clock: .../real_time, .../manual_time), an iteration count below 1 or fractional;
//   - two benchmarks of one name: the same repetition_index or aggregate twice, different
//     family_index/per_family_instance_index (one name registered twice), or, in files without
//     repetition_index (before 1.5), a name that comes back after other benchmarks;
//   - no benchmarks at all (an empty array or an empty file: "no benchmarks in FILE");
//   - a key twice in one JSON object (json.h).
// Memory-manager fields (max_bytes_used, total_allocated_bytes, net_heap_growth,
// allocs_per_iter) are dropped with a warning where they cannot be trusted: from every repetition
// but the last, and from aggregates, in files from Google Benchmark 1.6.0 to 1.9.1 with
// repetitions (a dangling pointer: google/benchmark#1939, fixed in 1.9.2; 1.6 and 1.7 are
// recognised by family_index without library_version), and in any file where a value is not a
// finite, non-negative (net_heap_growth: any sign) whole number below 2^44 bytes or 2^40
// allocations.
//
// Thread safety: values; the functions are reentrant.
#ifndef CHINOOK_TOOLS_COMPARE_GBENCH_H_
#define CHINOOK_TOOLS_COMPARE_GBENCH_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chinook/status.h"
#include "json.h"

namespace chinook::compare {

// The two time metrics every benchmark has, in nanoseconds after reading.
inline constexpr std::string_view kRealTime = "real_time";
inline constexpr std::string_view kCpuTime = "cpu_time";

// One benchmark (one run_name) of one results file.
struct Measurements {
  std::string name;
  // Metric name -> samples in repetition order. Times are in nanoseconds.
  std::map<std::string, std::vector<double>, std::less<>> samples;
  std::vector<std::string> metric_order;  // metrics in the order the file lists them
  // Iterations of each repetition (empty when only aggregates were read): per-iteration counters
  // are totals divided by these, which the comparison of exact metrics undoes.
  std::vector<double> iterations;
  // True when the file held only aggregates for this benchmark: samples then hold one value each
  // (the median aggregate, else the mean), and no test has the data to be significant.
  bool from_aggregates = false;
  int repetitions = 0;  // the "repetitions" member: how many the program was asked for
  // Coefficient of variation per metric (a fraction) from a cv aggregate, when the file has one.
  std::map<std::string, double, std::less<>> cv;
  std::string error;    // error_message when every repetition failed (then samples is empty)
  std::string skipped;  // skip_message for benchmarks the program skipped (1.8+)
  int threads = 1;
  int first_line = 0;  // where the benchmark first appears in the file, for messages

  // The samples of `metric`, or nullptr.
  const std::vector<double>* Find(std::string_view metric) const;
  bool ok() const { return error.empty() && skipped.empty() && !samples.empty(); }
};

// One results file.
struct BenchmarkRun {
  std::string source;  // the path or label the data came from
  // Scalar members of "context" in file order, as text (numbers and booleans formatted), including
  // custom context (--benchmark_context, AddCustomContext); arrays such as caches are left out.
  std::vector<std::pair<std::string, std::string>> context;
  std::vector<Measurements> benchmarks;  // in file order
  std::vector<std::string> warnings;     // oddities that did not stop the read

  const Measurements* Find(std::string_view name) const;
  Measurements* Find(std::string_view name);
  // The context value, or "" when absent.
  std::string ContextValue(std::string_view key) const;
};

// Parses Google Benchmark JSON text. Errors name `source` and the line/column or the entry
// ("base.json:14:5: benchmark 3 (BM_Foo): unknown time_unit \"fs\"").
Result<BenchmarkRun> ReadBenchmarkJson(std::string_view text, std::string_view source);
Result<BenchmarkRun> ReadBenchmarkFile(const std::string& path);

// Appends `more` to `into` (same benchmark names concatenate their samples), keeping the first
// file's context. Used to pool the repetitions of several runs of one program.
void MergeRuns(const BenchmarkRun& more, BenchmarkRun* into);

struct ContextWarning {
  bool voids = false;  // true when the difference makes timing comparisons meaningless
  std::string message;
};

// Differences between two runs' contexts that weaken or void a comparison: a debug build, CPU
// frequency scaling, another host, another CPU count or clock, another allocator or library
// version, and (with check_dates) recordings made on different days.
std::vector<ContextWarning> CompareContexts(const BenchmarkRun& base, const BenchmarkRun& head, bool check_dates);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_GBENCH_H_
