// Nonparametric statistics for benchmark comparisons.
//
// Benchmark timings are skewed, heavy-tailed and often tied (counters), so everything here is
// rank-based: the Mann-Whitney U test for two independent samples (repetitions of two runs), the
// Wilcoxon signed-rank test for paired differences (ab rounds), and the Hodges-Lehmann estimates
// with their distribution-free confidence intervals that go with each test. Conventions follow R's
// wilcox.test (exact distributions when n < 50 and there are no ties; otherwise the normal
// approximation with tie correction and continuity correction), so figures can be checked against
// R or SciPy.
//
// Thread safety: all functions are pure; Rng is a value and must not be shared across threads.
#ifndef CHINOOK_TOOLS_COMPARE_STATS_H_
#define CHINOOK_TOOLS_COMPARE_STATS_H_

#include <cstdint>
#include <span>
#include <vector>

namespace chinook::compare::stats {

// Below this sample size, and without ties, the exact null distribution is used (as R does).
inline constexpr int kExactLimit = 50;

// REQUIRES: !v.empty(). The mean of the two middle values for even sizes.
double Median(std::span<const double> v);

// True when every value of `v` is the same (also for an empty or one-element span).
bool IsConstant(std::span<const double> v);

// Standard normal CDF and its inverse (REQUIRES: 0 < p < 1).
double NormalCdf(double z);
double NormalQuantile(double p);

struct TestResult {
  double statistic = 0;  // U of the first sample (pairs x > y, ties 1/2), or W+ for signed-rank
  double p_value = 1;    // two-sided
  bool exact = false;    // exact null distribution rather than the normal approximation
};

// Two-sided Mann-Whitney U test of x against y. REQUIRES: both non-empty.
TestResult MannWhitneyU(std::span<const double> x, std::span<const double> y);

// Two-sided Wilcoxon signed-rank test that the differences d are centred on zero. Zero
// differences are dropped (Wilcoxon's method, R's and SciPy's default); p is 1 when none remain.
TestResult WilcoxonSignedRank(std::span<const double> d);

// Exact null distributions, as probabilities of each statistic value 0..max.
std::vector<double> MannWhitneyDistribution(int m, int n);  // U, m*n + 1 entries
std::vector<double> SignedRankDistribution(int n);          // W+, n(n+1)/2 + 1 entries

struct Interval {
  double estimate = 0;
  double low = 0;
  double high = 0;
  // The confidence the interval actually has: with very small samples the requested level is out
  // of reach and the widest interval available is returned with its true (lower) level.
  double level = 0;
};

// Hodges-Lehmann estimate of the shift y - x (median of all pairwise differences) with Moses'
// distribution-free confidence interval at `confidence` (e.g. 0.95). Two or more identical values
// on each side (a deterministic counter) give the exact shift with level 1. REQUIRES: both
// non-empty.
Interval HodgesLehmannShift(std::span<const double> x, std::span<const double> y, double confidence);

// Hodges-Lehmann pseudo-median of paired differences (median of Walsh averages) with the
// signed-rank confidence interval. REQUIRES: !d.empty().
Interval HodgesLehmannPaired(std::span<const double> d, double confidence);

// Multiple-testing adjustments; each returns adjusted p-values in the input order.
// Holm controls the chance of any false alarm (family-wise error); Benjamini-Hochberg controls the
// expected share of false alarms among the alarms (false discovery rate).
std::vector<double> AdjustHolm(std::span<const double> p);
std::vector<double> AdjustBenjaminiHochberg(std::span<const double> p);

// The smallest two-sided p-value an exact test can produce at these sizes (2 / C(m+n, m) for U,
// 2 / 2^n for signed-rank): below the corrected alpha no amount of effect can be significant.
double MinimumMannWhitneyP(int m, int n);
double MinimumSignedRankP(int n);

// Deterministic pseudo-random numbers (SplitMix64) for bootstraps and simulations: the same seed
// gives the same sequence on every platform, unlike std::uniform_*_distribution.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  double Uniform();                 // [0, 1)
  uint64_t Below(uint64_t bound);   // [0, bound), REQUIRES: bound > 0
  double Normal();                  // standard normal (Box-Muller)

 private:
  uint64_t state_;
};

}  // namespace chinook::compare::stats

#endif  // CHINOOK_TOOLS_COMPARE_STATS_H_
