#include "metrics/prometheus.h"

#include <prometheus/client_metric.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <sstream>

namespace chinook::metrics {
namespace {

// prometheus-cpp 1.0.1 (Debian bookworm) writes HELP text verbatim, so a newline in it would end
// the line early and break the whole scrape; the format asks for \\ and \n escapes there. Label
// values it escapes itself.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

prometheus::ClientMetric MetricWithLabels(const Labels& labels) {
  prometheus::ClientMetric m;
  m.label.reserve(labels.size());
  for (const auto& [name, value] : labels) m.label.push_back({name, value});
  return m;
}

}  // namespace

prometheus::MetricFamily& PrometheusWriter::FamilyFor(std::string_view name, std::string_view help,
                                                      prometheus::MetricType type) {
  for (auto& f : families_) {
    if (f.name == name) return f;
  }
  families_.push_back({std::string(name), EscapeHelp(help), type, {}});
  return families_.back();
}

void PrometheusWriter::Counter(std::string_view name, std::string_view help, const Labels& labels, double value) {
  prometheus::ClientMetric m = MetricWithLabels(labels);
  m.counter.value = value;
  FamilyFor(name, help, prometheus::MetricType::Counter).metric.push_back(std::move(m));
}

void PrometheusWriter::Gauge(std::string_view name, std::string_view help, const Labels& labels, double value) {
  prometheus::ClientMetric m = MetricWithLabels(labels);
  m.gauge.value = value;
  FamilyFor(name, help, prometheus::MetricType::Gauge).metric.push_back(std::move(m));
}

void PrometheusWriter::Summary(std::string_view name, std::string_view help, const Labels& labels,
                               const LatencyHistogram::Snapshot& snapshot) {
  prometheus::ClientMetric m = MetricWithLabels(labels);
  m.summary.sample_count = snapshot.count;
  m.summary.sample_sum = snapshot.sum_seconds;
  for (double q : {0.5, 0.9, 0.99}) {
    m.summary.quantile.push_back({q, snapshot.count == 0 ? std::nan("") : snapshot.Quantile(q)});
  }
  FamilyFor(name, help, prometheus::MetricType::Summary).metric.push_back(std::move(m));
}

std::string PrometheusWriter::Text() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families_);
  return std::move(out).str();
}

std::vector<prometheus::MetricFamily> PrometheusWriter::TakeFamilies() { return std::exchange(families_, {}); }

std::string PrometheusWriter::Take() {
  std::string text = Text();
  families_.clear();
  return text;
}

}  // namespace chinook::metrics
