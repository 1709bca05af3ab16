#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "metrics/latency_histogram.h"
#include "metrics/prometheus.h"

namespace chinook::metrics {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

TEST(LatencyHistogramTest, BucketsCoverEveryValueWithinResolution) {
  for (uint64_t v : {0ull, 1ull, 15ull, 16ull, 17ull, 31ull, 32ull, 1000ull, 123456789ull, 1ull << 39}) {
    const int b = LatencyHistogram::BucketOf(v);
    EXPECT_GE(LatencyHistogram::BucketUpperBound(b), v) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::BucketUpperBound(b - 1), v) << v;
    }
    EXPECT_LE(static_cast<double>(LatencyHistogram::BucketUpperBound(b)), static_cast<double>(v) * 1.0625 + 1) << v;
  }
  EXPECT_EQ(LatencyHistogram::BucketOf(~0ull), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogramTest, QuantilesOfAKnownDistribution) {
  LatencyHistogram h;
  for (int i = 1; i <= 1000; ++i) h.Record(microseconds(i));  // 1 us .. 1 ms uniformly
  const auto s = h.Take();
  EXPECT_EQ(s.count, 1000u);
  EXPECT_NEAR(s.sum_seconds, 500500e-6, 1e-9);
  EXPECT_NEAR(s.Quantile(0.5), 500e-6, 500e-6 * 0.0625);
  EXPECT_NEAR(s.Quantile(0.9), 900e-6, 900e-6 * 0.0625);
  EXPECT_NEAR(s.Quantile(0.99), 990e-6, 990e-6 * 0.0625);
  EXPECT_EQ(LatencyHistogram().Take().Quantile(0.5), 0.0);
}

TEST(LatencyHistogramTest, ConcurrentRecordsAreAllCounted) {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.Record(nanoseconds(100 + i));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.Take().count, 40000u);
}

TEST(PrometheusWriterTest, WritesTheTextExpositionFormat) {
  PrometheusWriter w;
  w.Counter("chinook_requests_total", "Requests served.", {{"op", "get"}}, 42);
  w.Gauge("chinook_pool_open", "Open connections.\nNow \\ here.", {}, 2.5);
  w.Counter("chinook_requests_total", "Requests served.", {{"op", "put"}}, 7);
  w.Gauge("chinook_pool_open", "Open connections.\nNow \\ here.", {{"path", "C:\\x \"q\"\n"}}, 1);
  // A family's samples stay together, in the order the family was first named; HELP and label
  // values are escaped so that neither can end a line early.
  EXPECT_EQ(w.Text(),
            "# HELP chinook_requests_total Requests served.\n"
            "# TYPE chinook_requests_total counter\n"
            "chinook_requests_total{op=\"get\"} 42\n"
            "chinook_requests_total{op=\"put\"} 7\n"
            "# HELP chinook_pool_open Open connections.\\nNow \\\\ here.\n"
            "# TYPE chinook_pool_open gauge\n"
            "chinook_pool_open 2.5\n"
            "chinook_pool_open{path=\"C:\\\\x \\\"q\\\"\\n\"} 1\n");
  EXPECT_EQ(w.TakeFamilies().size(), 2u);
  EXPECT_EQ(w.Text(), "") << "TakeFamilies leaves the writer empty";
}

TEST(PrometheusWriterTest, SummaryHasQuantilesSumAndCount) {
  LatencyHistogram h;
  for (int i = 0; i < 100; ++i) h.Record(microseconds(10));
  PrometheusWriter w;
  w.Summary("chinook_get_seconds", "Get latency.", {{"tier", "l1"}}, h.Take());
  const std::string t = w.Text();
  EXPECT_NE(t.find("# TYPE chinook_get_seconds summary\n"), std::string::npos);
  EXPECT_NE(t.find("chinook_get_seconds{tier=\"l1\",quantile=\"0.99\"} 1.0"), std::string::npos) << t;
  EXPECT_NE(t.find("chinook_get_seconds_count{tier=\"l1\"} 100\n"), std::string::npos) << t;
  EXPECT_NE(t.find("chinook_get_seconds_sum{tier=\"l1\"} 0.001\n"), std::string::npos) << t;
}

TEST(PrometheusWriterTest, EmptySummaryHasNaNQuantilesAndZeroCount) {
  PrometheusWriter w;
  w.Summary("chinook_put_seconds", "Put latency.", {}, LatencyHistogram().Take());
  const std::string t = w.Text();
  // prometheus-cpp spells NaN "Nan"; Prometheus reads either (Go's ParseFloat ignores case).
  EXPECT_NE(t.find("chinook_put_seconds{quantile=\"0.5\"} Nan\n"), std::string::npos) << t;
  EXPECT_NE(t.find("chinook_put_seconds_count 0\n"), std::string::npos) << t;
}

}  // namespace
}  // namespace chinook::metrics
