// The bootstrap behind compare.h's GeoMean: the geometric mean over benchmarks of head/base with a
// percentile interval from resampling each benchmark's samples (repetitions, or rounds when
// paired) with a fixed seed, so that a report is reproducible.
//
// Thread safety: pure functions.
#ifndef CHINOOK_TOOLS_COMPARE_BOOTSTRAP_H_
#define CHINOOK_TOOLS_COMPARE_BOOTSTRAP_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace chinook::compare {

// One benchmark's samples behind log(median head / median base). REQUIRES: both sides non-empty
// and every value positive; paired: x[i] and y[i] are the medians of round i on each side.
struct RatioSamples {
  std::vector<double> x;  // base: repetitions, or per-round medians when paired
  std::vector<double> y;  // head
};

struct BootstrapOptions {
  bool paired = false;
  // The rounds each side ran (1 for two results files; each resample draws this many round
  // indices whatever the mode, so the figures of a seed do not depend on it). Paired: benchmarks
  // with a sample of every round share that resample of the rounds, which keeps what a round did
  // to all of them together (a slow round is slow for all); the others are resampled on their own.
  size_t rounds = 0;
  uint64_t seed = 0;
  int resamples = 0;        // REQUIRES: >= 1
  double confidence = 0.95;  // of the percentile interval
};

// Relative changes: +0.10 means head is 10% larger than base.
struct BootstrapInterval {
  double change = 0;
  double low = 0;
  double high = 0;
};

// The geometric mean over `series` of head/base and its bootstrap interval. Independent samples
// give each benchmark log(median y / median x), paired ones the median of log(y[i] / x[i]).
// REQUIRES: !series.empty().
BootstrapInterval BootstrapGeoMean(std::span<const RatioSamples> series, const BootstrapOptions& options);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_BOOTSTRAP_H_
