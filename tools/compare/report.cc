#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "common/utf8.h"
#include "json.h"
#include "report_internal.h"

namespace chinook::compare {

using namespace report_internal;  // NOLINT: the renderers of the formats

namespace {

// The report with every string that came from outside (benchmark and metric names, file names,
// messages quoting them) made printable, for the formats that show text to people.
Report PrintableCopy(const Report& r) {
  Report out = r;
  const auto fix = [](std::string& s) { s = Printable(s); };
  const auto fix_all = [&](std::vector<std::string>& v) { std::for_each(v.begin(), v.end(), fix); };
  const auto fix_pairs = [&](std::vector<std::pair<std::string, std::string>>& v) {
    for (auto& [k, value] : v) fix(k), fix(value);
  };
  fix(out.base_label);
  fix(out.head_label);
  fix_all(out.warnings);
  fix_all(out.input_errors);
  for (ContextWarning& w : out.context_warnings) fix(w.message);
  fix_pairs(out.base_provenance);
  fix_pairs(out.head_provenance);
  for (BenchmarkComparison& b : out.benchmarks) {
    fix(b.name);
    fix_all(b.notes);
    for (MetricComparison& c : b.metrics) fix(c.metric), fix(c.note);
  }
  for (GeoMean& g : out.geomeans) fix(g.metric);
  for (GateResult& g : out.gates) fix(g.id), fix(g.description), fix(g.reason), fix(g.detail);
  return out;
}

}  // namespace

std::string HtmlEscape(std::string_view s) { return Html(s); }

std::string Printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto hex = [&](const char* fmt, unsigned v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, fmt, v);
    out += buf;
  };
  for (size_t i = 0; i < s.size();) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            hex("\\x%02x", c);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A multi-byte UTF-8 sequence: kept, unless it is malformed (each byte shown as \xNN), a C1
    // control (U+0080-U+009F: 0x9B is CSI to some terminals) or a bidirectional override that
    // makes a terminal show text in another order than it is (U+202A-U+202E, U+2066-U+2069).
    size_t end = i;
    const int32_t decoded = DecodeUtf8(s, &end);
    if (decoded < 0) {
      hex("\\x%02x", c);
      ++i;
      continue;
    }
    const auto cp = static_cast<uint32_t>(decoded);
    const size_t n = end - i;
    if (cp <= 0x9F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      hex("\\u%04x", cp);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

Result<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "markdown" || name == "md") return Format::kMarkdown;
  if (name == "json") return Format::kJson;
  if (name == "html") return Format::kHtml;
  return InvalidArgumentError("unknown format \"" + std::string(name) + "\" (text, markdown, json, html)");
}

std::string Render(const Report& report, Format format, const RenderOptions& options) {
  // JSON keeps the names as they are (its string escapes are exact); the formats people read get
  // them with control characters escaped, so that a name cannot move the cursor, clear the
  // screen, start a new table row or forge a line of the report.
  if (format == Format::kJson) return RenderJson(report);
  const Report safe = PrintableCopy(report);
  switch (format) {
    case Format::kText: return RenderText(safe, options);
    case Format::kMarkdown: return RenderMarkdown(safe, options);
    case Format::kHtml: return RenderHtml(safe, options);
    case Format::kJson: break;
  }
  return "";
}

std::string FormatTime(double ns) {
  const double a = std::fabs(ns);
  if (a < 1e3) return Printf("%.4g ns", ns);
  if (a < 1e6) return Printf("%.4g us", ns / 1e3);
  if (a < 1e9) return Printf("%.4g ms", ns / 1e6);
  return Printf("%.4g s", ns / 1e9);
}

std::string FormatPercent(double fraction) {
  if (std::isinf(fraction)) return fraction > 0 ? "+inf%" : "-inf%";
  if (std::isnan(fraction)) return "n/a";
  const double pct = fraction * 100;
  if (std::fabs(pct) < 0.05) return "0.0%";
  return Printf(std::fabs(pct) >= 100 ? "%+.0f%%" : "%+.1f%%", pct);
}

std::string FormatPValue(double p) {
  if (std::isnan(p)) return "";
  if (p < 1e-4) return "<0.0001";
  return Printf("%.4f", p);
}

}  // namespace chinook::compare
