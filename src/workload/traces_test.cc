#include "workload/traces.h"

#include <gtest/gtest.h>

#include <map>

namespace chinook::workload {
namespace {

TEST(TracesTest, ZipfIsDeterministicAndSkewed) {
  const auto a = ZipfTrace(1000, 100'000, 0.99, 42);
  EXPECT_EQ(a, ZipfTrace(1000, 100'000, 0.99, 42));
  EXPECT_NE(a, ZipfTrace(1000, 100'000, 0.99, 43));
  std::map<uint64_t, int> counts;
  for (uint64_t k : a) counts[k]++;
  // P(rank 0) / P(rank 9) = 10^0.99 ~ 9.8.
  const double ratio = static_cast<double>(counts[0]) / counts[9];
  EXPECT_GT(ratio, 8.0);
  EXPECT_LT(ratio, 12.0);
  EXPECT_LT(counts.rbegin()->first, 1000u);
}

TEST(TracesTest, ScanPollutionAddsNeverRepeatedKeys) {
  const auto t = ScanPollutedZipfTrace(100, 1000, 0.9, 1, 100, 50);
  EXPECT_EQ(t.size(), 1000u + 10 * 50);
  std::map<uint64_t, int> counts;
  for (uint64_t k : t) counts[k]++;
  for (const auto& [k, n] : counts) {
    if (k >= 100) {
      EXPECT_EQ(n, 1) << k;
    }
  }
}

}  // namespace
}  // namespace chinook::workload
