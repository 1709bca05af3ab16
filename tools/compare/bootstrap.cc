// The geometric-mean bootstrap of bootstrap.h.
#include "bootstrap.h"

#include <algorithm>
#include <cmath>

#include "stats.h"

namespace chinook::compare {

BootstrapInterval BootstrapGeoMean(std::span<const RatioSamples> series, const BootstrapOptions& options) {
  const bool paired = options.paired;
  const auto statistic = [&](const RatioSamples& s, const std::vector<size_t>* ix, const std::vector<size_t>* iy) {
    std::vector<double> a, b;
    for (size_t i = 0; i < s.x.size(); ++i) a.push_back(s.x[ix ? (*ix)[i] : i]);
    for (size_t i = 0; i < s.y.size(); ++i) b.push_back(s.y[iy ? (*iy)[i] : i]);
    if (paired) {
      std::vector<double> d(a.size());
      for (size_t i = 0; i < a.size(); ++i) d[i] = std::log(b[i] / a[i]);
      return stats::Median(d);
    }
    return std::log(stats::Median(b) / stats::Median(a));
  };
  double sum = 0;
  for (const RatioSamples& s : series) sum += statistic(s, nullptr, nullptr);
  BootstrapInterval g;
  g.change = std::expm1(sum / static_cast<double>(series.size()));
  stats::Rng rng(options.seed);
  std::vector<double> replicates;
  replicates.reserve(static_cast<size_t>(options.resamples));
  const size_t round_count = options.rounds;
  std::vector<size_t> rounds_ix(round_count), ix, iy;
  for (int r = 0; r < options.resamples; ++r) {
    double total = 0;
    // Paired: one resample of rounds shared by every benchmark that ran in all of them.
    for (size_t& i : rounds_ix) i = rng.Below(round_count);
    for (const RatioSamples& s : series) {
      if (paired && s.x.size() == round_count) {
        total += statistic(s, &rounds_ix, &rounds_ix);
        continue;
      }
      ix.resize(s.x.size());
      for (size_t& i : ix) i = rng.Below(s.x.size());
      if (paired) {
        total += statistic(s, &ix, &ix);
        continue;
      }
      iy.resize(s.y.size());
      for (size_t& i : iy) i = rng.Below(s.y.size());
      total += statistic(s, &ix, &iy);
    }
    replicates.push_back(total / static_cast<double>(series.size()));
  }
  std::sort(replicates.begin(), replicates.end());
  const double tail = (1 - options.confidence) / 2;
  const auto at = [&](double q) {
    const size_t i = std::min(replicates.size() - 1, static_cast<size_t>(q * static_cast<double>(replicates.size())));
    return replicates[i];
  };
  g.low = std::expm1(at(tail));
  g.high = std::expm1(at(1 - tail));
  return g;
}

}  // namespace chinook::compare
