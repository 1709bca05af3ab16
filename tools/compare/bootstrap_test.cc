// Tests of bootstrap.h: the geometric mean of head/base and its interval.
#include "bootstrap.h"

#include <gtest/gtest.h>

#include <vector>

namespace chinook::compare {
namespace {

TEST(BootstrapGeoMeanTest, IdenticalSidesGiveNoChangeAndAPointInterval) {
  const std::vector<RatioSamples> series = {{{10, 10, 10}, {10, 10, 10}}, {{3, 3}, {3, 3}}};
  const BootstrapInterval g = BootstrapGeoMean(series, {.rounds = 1, .seed = 1, .resamples = 200});
  EXPECT_DOUBLE_EQ(g.change, 0);
  EXPECT_DOUBLE_EQ(g.low, 0);
  EXPECT_DOUBLE_EQ(g.high, 0);
}

TEST(BootstrapGeoMeanTest, GeometricMeanOfRatios) {
  // Ratios 2 and 0.5: their geometric mean is 1, whatever the resampling of constant samples.
  const std::vector<RatioSamples> series = {{{1, 1}, {2, 2}}, {{4, 4}, {2, 2}}};
  const BootstrapInterval g = BootstrapGeoMean(series, {.rounds = 1, .seed = 7, .resamples = 100});
  EXPECT_NEAR(g.change, 0, 1e-12);
  EXPECT_NEAR(g.low, 0, 1e-12);
  EXPECT_NEAR(g.high, 0, 1e-12);
}

TEST(BootstrapGeoMeanTest, PairedIntervalHoldsTheEstimateAndRepeatsForASeed) {
  const std::vector<RatioSamples> series = {{{100, 102, 98, 101, 99}, {110, 113, 107, 112, 108}}};
  const BootstrapOptions options{.paired = true, .rounds = 5, .seed = 20240501, .resamples = 500};
  const BootstrapInterval a = BootstrapGeoMean(series, options);
  const BootstrapInterval b = BootstrapGeoMean(series, options);
  EXPECT_GT(a.change, 0.05);
  EXPECT_LT(a.change, 0.15);
  EXPECT_LE(a.low, a.change);
  EXPECT_GE(a.high, a.change);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
}

}  // namespace
}  // namespace chinook::compare
