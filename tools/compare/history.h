// The history of a benchmark suite on one class of machine, and the change points in it.
//
// Store: one file per recorded run, `DIR/<machine class>/<UTC date>_<commit>.json`, each the
// unmodified Google Benchmark JSON of the run, whose "context" carries its provenance (commit,
// date, toolchain, library versions: ci/bench-context.sh). Files rather than a database: a run is
// reviewed, added and reverted like any other file in a pull request, two branches that each add
// a run merge without conflict, every tool that reads Google Benchmark JSON reads the history,
// and a few hundred runs are read in well under a second. A run is never overwritten.
//
// Machine class: runs are comparable only on like machines. The class is the CPU model and the
// CPU count from the provenance (chinook_cpu_model, chinook_cpu_count; else Google Benchmark's
// num_cpus and mhz_per_cpu), as a file-name-safe slug, e.g. "amd-epyc-7b13-2cpu"; --class names
// another.
//
// Analysis: per benchmark and metric (each benchmark's declared time clock by default), the
// series of per-run medians in time order (runs that lack the benchmark are gaps), logs of it
// searched for change points by E-divisive means (changepoint.h), alpha divided over the series.
// Each change point becomes a step: the commits between which it happened, its size (the ratio of
// the medians of the segments on either side) and a Hodges-Lehmann interval of that ratio.
//
// Thread safety: functions over values; file I/O is not synchronised with other writers.
#ifndef CHINOOK_TOOLS_COMPARE_HISTORY_H_
#define CHINOOK_TOOLS_COMPARE_HISTORY_H_

#include <string>
#include <vector>

#include "changepoint.h"
#include "chinook/status.h"
#include "gates.h"
#include "gbench.h"

namespace chinook::compare {

struct HistoryRun {
  std::string path;
  std::string commit;         // chinook_git_commit, or "unknown"
  std::string date;           // chinook_date_utc, else the library's "date"
  std::string machine_class;
  BenchmarkRun run;
};

// The machine class of a run (see above).
std::string MachineClass(const BenchmarkRun& run);

// Stores the results file in DIR/<class>/ and returns the stored path. Refuses (InvalidArgument)
// a file that is not Google Benchmark JSON, has no benchmarks, or would overwrite a stored run;
// AlreadyExists when the same run (same bytes) is stored already.
Result<std::string> AddToHistory(const std::string& results_path, const std::string& dir,
                                 const std::string& machine_class);

// The runs of one class in time order (an unknown class: an empty list). Every file is read; a
// bad one is an error naming it.
Result<std::vector<HistoryRun>> LoadHistory(const std::string& dir, const std::string& machine_class);

// The classes DIR holds.
std::vector<std::string> HistoryClasses(const std::string& dir);

struct HistorySeries {
  std::string benchmark;
  std::string metric;
  Direction direction = Direction::kLowerIsBetter;
  double threshold = 0.05;
  std::vector<int> runs;       // indices into the history
  std::vector<double> values;  // per-run medians
};

struct HistoryStep {
  std::string benchmark;
  std::string metric;
  int run = 0;                 // first run of the new segment
  std::string commit_before;   // last run before the step
  std::string commit_after;    // first run after it
  std::string date_after;
  double change = 0;           // relative: median after / median before - 1
  double ci_low = 0;
  double ci_high = 0;
  double p_value = 1;
  bool worse = false;          // in the metric's bad direction, the interval excluding 0
  bool better = false;         // in its good direction, the interval excluding 0
  bool beyond_threshold = false;
  bool newest = false;         // the last step of its series: where the series stands now
};

struct HistoryOptions {
  ChangePointOptions change_points;  // alpha is for the whole history: divided over the series
  std::vector<std::string> metrics;  // empty: each benchmark's declared time metric
  double confidence = 0.95;
};

struct HistoryAnalysis {
  std::string machine_class;
  std::vector<HistoryRun> runs;
  std::vector<HistorySeries> series;
  std::vector<HistoryStep> steps;
  double alpha_per_series = 0;
  // A series whose newest step is a regression beyond its threshold.
  bool NewestRegression() const;
};

HistoryAnalysis AnalyzeHistory(std::vector<HistoryRun> runs, const GatesConfig& config, const HistoryOptions& options);

std::string RenderHistoryText(const HistoryAnalysis& a);
std::string RenderHistoryMarkdown(const HistoryAnalysis& a);
// One self-contained page: a trend chart (SVG) per benchmark with its change points marked, the
// commit and date of every point on hover, and the table of steps.
std::string RenderHistoryHtml(const HistoryAnalysis& a);

// The newest `count` runs (at most) pooled as one run, for comparing a new run against what this
// machine class recorded recently. `used` receives their paths. The newest run decides which
// benchmarks the baseline has: one that only older runs carry (renamed or removed since) is left
// out and named in `left_out`, so that a new run is not told it is "MISSING".
Result<BenchmarkRun> RecentBaseline(const std::vector<HistoryRun>& runs, int count, std::vector<std::string>* used,
                                    std::vector<std::string>* left_out);

// A run as Google Benchmark JSON (one iteration entry per repetition), for files other tools read.
std::string WriteBenchmarkJson(const BenchmarkRun& run);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_HISTORY_H_
