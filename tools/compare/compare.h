// The comparison engine: from two sides' measurements and the gates to verdicts.
//
// Two ways to compare:
//   - CompareFiles: two independent results files (baseline and current). Each metric's
//     repetitions are compared with the Mann-Whitney U test; the change is the Hodges-Lehmann
//     estimate of the ratio head/base (the median of all pairwise ratios) with Moses' interval.
//   - ComparePaired: interleaved rounds of two programs (ab mode). Round i of the base is paired
//     with round i of the head (they ran back to back); the per-round ratio of medians is tested
//     with the Wilcoxon signed-rank test and estimated by its Hodges-Lehmann pseudo-median, so that
//     drift of the machine between rounds cancels instead of posing as a change.
// Ratios are taken on the log scale when every value is positive (times, rates); otherwise the
// change is the shift divided by the baseline median.
//
// Verdicts, per metric that carries one (see gates.h for which do):
//   regression   significant after the multiple-testing correction (Holm by default, over every
//                tested metric of every benchmark) AND worse by more than its threshold;
//   improvement  the same, better;
//   unchanged    the interval lies within +-threshold: a settled "no change beyond threshold",
//                significant or not (a significant change whose interval still reaches past the
//                threshold is inconclusive: it may be a regression);
//   inconclusive anything else: the data cannot tell; `needed` estimates the repetitions (rounds
//                in ab mode) per side that would settle it.
// Exact metrics (allocation counts) skip the test while they repeat exactly on each side: an
// increase per iteration that the run's total confirms is a regression, however small (gates.h
// explains the tolerance and slack). One that varies between repetitions of the same binary
// (counts taken while other threads allocate) is no longer exact: it is tested like a sampled
// metric, and a significant shift beyond the tolerance per iteration is a regression, which
// identical code does not produce. A benchmark takes the worst verdict of its metrics.
//
// Sequential analysis (ab mode's adaptive sampling, CompareOptions::sequential): the data are
// looked at after n_1, n_2, ... rounds (n_1 = first_look, then growing by `growth`). Look k
// spends 6/(pi^2 k^2) of 1 - confidence on the interval that may settle a metric as unchanged.
// The false-alarm rate alpha is spent the same way, but only from the first look at which the
// signed-rank test over the whole family can reach significance at all (with 40 tests, 12
// rounds), so that early looks, which can only settle "unchanged", waste none of it. The spends
// sum to at most 1, so sampling until a verdict appears cannot inflate the error rates. A
// benchmark stopped at a look keeps that look's verdict; one the budget stopped between looks is
// analysed as the next look. Metrics that repeat exactly (deterministic) are outside the family.
//
// Thread safety: pure functions over values.
#ifndef CHINOOK_TOOLS_COMPARE_COMPARE_H_
#define CHINOOK_TOOLS_COMPARE_COMPARE_H_

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gates.h"
#include "gbench.h"
#include "stats.h"
#include "verdict.h"  // Verdict and the rules that decide it

namespace chinook::compare {

// Settling estimates above this many repetitions (or rounds) are reported as out of reach.
inline constexpr int kNeededCap = 1000;

// A statistical comparison of one metric on its analysis scale: the log ratio head/base when every
// value is positive, otherwise the raw difference head - base.
struct Estimate {
  stats::TestResult test;
  stats::Interval interval;  // on the analysis scale
  bool log_scale = true;
  double scale = 1;          // |base median| when not on the log scale
  std::vector<double> d;     // paired: the per-round differences on the analysis scale
};

struct MetricComparison {
  std::string metric;
  MetricRule rule;
  bool judged = false;      // carries a verdict (else shown only)
  int n_base = 0;           // samples per side: repetitions, or rounds when paired
  int n_head = 0;
  double base_median = 0;   // times in ns
  double head_median = 0;
  double change = 0;        // relative: +0.10 means head is 10% larger than base
  double ci_low = 0;        // interval of `change`
  double ci_high = 0;
  double ci_level = 0;      // the interval's achieved confidence
  double p_value = std::numeric_limits<double>::quiet_NaN();     // two-sided, NaN for exact metrics
  double p_adjusted = std::numeric_limits<double>::quiet_NaN();  // after the correction
  bool exact_test = false;  // exact null distribution (else normal approximation)
  double threshold = 0;     // fraction for statistical metrics; the tolerance per op for exact ones
  Verdict verdict = Verdict::kInfo;
  int needed = 0;           // inconclusive: samples per side to settle it; -1 beyond kNeededCap
  // Minimum detectable effect: the smallest relative change this sample would flag as
  // significant 80% of the time at the level applied (NaN when there is no interval). With an
  // "unchanged" verdict, the change is within +-max(|ci_low|, |ci_high|).
  double mde = std::numeric_limits<double>::quiet_NaN();
  int look = 0;             // sequential analysis: the look this verdict belongs to (0: not yet one)
  bool deterministic = false;  // the same value in every repetition on each side: no test needed
  bool at_look = true;      // sequential analysis: n is exactly a scheduled look
  std::string note;
  // Tested metrics (a p-value, not exact): what change and interval come from, kept for the
  // decision after the multiple-testing correction (sequential analysis narrows its interval).
  Estimate estimate;
};

struct BenchmarkComparison {
  std::string name;
  Verdict verdict = Verdict::kUnchanged;
  bool gated = false;
  int needed = 0;  // the largest `needed` of its inconclusive metrics
  // Decided at a look of the sequential plan (or not sequential): needs no more samples.
  bool settled = false;
  std::vector<MetricComparison> metrics;
  std::vector<std::string> notes;
};

// The geometric mean over benchmarks on both sides of head/base for one time metric, with a
// bootstrap interval (resampling repetitions, or rounds when paired; fixed seed).
struct GeoMean {
  std::string metric;  // "cpu_time", "real_time", or "time" for each benchmark's declared clock
  int benchmarks = 0;
  double change = 0;
  double ci_low = 0;
  double ci_high = 0;
};

struct Report {
  enum class Mode { kFiles, kAb, kCheck };
  Mode mode = Mode::kFiles;
  std::string base_label;
  std::string head_label;
  int rounds = 0;  // ab mode: the most rounds any benchmark got
  double seconds = 0;         // ab mode: wall time of the sampling
  double budget_seconds = 0;  // ab mode: the budget it had (0: none)
  bool budget_exhausted = false;  // ab mode: the budget stopped it with benchmarks unsettled
  int benchmarks_read = 0;  // check mode: benchmarks in the file
  double alpha = 0.01;
  double confidence = 0.95;
  Correction correction = Correction::kHolm;
  int tests = 0;  // size of the multiple-testing family
  bool advisory = false;
  bool fail_on_inconclusive = false;
  bool allow_absent = false;  // a filtered run: gated benchmarks it left out do not fail it
  std::vector<std::string> warnings;
  std::vector<ContextWarning> context_warnings;
  std::vector<std::pair<std::string, std::string>> base_provenance;  // chinook_* context entries
  std::vector<std::pair<std::string, std::string>> head_provenance;
  std::vector<BenchmarkComparison> benchmarks;
  std::vector<GeoMean> geomeans;
  std::vector<GateResult> gates;
  std::vector<std::string> input_errors;  // gates naming benchmarks nobody ran, etc.

  int Count(Verdict v) const;
  int CountGates(GateResult::Outcome o) const;
  // 0 pass; 1 regression (unless advisory), failed or missing gate, missing gated benchmark,
  // benchmark failing in the current run, or inconclusive with fail_on_inconclusive; 2 input error.
  int ExitCode() const;
};

// When to look at the data of an adaptive ab run (see the top of this file).
struct SequentialPlan {
  bool enabled = false;
  // Rounds at the first look: the exact signed-rank interval at the first look's level (98%)
  // needs about 7 pairs to exist at all.
  int first_look = 7;
  double growth = 1.25;  // n_{k+1} = max(n_k + 1, round(n_k * growth)): 7, 9, 11, 14, 18, 23, ...

  // Rounds at look k (1-based).
  int LookAt(int k) const;
  // 1-based look of a sample of n rounds: the last look at or before n, plus one when n falls
  // between looks (a final analysis there spends the next look's share); 0 before the first.
  int LookIndex(int n, bool* at_look) const;
  // The first look at which a family of `tests` signed-rank tests can reach significance at
  // level alpha times that look's spend; alpha is spent from there on.
  int FirstSignificantLook(int tests, double alpha) const;
  // The share look k (counted from where spending starts) spends: 6 / (pi^2 k^2).
  static double Spend(int k);
};

struct CompareOptions {
  // The time metrics that carry verdicts. Empty (the default) means each benchmark's own clock,
  // as Google Benchmark itself uses it to size the run: real_time for benchmarks registered with
  // UseRealTime() or UseManualTime() (their names end in /real_time or /manual_time), cpu_time
  // for the others; cpu_time leaves out the time a busy shared machine takes the CPU away.
  std::vector<std::string> time_metrics;
  bool allow_absent = false;          // gates naming benchmarks absent from the run are skipped
  bool advisory = false;              // regressions are reported but do not fail
  bool fail_on_inconclusive = false;
  uint64_t seed = 20240501;           // bootstrap seed: reports are reproducible
  int bootstrap_resamples = 2000;     // enough for stable 95% percentile intervals; 0: no geomean
  SequentialPlan sequential;          // paired comparisons only
};

Report CompareFiles(const BenchmarkRun& base, const BenchmarkRun& head, const GatesConfig& config,
                    const CompareOptions& options);

// Round i of each side ran back to back. Unequal or empty sides give a report with an input error.
Report ComparePaired(std::span<const BenchmarkRun> base_rounds, std::span<const BenchmarkRun> head_rounds,
                     const GatesConfig& config, const CompareOptions& options);

// The time metric a benchmark is judged on by default (see CompareOptions::time_metrics).
std::string_view DeclaredTimeMetric(std::string_view benchmark);

// Only the within-run gates of one results file (what `make bench` checks before any baseline).
Report CheckRun(const BenchmarkRun& run, const GatesConfig& config, const CompareOptions& options);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_COMPARE_H_
