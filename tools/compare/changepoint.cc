#include "changepoint.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "stats.h"

namespace chinook::compare {

namespace {

struct Split {
  int tau = -1;  // within the segment
  double q = 0;
};

// The best split of x (all of it one segment), each side at least `min` points. `d` is the
// distance matrix |x_i - x_j| of the segment, row-major n x n.
Split BestSplit(const std::vector<double>& d, int n, int min) {
  Split best;
  if (n < 2 * min) return best;
  // within_left[t]: sum over i<k<t; within_right[t]: sum over t<=j<k<n.
  std::vector<double> within_left(static_cast<size_t>(n) + 1, 0), within_right(static_cast<size_t>(n) + 1, 0);
  for (int t = 1; t <= n; ++t) {
    double row = 0;
    for (int i = 0; i < t - 1; ++i) row += d[static_cast<size_t>(i) * n + (t - 1)];
    within_left[t] = within_left[t - 1] + row;
  }
  for (int t = n - 1; t >= 0; --t) {
    double row = 0;
    for (int k = t + 1; k < n; ++k) row += d[static_cast<size_t>(t) * n + k];
    within_right[t] = within_right[t + 1] + row;
  }
  const double total = within_left[n];
  for (int t = min; t <= n - min; ++t) {
    const double a = t, b = n - t;
    const double cross = total - within_left[t] - within_right[t];
    const double e = 2 * cross / (a * b) - within_left[t] / (a * (a - 1) / 2) - within_right[t] / (b * (b - 1) / 2);
    const double q = a * b / (a + b) * e;
    if (best.tau < 0 || q > best.q) best = {t, q};
  }
  return best;
}

std::vector<double> Distances(std::span<const double> x) {
  const size_t n = x.size();
  std::vector<double> d(n * n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) d[i * n + j] = std::fabs(x[i] - x[j]);
  }
  return d;
}

void Search(std::span<const double> all, int begin, int end, const ChangePointOptions& o, stats::Rng& rng,
            std::vector<ChangePoint>* out) {
  const int n = end - begin;
  if (n < 2 * o.min_segment) return;
  const std::span<const double> seg = all.subspan(static_cast<size_t>(begin), static_cast<size_t>(n));
  const Split observed = BestSplit(Distances(seg), n, o.min_segment);
  if (observed.tau < 0 || !(observed.q > 0)) return;
  // Permutation test; stop once more than alpha of the shuffles reached the observed value.
  const int permutations = std::clamp(static_cast<int>(std::ceil(20 / o.alpha)), 199, o.max_permutations);
  const int allowed = static_cast<int>(std::floor(o.alpha * (permutations + 1)));
  std::vector<double> shuffled(seg.begin(), seg.end());
  int reached = 0, done = 0;
  for (; done < permutations && reached <= allowed; ++done) {
    for (size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.Below(i)]);
    if (BestSplit(Distances(shuffled), n, o.min_segment).q >= observed.q) ++reached;
  }
  const double p = static_cast<double>(reached + 1) / static_cast<double>(done + 1);
  if (reached > allowed || !(p <= o.alpha)) return;
  Search(all, begin, begin + observed.tau, o, rng, out);
  out->push_back({begin + observed.tau, observed.q, p});
  Search(all, begin + observed.tau, end, o, rng, out);
}

}  // namespace

std::vector<ChangePoint> FindChangePoints(std::span<const double> values, const ChangePointOptions& options) {
  std::vector<ChangePoint> out;
  if (std::any_of(values.begin(), values.end(), [](double v) { return !std::isfinite(v); })) return out;
  stats::Rng rng(options.seed);
  Search(values, 0, static_cast<int>(values.size()), options, rng, &out);
  return out;
}

}  // namespace chinook::compare
