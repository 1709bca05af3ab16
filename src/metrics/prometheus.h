// Writes metrics in the Prometheus text exposition format (version 0.0.4), the format a host
// service serves on /metrics.
//
//   PrometheusWriter w;
//   w.Family("chinook_pool_open_connections", "gauge", "Connections open now.");
//   w.Sample("chinook_pool_open_connections", {}, 3);
//   w.Summary("chinook_request_seconds", "Request latency.", {{"op", "get"}}, histogram.Take());
//   std::string body = w.Take();
//
// Thread safety: not thread-safe; use one writer per scrape.
#ifndef CHINOOK_METRICS_PROMETHEUS_H_
#define CHINOOK_METRICS_PROMETHEUS_H_

#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/latency_histogram.h"

namespace chinook::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusWriter {
 public:
  // HELP and TYPE lines for a metric family; written once per name however often it is called,
  // so several components can share a family. `type`: counter, gauge, summary, untyped.
  void Family(std::string_view name, std::string_view type, std::string_view help);

  // One sample line: name{labels} value. Label values are escaped (\\, \", \n).
  void Sample(std::string_view name, const Labels& labels, double value);

  // Shorthands: Family + one Sample.
  void Counter(std::string_view name, std::string_view help, const Labels& labels, double value);
  void Gauge(std::string_view name, std::string_view help, const Labels& labels, double value);

  // A summary with the 0.5, 0.9 and 0.99 quantiles in seconds, plus _sum and _count.
  void Summary(std::string_view name, std::string_view help, const Labels& labels,
               const LatencyHistogram::Snapshot& snapshot);

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
  std::set<std::string, std::less<>> families_;
};

}  // namespace chinook::metrics

#endif  // CHINOOK_METRICS_PROMETHEUS_H_
