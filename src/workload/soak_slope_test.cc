// The least-squares slope behind heap_growth_bytes_per_kop and chinook-soak's verdict.
#include <gtest/gtest.h>

#include <vector>

#include "workload/service_mix.h"

namespace chinook::workload {
namespace {

TEST(LeastSquaresSlope, ExactLineGivesItsSlope) {
  EXPECT_DOUBLE_EQ(LeastSquaresSlope({0, 1, 2, 3}, {5, 7, 9, 11}), 2.0);
  EXPECT_DOUBLE_EQ(LeastSquaresSlope({10, 20, 30}, {9, 6, 3}), -0.3);
}

TEST(LeastSquaresSlope, OneOutlierMovesItLessThanFirstVersusLast) {
  // Flat with a spike in the last sample: first-vs-last would say 100 per step.
  const std::vector<double> x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<double> y = {0, 0, 0, 0, 0, 0, 0, 0, 0, 900};
  EXPECT_LT(LeastSquaresSlope(x, y), 100.0 / 2);
  EXPECT_GT(LeastSquaresSlope(x, y), 0.0);
}

TEST(LeastSquaresSlope, DegenerateInputsGiveZero) {
  EXPECT_EQ(LeastSquaresSlope({}, {}), 0.0);
  EXPECT_EQ(LeastSquaresSlope({1}, {5}), 0.0);
  EXPECT_EQ(LeastSquaresSlope({2, 2, 2}, {1, 2, 3}), 0.0);  // no spread in x
  EXPECT_EQ(LeastSquaresSlope({1, 2}, {1}), 0.0);           // unequal lengths
}

}  // namespace
}  // namespace chinook::workload
