// The verdict rules of compare.h: how one metric's figures become a regression, an improvement,
// unchanged or inconclusive (the statistical rule for sampled metrics, the tolerance-and-slack
// rule for exact counts of gates.h), and how a benchmark's metrics make the benchmark's verdict.
// The comparison engine (compare.cc) computes the figures; these rules only judge them.
//
// Thread safety: pure functions; BenchmarkVerdict is a value.
#ifndef CHINOOK_TOOLS_COMPARE_VERDICT_H_
#define CHINOOK_TOOLS_COMPARE_VERDICT_H_

#include <string>
#include <string_view>

#include "gates.h"

namespace chinook::compare {

enum class Verdict {
  kRegression,
  kImprovement,
  kUnchanged,
  kInconclusive,
  kInfo,     // metric shown without a verdict (direction unknown, or derived)
  kNew,      // only in the current run
  kMissing,  // only in the baseline
  kFailed,   // errored in the current run
  kSkipped,  // skipped by the benchmark program itself
};

std::string_view VerdictName(Verdict v);

// The verdict rule on one metric's figures (exposed for tests). `change`, `low`, `high` are
// relative changes; `level` is the interval's achieved confidence.
Verdict Decide(double change, double low, double high, double level, double p_adjusted, double threshold,
               Direction direction, double alpha, double confidence);

// What the exact rule judges: each side's figure per iteration and its median iterations per
// repetition (0 when the files do not say).
struct ExactFigures {
  double base = 0;
  double head = 0;
  double base_iterations = 0;
  double head_iterations = 0;
};

// The rule for an exact metric (`rule.exact`): it moved when its figure per iteration moved by
// more than `rule.tolerance` and the run's total (figure x iterations) moved the same way by more
// than `rule.slack`; see gates.h. A move the totals do not confirm is unchanged, and `*note` says
// why.
Verdict DecideExact(std::string_view metric, const MetricRule& rule, const ExactFigures& f, std::string* note);

// A benchmark takes the worst verdict of its metrics: a regression, else an improvement, else
// inconclusive, else unchanged; its `needed` is the largest of its inconclusive metrics' (-1, out
// of reach, wins).
class BenchmarkVerdict {
 public:
  void Add(Verdict metric_verdict, int needed);
  Verdict verdict() const;
  int needed() const { return needed_; }

 private:
  bool regression_ = false;
  bool improvement_ = false;
  bool inconclusive_ = false;
  int needed_ = 0;
};

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_VERDICT_H_
