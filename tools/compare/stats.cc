#include "stats.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <numeric>

namespace chinook::compare::stats {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Average ranks (1-based) of `v` and the tie term sum(t^3 - t) over groups of equal values.
std::vector<double> Ranks(std::span<const double> v, double* tie_term) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  *tie_term = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = avg;
    const double t = static_cast<double>(j - i + 1);
    *tie_term += t * t * t - t;
    i = j + 1;
  }
  return ranks;
}

// Two-sided p from the continuity-corrected normal approximation, as R computes it.
double NormalTwoSided(double statistic, double mean, double variance) {
  if (!(variance > 0)) return 1.0;
  double z = statistic - mean;
  const double correction = z > 0 ? 0.5 : (z < 0 ? -0.5 : 0.0);
  z = (z - correction) / std::sqrt(variance);
  return std::min(1.0, std::erfc(std::fabs(z) / std::sqrt(2.0)));
}

// Two-sided exact p: twice the smaller tail at the observed statistic, capped at 1.
double ExactTwoSided(const std::vector<double>& pmf, double statistic) {
  // The statistics are integers here (no ties), but arrive as doubles.
  const size_t s = static_cast<size_t>(std::llround(statistic));
  double lower = 0, upper = 0;
  for (size_t k = 0; k < pmf.size(); ++k) {
    if (k <= s) lower += pmf[k];
    if (k >= s) upper += pmf[k];
  }
  return std::min(1.0, 2.0 * std::min(lower, upper));
}

// Smallest q with P(stat <= q) >= p: R's qwilcox / qsignrank.
size_t LowerQuantile(const std::vector<double>& pmf, double p) {
  double cdf = 0;
  for (size_t q = 0; q < pmf.size(); ++q) {
    cdf += pmf[q];
    // The tolerance keeps a CDF that sums to p in exact arithmetic from missing by rounding.
    if (cdf >= p * (1 - 1e-12)) return q;
  }
  return pmf.size() - 1;
}

double Cdf(const std::vector<double>& pmf, long q) {
  double cdf = 0;
  for (long k = 0; k <= q && k < static_cast<long>(pmf.size()); ++k) cdf += pmf[static_cast<size_t>(k)];
  return cdf;
}

// The confidence interval [sorted[k-1], sorted[M-k]] from a 1-based order-statistic index k,
// with exact distributions when given (pmf non-empty), else the normal approximation.
Interval OrderStatisticInterval(std::vector<double>& values, const std::vector<double>& pmf,
                                double null_variance, double confidence) {
  std::sort(values.begin(), values.end());
  const size_t count = values.size();
  Interval ci;
  ci.estimate = Median(values);
  const double alpha = 1 - confidence;
  long k;
  if (!pmf.empty()) {
    k = static_cast<long>(LowerQuantile(pmf, alpha / 2));
    if (k == 0) k = 1;
    ci.level = 1 - 2 * Cdf(pmf, k - 1);
  } else {
    const double z = NormalQuantile(1 - alpha / 2);
    k = static_cast<long>(std::floor(static_cast<double>(count) / 2.0 - z * std::sqrt(null_variance)));
    if (k < 1) {
      k = 1;
      // The level the widest interval has under the same approximation.
      const double zk = (static_cast<double>(count) / 2.0 - 0.5) / std::sqrt(null_variance);
      ci.level = std::max(0.0, 1 - 2 * (1 - NormalCdf(zk)));
    } else {
      ci.level = confidence;
    }
  }
  k = std::min<long>(k, static_cast<long>((count + 1) / 2));
  ci.low = values[static_cast<size_t>(k - 1)];
  ci.high = values[count - static_cast<size_t>(k)];
  return ci;
}

bool HasTies(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) != v.end();
}

}  // namespace

bool IsConstant(std::span<const double> v) {
  return std::adjacent_find(v.begin(), v.end(), std::not_equal_to<>()) == v.end();
}

double Median(std::span<const double> v) {
  assert(!v.empty());
  std::vector<double> c(v.begin(), v.end());
  const size_t mid = c.size() / 2;
  std::nth_element(c.begin(), c.begin() + static_cast<long>(mid), c.end());
  const double hi = c[mid];
  if (c.size() % 2 == 1) return hi;
  const double lo = *std::max_element(c.begin(), c.begin() + static_cast<long>(mid));
  return lo + (hi - lo) / 2;
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double NormalQuantile(double p) {
  assert(p > 0 && p < 1);
  // Acklam's rational approximation (relative error 1.15e-9), then one Halley step on erfc,
  // which brings it to full double precision.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x;
  if (p < kLow) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - kLow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double e = NormalCdf(x) - p;
  const double u = e * std::sqrt(2 * kPi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

std::vector<double> MannWhitneyDistribution(int m, int n) {
  // f(i, j, u): orderings of i x's and j y's with U = u. The largest element is either an x
  // (beating all j y's: u - j) or a y: f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u). Only additions
  // of non-negative counts, so the tails stay accurate.
  const size_t top = static_cast<size_t>(m) * static_cast<size_t>(n) + 1;
  std::vector<std::vector<double>> prev(static_cast<size_t>(n) + 1, std::vector<double>(top, 0.0));
  for (auto& row : prev) row[0] = 1;  // i = 0: only U = 0
  for (int i = 1; i <= m; ++i) {
    std::vector<std::vector<double>> cur(static_cast<size_t>(n) + 1, std::vector<double>(top, 0.0));
    cur[0][0] = 1;  // j = 0
    for (int j = 1; j <= n; ++j) {
      const size_t reach = static_cast<size_t>(i) * static_cast<size_t>(j);
      for (size_t u = 0; u <= reach; ++u) {
        double v = cur[static_cast<size_t>(j) - 1][u];
        if (u >= static_cast<size_t>(j)) v += prev[static_cast<size_t>(j)][u - static_cast<size_t>(j)];
        cur[static_cast<size_t>(j)][u] = v;
      }
    }
    prev = std::move(cur);
  }
  std::vector<double> pmf = std::move(prev[static_cast<size_t>(n)]);
  const double total = std::accumulate(pmf.begin(), pmf.end(), 0.0);
  for (double& p : pmf) p /= total;
  return pmf;
}

std::vector<double> SignedRankDistribution(int n) {
  const size_t top = static_cast<size_t>(n) * static_cast<size_t>(n + 1) / 2 + 1;
  std::vector<double> counts(top, 0.0);
  counts[0] = 1;
  for (size_t i = 1; i <= static_cast<size_t>(n); ++i) {
    for (size_t w = top - 1; w >= i; --w) counts[w] += counts[w - i];
  }
  const double total = std::ldexp(1.0, n);
  for (double& c : counts) c /= total;
  return counts;
}

TestResult MannWhitneyU(std::span<const double> x, std::span<const double> y) {
  assert(!x.empty() && !y.empty());
  const size_t m = x.size(), n = y.size();
  std::vector<double> all(x.begin(), x.end());
  all.insert(all.end(), y.begin(), y.end());
  double tie_term = 0;
  const std::vector<double> ranks = Ranks(all, &tie_term);
  const double r1 = std::accumulate(ranks.begin(), ranks.begin() + static_cast<long>(m), 0.0);
  TestResult r;
  const double md = static_cast<double>(m), nd = static_cast<double>(n);
  r.statistic = r1 - md * (md + 1) / 2;
  if (tie_term == 0 && m < kExactLimit && n < kExactLimit) {
    r.exact = true;
    r.p_value = ExactTwoSided(MannWhitneyDistribution(static_cast<int>(m), static_cast<int>(n)), r.statistic);
    return r;
  }
  const double total = md + nd;
  const double variance = md * nd / 12.0 * ((total + 1) - tie_term / (total * (total - 1)));
  r.p_value = NormalTwoSided(r.statistic, md * nd / 2, variance);
  return r;
}

TestResult WilcoxonSignedRank(std::span<const double> d) {
  std::vector<double> nonzero;
  for (double v : d) {
    if (v != 0) nonzero.push_back(v);
  }
  TestResult r;
  if (nonzero.empty()) return r;  // every difference is zero: no evidence of any shift
  const bool zeros = nonzero.size() != d.size();
  std::vector<double> magnitudes(nonzero.size());
  std::transform(nonzero.begin(), nonzero.end(), magnitudes.begin(), [](double v) { return std::fabs(v); });
  double tie_term = 0;
  const std::vector<double> ranks = Ranks(magnitudes, &tie_term);
  for (size_t i = 0; i < nonzero.size(); ++i) {
    if (nonzero[i] > 0) r.statistic += ranks[i];
  }
  const double n = static_cast<double>(nonzero.size());
  if (!zeros && tie_term == 0 && nonzero.size() < kExactLimit) {
    r.exact = true;
    r.p_value = ExactTwoSided(SignedRankDistribution(static_cast<int>(nonzero.size())), r.statistic);
    return r;
  }
  const double variance = n * (n + 1) * (2 * n + 1) / 24.0 - tie_term / 48.0;
  r.p_value = NormalTwoSided(r.statistic, n * (n + 1) / 4, variance);
  return r;
}

Interval HodgesLehmannShift(std::span<const double> x, std::span<const double> y, double confidence) {
  assert(!x.empty() && !y.empty());
  // Counters that are deterministic repeat exactly: with at least two repetitions a side and no
  // spread on either, the shift is known exactly (the rank theory has nothing to add).
  if (x.size() >= 2 && y.size() >= 2 && IsConstant(x) && IsConstant(y)) {
    const double d = y[0] - x[0];
    return Interval{d, d, d, 1.0};
  }
  std::vector<double> diffs;
  diffs.reserve(x.size() * y.size());
  for (double b : y) {
    for (double a : x) diffs.push_back(b - a);
  }
  const int m = static_cast<int>(x.size()), n = static_cast<int>(y.size());
  std::vector<double> all(x.begin(), x.end());
  all.insert(all.end(), y.begin(), y.end());
  const bool exact = m < kExactLimit && n < kExactLimit && !HasTies(all);
  const double variance = static_cast<double>(m) * n * (m + n + 1) / 12.0;
  return OrderStatisticInterval(diffs, exact ? MannWhitneyDistribution(m, n) : std::vector<double>{},
                                variance, confidence);
}

Interval HodgesLehmannPaired(std::span<const double> d, double confidence) {
  assert(!d.empty());
  if (d.size() >= 2 && IsConstant(d)) return Interval{d[0], d[0], d[0], 1.0};  // as above
  std::vector<double> walsh;
  walsh.reserve(d.size() * (d.size() + 1) / 2);
  for (size_t i = 0; i < d.size(); ++i) {
    for (size_t j = i; j < d.size(); ++j) walsh.push_back((d[i] + d[j]) / 2);
  }
  const int n = static_cast<int>(d.size());
  std::vector<double> magnitudes(d.size());
  std::transform(d.begin(), d.end(), magnitudes.begin(), [](double v) { return std::fabs(v); });
  const bool exact = n < kExactLimit && !HasTies(magnitudes) &&
                     std::find(d.begin(), d.end(), 0.0) == d.end();
  const double variance = static_cast<double>(n) * (n + 1) * (2 * n + 1) / 24.0;
  return OrderStatisticInterval(walsh, exact ? SignedRankDistribution(n) : std::vector<double>{}, variance,
                                confidence);
}

std::vector<double> AdjustHolm(std::span<const double> p) {
  const size_t m = p.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const double v = std::min(1.0, static_cast<double>(m - rank) * p[order[rank]]);
    running = std::max(running, v);  // adjusted p-values never decrease down the ordering
    adjusted[order[rank]] = running;
  }
  return adjusted;
}

std::vector<double> AdjustBenjaminiHochberg(std::span<const double> p) {
  const size_t m = p.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> adjusted(m);
  double running = 1;
  for (size_t rank = m; rank-- > 0;) {
    const double v = std::min(1.0, static_cast<double>(m) / static_cast<double>(rank + 1) * p[order[rank]]);
    running = std::min(running, v);
    adjusted[order[rank]] = running;
  }
  return adjusted;
}

double MinimumMannWhitneyP(int m, int n) {
  // 2 / C(m+n, m), in logs so that large sizes do not overflow.
  const double log_choose = std::lgamma(m + n + 1.0) - std::lgamma(m + 1.0) - std::lgamma(n + 1.0);
  return std::min(1.0, 2 * std::exp(-log_choose));
}

double MinimumSignedRankP(int n) { return std::min(1.0, std::ldexp(2.0, -n)); }

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t Rng::Below(uint64_t bound) {
  assert(bound > 0);
  // Lemire's multiply-shift; the bias (< bound / 2^64) is far below anything a bootstrap sees.
  return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * bound) >> 64);
}

double Rng::Normal() {
  double u1 = Uniform();
  while (u1 <= 0) u1 = Uniform();
  const double u2 = Uniform();
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
}

}  // namespace chinook::compare::stats
