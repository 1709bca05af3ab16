// Collects metrics as Prometheus metric families (prometheus-cpp's data model) and writes them in
// the text exposition format (version 0.0.4) with prometheus-cpp's TextSerializer: the body a host
// service serves on /metrics, or what metrics::MetricsServer serves.
//
//   PrometheusWriter w;
//   w.Gauge("chinook_pool_open_connections", "Connections open now.", {}, 3);
//   w.Summary("chinook_request_seconds", "Request latency.", {{"op", "get"}}, histogram.Take());
//   std::string body = w.Take();
//
// Several components can add samples to one family: a family is the first call's name, help and
// type, and later calls with that name add their samples to it.
//
// Thread safety: not thread-safe; use one writer per scrape.
#ifndef CHINOOK_METRICS_PROMETHEUS_H_
#define CHINOOK_METRICS_PROMETHEUS_H_

#include <prometheus/metric_family.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/latency_histogram.h"

namespace chinook::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusWriter {
 public:
  void Counter(std::string_view name, std::string_view help, const Labels& labels, double value);
  void Gauge(std::string_view name, std::string_view help, const Labels& labels, double value);

  // A summary with the 0.5, 0.9 and 0.99 quantiles in seconds, plus _sum and _count. An empty
  // summary's quantiles are NaN, as the Prometheus client libraries write them: 0 would read as
  // "instant" on a dashboard.
  void Summary(std::string_view name, std::string_view help, const Labels& labels,
               const LatencyHistogram::Snapshot& snapshot);

  // The text exposition format of everything added so far.
  std::string Text() const;
  // The families themselves, for a prometheus::Collectable; the writer is left empty.
  std::vector<prometheus::MetricFamily> TakeFamilies();
  // Text(), leaving the writer empty.
  std::string Take();

 private:
  // The family called `name`, created with `help` and `type` if this is the first sample.
  prometheus::MetricFamily& FamilyFor(std::string_view name, std::string_view help, prometheus::MetricType type);

  std::vector<prometheus::MetricFamily> families_;  // in the order first named
};

}  // namespace chinook::metrics

#endif  // CHINOOK_METRICS_PROMETHEUS_H_
