// Statistics against known values. Reference figures come from SciPy 1.10.1
// (scipy.stats.mannwhitneyu / wilcoxon, two-sided) and from enumerating the exact null
// distributions by brute force; both are noted beside each expectation.
#include "stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

namespace chinook::compare::stats {
namespace {

TEST(MedianTest, OddEvenAndUnsorted) {
  EXPECT_DOUBLE_EQ(Median(std::vector<double>{3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median(std::vector<double>{4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median(std::vector<double>{7}), 7);
}

TEST(NormalTest, QuantileInvertsCdf) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(NormalQuantile(1e-6), -4.753424308822899, 1e-9);
  for (double p : {1e-10, 0.001, 0.1, 0.3, 0.7, 0.99, 1 - 1e-9}) EXPECT_NEAR(NormalCdf(NormalQuantile(p)), p, p * 1e-9);
}

TEST(MannWhitneyDistributionTest, SmallSizesByEnumeration) {
  // m = n = 3: the 20 orderings give U = 0..9 with counts 1 1 2 3 3 3 3 2 1 1.
  const std::vector<double> pmf = MannWhitneyDistribution(3, 3);
  const std::vector<double> counts = {1, 1, 2, 3, 3, 3, 3, 2, 1, 1};
  ASSERT_EQ(pmf.size(), counts.size());
  for (size_t u = 0; u < counts.size(); ++u) EXPECT_NEAR(pmf[u], counts[u] / 20.0, 1e-15) << u;
  const std::vector<double> big = MannWhitneyDistribution(40, 45);
  EXPECT_NEAR(std::accumulate(big.begin(), big.end(), 0.0), 1.0, 1e-12);
  EXPECT_NEAR(big.front(), 1.0 / std::exp(std::lgamma(86) - std::lgamma(41) - std::lgamma(46)), 1e-30);
}

TEST(SignedRankDistributionTest, SmallSizesByEnumeration) {
  // n = 4: 16 sign patterns, W+ = 0..10 with counts 1 1 1 2 2 2 2 2 1 1 1.
  const std::vector<double> pmf = SignedRankDistribution(4);
  const std::vector<double> counts = {1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1};
  ASSERT_EQ(pmf.size(), counts.size());
  for (size_t w = 0; w < counts.size(); ++w) EXPECT_NEAR(pmf[w], counts[w] / 16.0, 1e-15) << w;
}

TEST(MannWhitneyTest, ExactSmallSamplesMatchSciPy) {
  // scipy.stats.mannwhitneyu([1.1,2.2,3.3,4.4], [5.5,...,9.9], method='exact'): U=0, p=0.015873
  // (= 2 / C(9,4)).
  TestResult r = MannWhitneyU(std::vector<double>{1.1, 2.2, 3.3, 4.4}, std::vector<double>{5.5, 6.6, 7.7, 8.8, 9.9});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.statistic, 0);
  EXPECT_NEAR(r.p_value, 0.015873015873015872, 1e-12);
  // The same samples the other way round: U = 20, same p.
  r = MannWhitneyU(std::vector<double>{5.5, 6.6, 7.7, 8.8, 9.9}, std::vector<double>{1.1, 2.2, 3.3, 4.4});
  EXPECT_DOUBLE_EQ(r.statistic, 20);
  EXPECT_NEAR(r.p_value, 0.015873015873015872, 1e-12);
  // x=[10.1,11.3,9.8,10.6,10.9], y=[11.8,12.4,11.1,12.9,11.5]: SciPy U=1, p=0.015873.
  r = MannWhitneyU(std::vector<double>{10.1, 11.3, 9.8, 10.6, 10.9}, std::vector<double>{11.8, 12.4, 11.1, 12.9, 11.5});
  EXPECT_DOUBLE_EQ(r.statistic, 1);
  EXPECT_NEAR(r.p_value, 0.015873015873015872, 1e-12);
  EXPECT_NEAR(MinimumMannWhitneyP(5, 5), 2.0 / 252, 1e-15);
}

TEST(MannWhitneyTest, NormalApproximationWithTiesMatchesSciPy) {
  // scipy.stats.mannwhitneyu([1,2,2,3,3,3,4,5], [3,4,4,5,5,6,7,7,8], method='asymptotic',
  // use_continuity=True): U=7.5, p=0.006373133838085873.
  const TestResult r = MannWhitneyU(std::vector<double>{1, 2, 2, 3, 3, 3, 4, 5},
                                    std::vector<double>{3, 4, 4, 5, 5, 6, 7, 7, 8});
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.statistic, 7.5);
  EXPECT_NEAR(r.p_value, 0.006373133838085873, 1e-12);
}

TEST(MannWhitneyTest, LargeSamplesUseNormalApproximation) {
  // x = 0.25, 1.25, ..., 59.25 against y = 30, 31, ..., 99 (no ties): beyond the exact limit.
  // scipy.stats.mannwhitneyu(x, y, method='asymptotic', use_continuity=True): U=465,
  // p=2.2872833707901953e-14.
  std::vector<double> x(60), y(70);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i) + 0.25;
  std::iota(y.begin(), y.end(), 30.0);
  const TestResult r = MannWhitneyU(x, y);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.statistic, 465);
  EXPECT_NEAR(r.p_value / 2.2872833707901953e-14, 1.0, 1e-6);
  // With the overlap tied instead (x = 0..59): U = 450, tie-corrected p = 1.3216212987572735e-14.
  std::iota(x.begin(), x.end(), 0.0);
  const TestResult tied = MannWhitneyU(x, y);
  EXPECT_DOUBLE_EQ(tied.statistic, 450);
  EXPECT_NEAR(tied.p_value / 1.3216212987572735e-14, 1.0, 1e-6);
}

TEST(MannWhitneyTest, IdenticalSamplesGivePOne) {
  EXPECT_DOUBLE_EQ(MannWhitneyU(std::vector<double>{5, 5, 5}, std::vector<double>{5, 5, 5}).p_value, 1.0);
  EXPECT_DOUBLE_EQ(MannWhitneyU(std::vector<double>{1}, std::vector<double>{2}).p_value, 1.0);
}

TEST(WilcoxonSignedRankTest, ExactMatchesSciPy) {
  // scipy.stats.wilcoxon([1.5,-0.3,2.1,0.7,1.1,-0.2,0.9,1.8], method='exact'): T=min(W+,W-)=3,
  // p=0.0390625 (= 10/256). We report W+ = 36 - 3.
  const TestResult r = WilcoxonSignedRank(std::vector<double>{1.5, -0.3, 2.1, 0.7, 1.1, -0.2, 0.9, 1.8});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.statistic, 33);
  EXPECT_NEAR(r.p_value, 0.0390625, 1e-15);
  EXPECT_NEAR(MinimumSignedRankP(15), 2.0 / 32768, 1e-18);
}

TEST(WilcoxonSignedRankTest, ZerosAndTiesUseCorrectedNormalApproximation) {
  // scipy.stats.wilcoxon([1,2,2,3,-1,4,4,5,0,6], zero_method='wilcox', correction=True,
  // method='approx'): p=0.01488986083365417.
  const TestResult r = WilcoxonSignedRank(std::vector<double>{1, 2, 2, 3, -1, 4, 4, 5, 0, 6});
  EXPECT_FALSE(r.exact);
  EXPECT_NEAR(r.p_value, 0.01488986083365417, 1e-12);
}

TEST(WilcoxonSignedRankTest, AllZeroDifferencesGivePOne) {
  EXPECT_DOUBLE_EQ(WilcoxonSignedRank(std::vector<double>{0, 0, 0, 0}).p_value, 1.0);
}

TEST(HodgesLehmannTest, ShiftAndMosesIntervalByEnumeration) {
  // Brute force: median of the 25 differences y - x is 1.4; the exact U distribution for 5 v 5
  // gives qwilcox(0.025) = 3, so the interval is [d(3), d(23)] = [0.2, 2.6] at level
  // 1 - 2 * 4/252 = 0.968254.
  const Interval ci = HodgesLehmannShift(std::vector<double>{10.1, 11.3, 9.8, 10.6, 10.9},
                                         std::vector<double>{11.8, 12.4, 11.1, 12.9, 11.5}, 0.95);
  EXPECT_NEAR(ci.estimate, 1.4, 1e-12);
  EXPECT_NEAR(ci.low, 0.2, 1e-12);
  EXPECT_NEAR(ci.high, 2.6, 1e-12);
  EXPECT_NEAR(ci.level, 1 - 2 * 4.0 / 252, 1e-12);
}

TEST(HodgesLehmannTest, PairedPseudoMedianAndIntervalByEnumeration) {
  // Brute force over the 36 Walsh averages: median 0.08; qsignrank(0.025, 8) = 4, so the interval
  // is [w(4), w(33)] = [0.02, 0.12] at level 1 - 2 * 5/256 = 0.9609375.
  const Interval ci = HodgesLehmannPaired(std::vector<double>{0.12, -0.03, 0.08, 0.15, 0.05, 0.11, 0.02, 0.09}, 0.95);
  EXPECT_NEAR(ci.estimate, 0.08, 1e-12);
  EXPECT_NEAR(ci.low, 0.02, 1e-12);
  EXPECT_NEAR(ci.high, 0.12, 1e-12);
  EXPECT_NEAR(ci.level, 0.9609375, 1e-12);
}

TEST(HodgesLehmannTest, TinySamplesReportTheLevelTheyReach) {
  // Two against two: the widest interval [min, max] of the differences has level 1 - 2/6.
  const Interval ci = HodgesLehmannShift(std::vector<double>{1, 2}, std::vector<double>{3, 5}, 0.95);
  EXPECT_NEAR(ci.low, 1, 1e-12);
  EXPECT_NEAR(ci.high, 4, 1e-12);
  EXPECT_NEAR(ci.level, 1 - 2.0 / 6, 1e-12);
}

TEST(HodgesLehmannTest, DeterministicValuesGiveTheExactShift) {
  Interval ci = HodgesLehmannShift(std::vector<double>{3.3, 3.3, 3.3}, std::vector<double>{3.4, 3.4, 3.4}, 0.95);
  EXPECT_NEAR(ci.estimate, 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(ci.low, ci.high);
  EXPECT_DOUBLE_EQ(ci.level, 1.0);
  // One value a side proves nothing.
  ci = HodgesLehmannShift(std::vector<double>{3.3}, std::vector<double>{3.4}, 0.95);
  EXPECT_LT(ci.level, 0.95);
  EXPECT_DOUBLE_EQ(HodgesLehmannPaired(std::vector<double>{0.5, 0.5, 0.5}, 0.95).level, 1.0);
}

TEST(AdjustTest, HolmAndBenjaminiHochberg) {
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  // Holm: sorted 0.005*4, 0.01*3, 0.03*2, 0.04*1 -> 0.02, 0.03, 0.06, max(0.04, 0.06).
  const std::vector<double> holm = AdjustHolm(p);
  EXPECT_NEAR(holm[0], 0.03, 1e-15);
  EXPECT_NEAR(holm[1], 0.06, 1e-15);
  EXPECT_NEAR(holm[2], 0.06, 1e-15);
  EXPECT_NEAR(holm[3], 0.02, 1e-15);
  // BH: 0.005*4/1, 0.01*4/2, 0.03*4/3, 0.04*4/4, then running minimum from the top.
  const std::vector<double> bh = AdjustBenjaminiHochberg(p);
  EXPECT_NEAR(bh[0], 0.02, 1e-15);
  EXPECT_NEAR(bh[1], 0.04, 1e-15);
  EXPECT_NEAR(bh[2], 0.04, 1e-15);
  EXPECT_NEAR(bh[3], 0.02, 1e-15);
  EXPECT_DOUBLE_EQ(AdjustHolm(std::vector<double>{0.9, 0.8})[0], 1.0);  // capped
}

TEST(RngTest, DeterministicAndInRange) {
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.Next(), b.Next());
  Rng c(7);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t v = c.Below(10);
    ASSERT_LT(v, 10u);
    sum += c.Normal();
  }
  EXPECT_NEAR(sum / 10000, 0.0, 0.05);
}

}  // namespace
}  // namespace chinook::compare::stats
