// The verdict rules of verdict.h.
#include "verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace chinook::compare {

namespace {

// Iterations of Google Benchmark's memory-measurement run, at most (benchmark_runner.cc).
constexpr double kMemoryRunIterations = 16;

}  // namespace

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kRegression: return "regression";
    case Verdict::kImprovement: return "improvement";
    case Verdict::kUnchanged: return "unchanged";
    case Verdict::kInconclusive: return "inconclusive";
    case Verdict::kInfo: return "info";
    case Verdict::kNew: return "new";
    case Verdict::kMissing: return "missing";
    case Verdict::kFailed: return "failed";
    case Verdict::kSkipped: return "skipped";
  }
  return "?";
}

Verdict Decide(double change, double low, double high, double level, double p_adjusted, double threshold,
               Direction direction, double alpha, double confidence) {
  // Orient so that positive means worse.
  double worse = change, worse_low = low, worse_high = high;
  if (direction == Direction::kHigherIsBetter) worse = -change, worse_low = -high, worse_high = -low;
  const bool significant = p_adjusted < alpha;
  if (significant && worse > threshold) return Verdict::kRegression;
  if (significant && worse < -threshold) return Verdict::kImprovement;
  // Unchanged only when the interval rules out a change beyond the threshold, significant or not:
  // a real change of 3% whose interval reaches 11% may be a regression. The tolerance absorbs
  // rounding in the achieved level of exact intervals.
  if (level >= confidence - 1e-9 && worse_low > -threshold && worse_high < threshold) return Verdict::kUnchanged;
  return Verdict::kInconclusive;
}

Verdict DecideExact(std::string_view metric, const MetricRule& rule, const ExactFigures& f, std::string* note) {
  const double sign = rule.direction == Direction::kHigherIsBetter ? -1 : 1;
  const double worse_per_iteration = sign * (f.head - f.base);
  if (std::fabs(worse_per_iteration) <= rule.tolerance) return Verdict::kUnchanged;
  double n_base = f.base_iterations, n_head = f.head_iterations;
  if (metric == "allocs_per_iter") {
    // Google Benchmark's memory run lasts min(16, iterations) iterations (1.7 to 1.9).
    n_base = std::min(n_base, kMemoryRunIterations);
    n_head = std::min(n_head, kMemoryRunIterations);
  }
  if (n_base > 0 && n_head > 0) {
    const double total_base = f.base * n_base, total_head = f.head * n_head;
    const double worse_total = sign * (total_head - total_base);
    if (worse_total * worse_per_iteration <= 0 || std::fabs(worse_total) <= rule.slack) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "one-off: total per run %.6g -> %.6g over %.6g -> %.6g iterations", total_base,
                    total_head, n_base, n_head);
      *note = buf;
      return Verdict::kUnchanged;
    }
  }
  return worse_per_iteration > 0 ? Verdict::kRegression : Verdict::kImprovement;
}

void BenchmarkVerdict::Add(Verdict metric_verdict, int needed) {
  regression_ = regression_ || metric_verdict == Verdict::kRegression;
  improvement_ = improvement_ || metric_verdict == Verdict::kImprovement;
  if (metric_verdict == Verdict::kInconclusive) {
    inconclusive_ = true;
    needed_ = (needed < 0 || needed_ < 0) ? -1 : std::max(needed_, needed);
  }
}

Verdict BenchmarkVerdict::verdict() const {
  return regression_     ? Verdict::kRegression
         : improvement_  ? Verdict::kImprovement
         : inconclusive_ ? Verdict::kInconclusive
                         : Verdict::kUnchanged;
}

}  // namespace chinook::compare
