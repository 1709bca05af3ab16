#include "metrics/prometheus.h"

#include <cmath>
#include <cstdio>

namespace chinook::metrics {
namespace {

void AppendEscaped(std::string* out, std::string_view s, bool escape_quotes) {
  for (char c : s) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '"':
        *out += escape_quotes ? "\\\"" : "\"";
        break;
      default: *out += c;
    }
  }
}

void AppendValue(std::string* out, double v) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    *out += buf;
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    *out += buf;
  }
}

}  // namespace

void PrometheusWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  if (!families_.emplace(name).second) return;
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  AppendEscaped(&out_, help, /*escape_quotes=*/false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusWriter::Sample(std::string_view name, const Labels& labels, double value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) out_ += ',';
      out_ += labels[i].first;
      out_ += "=\"";
      AppendEscaped(&out_, labels[i].second, /*escape_quotes=*/true);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  AppendValue(&out_, value);
  out_ += '\n';
}

void PrometheusWriter::Counter(std::string_view name, std::string_view help, const Labels& labels, double value) {
  Family(name, "counter", help);
  Sample(name, labels, value);
}

void PrometheusWriter::Gauge(std::string_view name, std::string_view help, const Labels& labels, double value) {
  Family(name, "gauge", help);
  Sample(name, labels, value);
}

void PrometheusWriter::Summary(std::string_view name, std::string_view help, const Labels& labels,
                               const LatencyHistogram::Snapshot& snapshot) {
  Family(name, "summary", help);
  for (const char* q : {"0.5", "0.9", "0.99"}) {
    Labels with_q = labels;
    with_q.emplace_back("quantile", q);
    // An empty summary's quantiles are NaN, as the Prometheus client libraries write them: 0 would
    // read as "instant" on a dashboard.
    Sample(name, with_q, snapshot.count == 0 ? std::nan("") : snapshot.Quantile(std::stod(q)));
  }
  Sample(std::string(name) + "_sum", labels, snapshot.sum_seconds);
  Sample(std::string(name) + "_count", labels, static_cast<double>(snapshot.count));
}

}  // namespace chinook::metrics
