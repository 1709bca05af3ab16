// Change points in a series of benchmark results (one value per recorded run, in time order).
//
// E-divisive means (Matteson & James, JASA 2014), as MongoDB's CI analysis (Daly et al., ICPE
// 2020) and Apache Otava use it: the split of a segment that maximises the energy statistic
//   Q(tau) = (a b / (a + b)) * [ 2/(ab) sum |x_i - y_j| - 1/C(a,2) sum |x_i - x_k| - 1/C(b,2) sum |y_j - y_k| ]
// (left part of size a, right part of size b) is a change point when a permutation test finds
// it significant: the same maximum over random shuffles of the segment reaches it in fewer than
// alpha of them. The two sides are then searched the same way (binary segmentation). Both parts
// of every split hold at least `min_segment` points, so a single outlier (one run on a busy
// moment) cannot make a change point on its own (the request in apache/otava#150).
//
// False positives: under "no change anywhere" only the first test of a series can fire, so a
// series raises a false change point with probability at most alpha; the caller divides alpha
// over the series it tests (Bonferroni), so a history of unchanged code has none with
// probability 1 - alpha. Energy distances use |x - y| on the values given (pass logs of times,
// so a step is a ratio whatever the benchmark's scale).
//
// Bounds: time O(P n^2) per test for a segment of n points and P permutations (P at most
// max_permutations, stopped early once significance is out of reach); memory O(n^2).
//
// Thread safety: pure functions; Rng state is local.
#ifndef CHINOOK_TOOLS_COMPARE_CHANGEPOINT_H_
#define CHINOOK_TOOLS_COMPARE_CHANGEPOINT_H_

#include <cstdint>
#include <span>
#include <vector>

namespace chinook::compare {

struct ChangePointOptions {
  // Points on each side of every split: 5 keeps one or two outliers from posing as a step.
  int min_segment = 5;
  // Significance of each split, after the caller's correction over series.
  double alpha = 0.05;
  // Shuffles per test: enough that 1/(P+1) is well below alpha (at least 20/alpha), capped.
  int max_permutations = 20000;
  uint64_t seed = 20240501;
};

struct ChangePoint {
  int index = 0;        // first point of the new segment
  double q = 0;         // the energy statistic of the split
  double p_value = 1;   // permutation p-value
};

// Change points of `values` in increasing index order.
std::vector<ChangePoint> FindChangePoints(std::span<const double> values, const ChangePointOptions& options);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_CHANGEPOINT_H_
