// The gates file (benchmarks/gates.json): the project's performance goals and the rules that
// decide what counts as a regression.
//
// Format (JSON; every section optional; "reason" is required on gates and rules, one line each,
// so that a failure tells the reader why the goal exists):
//
//   {
//     "version": 1,
//     "defaults": {
//       "threshold_pct": 5,        // a change smaller than this is never called a regression
//       "alpha": 0.01,             // significance level after the multiple-testing correction
//       "correction": "holm",      // "holm" | "bh" (Benjamini-Hochberg) | "none"
//       "confidence": 0.95         // level of the reported intervals
//     },
//     "metrics": [                 // direction and role of metrics, first match wins, before the
//       {"pattern": "compression_ratio", "better": "higher", "verdict": true,  //   built-in rules
//        "reason": "smaller batches on the wire"},
//       {"pattern": "queries_per_op", "better": "lower", "exact": true, "tolerance": 0.01, "slack": 0,
//        "reason": "statements are counted, not sampled"}
//     ],
//     "ratios": [                  // (a) ratio of two benchmarks of the same run
//       {"id": "serialize-3x", "numerator": "BM_Serialize_Optimized", "denominator": "BM_Serialize_Naive",
//        "metric": "items_per_second", "min": 3.0, "reason": "issue 2 goal"}
//     ],
//     "bounds": [                  // (b) bound on a metric of every benchmark matching a pattern
//       {"id": "hit-rate", "benchmark": "BM_Cache_HitRate_Zipf/capacity:20000", "metric": "hit_rate",
//        "min": 0.85, "reason": "issue 5 goal"}
//     ],
//     "thresholds": [              // (c) regression thresholds by benchmark name pattern
//       {"benchmark": "BM_Repo_*", "threshold_pct": 10, "reason": "network round trips"}
//     ]
//   }
//
// Patterns are globs over the whole benchmark name: '*' matches any run of characters (slashes
// included), '?' one character. In a ratio gate with '*' in both names, benchmarks pair up by
// the text the stars matched ("BM_X_Fast/*" with "BM_X_Slow/*" pairs /8 with /8); without stars a
// gate names exactly one benchmark on each side. Thresholds: the first matching rule wins.
//
// Exact metrics are counts per iteration (allocations, bytes allocated, statements sent) that the
// program counts rather than samples. They skip the statistics: an increase counts when the
// figure per iteration grew by more than `tolerance` AND the total over the run (figure x
// iterations) grew by more than `slack`. The second condition is what keeps identical code from
// alarming: one-off allocations (set-up, first-iteration buffer growth) divided by the iteration
// count make a run with fewer iterations show a higher figure per iteration for the same code,
// while its total stays put. allocs_per_iter comes from the library's memory run, which lasts at
// most 16 iterations.
//
// Built-in metric rules (after the file's): real_time and cpu_time lower is better, verdict-bearing;
// allocs_per_op and allocs_per_iter lower, exact (tolerance 0.01 per iteration, slack 2
// allocations per run); bytes_per_op lower, exact (tolerance 1 byte, slack 4096 bytes per run);
// *_per_op lower, verdict-bearing; hit_rate and *_hit_rate higher, verdict-bearing;
// *_per_second higher, shown only (derived from the time, which already carries the verdict);
// max_bytes_used, total_allocated_bytes, net_heap_growth lower, shown only; anything else shown
// with no direction.
//
// Thread safety: values; functions are reentrant.
#ifndef CHINOOK_TOOLS_COMPARE_GATES_H_
#define CHINOOK_TOOLS_COMPARE_GATES_H_

#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/status.h"
#include "gbench.h"
#include "glob.h"  // GlobMatch: the patterns of the file
#include "json.h"

namespace chinook::compare {

enum class Direction { kLowerIsBetter, kHigherIsBetter, kUnknown };
enum class Correction { kHolm, kBenjaminiHochberg, kNone };

std::string_view CorrectionName(Correction c);

// How one metric is judged.
struct MetricRule {
  std::string pattern;
  Direction direction = Direction::kUnknown;
  bool exact = false;    // a count: compared by value, no test (see above)
  bool verdict = false;  // contributes to the benchmark's verdict (otherwise shown only)
  std::string reason;
  double tolerance = 0;  // exact: change per iteration below this is rounding
  double slack = 0;      // exact: change of the run's total below this is one-off jitter
};

struct RatioGate {
  std::string id;
  std::string numerator;    // benchmark name or glob
  std::string denominator;  // benchmark name or glob
  std::string metric;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::string reason;
};

struct BoundGate {
  std::string id;
  std::string benchmark;  // name or glob: every match must satisfy the bound
  std::string metric;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::string reason;
};

struct ThresholdRule {
  std::string benchmark;     // glob
  std::string metric = "*";  // glob
  double threshold = 0.05;   // fraction
  std::string reason;
};

struct GatesConfig {
  std::string source;  // file the config came from, "" for the defaults
  double threshold = 0.05;         // 5%: below typical run-to-run noise of a quiet machine
  // The chance of any false alarm per comparison (applied after the correction). Not the
  // conventional 0.05: a gate runs on every PR, and at 0.05 one comparison of identical code in
  // twenty may flag a benchmark (the trials saw 1 in 66: an "improvement" of a noisy
  // multi-threaded benchmark at 9 of 9 pairs). 0.01 costs two rounds where a change is real (a
  // family of six needs 11 pairs of one sign at the first look instead of 9) and none where it
  // is not; tools/compare/README.md has the figures.
  double alpha = 0.01;
  Correction correction = Correction::kHolm;  // controls the chance of any false alarm per run
  double confidence = 0.95;
  std::vector<MetricRule> metrics;  // the file's rules; built-ins apply after them
  std::vector<RatioGate> ratios;
  std::vector<BoundGate> bounds;
  std::vector<ThresholdRule> thresholds;

  // The rule for `metric`: the file's first match, else the built-in one.
  MetricRule RuleFor(std::string_view metric) const;
  // The regression threshold (fraction) for a benchmark's metric.
  double ThresholdFor(std::string_view benchmark, std::string_view metric) const;
  // True when a ratio or bound gate refers to `benchmark` (then its absence fails the run).
  bool IsGated(std::string_view benchmark) const;
};

// Parses a gates document; errors name the file, line and column.
Result<GatesConfig> ParseGates(const json::Value& doc, std::string_view source);
Result<GatesConfig> LoadGates(const std::string& path);

struct GateResult {
  enum class Outcome {
    kPass,
    kFail,
    kMissing,  // a gated benchmark the run should have had is absent or failed: fails
    kUnknown,  // the gate names benchmarks no input has: a broken gates file (exit 2)
    kSkipped,  // absent, and absent benchmarks were allowed (a filtered run)
  };
  std::string id;
  std::string description;  // "BM_Serialize_Optimized items_per_second >= 3 x BM_Serialize_Naive"
  std::string reason;
  Outcome outcome = Outcome::kPass;
  double value = 0;         // the measured ratio or metric (median), when there is one
  std::string detail;       // per-pair values, what is missing, suggestions
};

std::string_view OutcomeName(GateResult::Outcome o);

// Evaluates the ratio and bound gates on one side's data. `rounds` holds one or more runs of the
// same program: a ratio is computed within each run and the median over runs is gated, so that
// drift between runs cancels. `known` lists benchmark names seen anywhere (the baseline too): a
// gate naming none of them is kUnknown, one naming only benchmarks missing from `rounds` is
// kMissing; `allow_absent` turns both into kSkipped.
std::vector<GateResult> EvaluateGates(const GatesConfig& config, std::span<const BenchmarkRun> rounds,
                                      const std::vector<std::string>& known, bool allow_absent);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_GATES_H_
