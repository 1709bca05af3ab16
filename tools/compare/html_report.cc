// One self-contained HTML page with an SVG chart of the changes.
#include "report_internal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace chinook::compare::report_internal {

std::string Html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view HtmlColor(Verdict v) {
  switch (v) {
    case Verdict::kRegression:
    case Verdict::kFailed: return "#c62828";
    case Verdict::kImprovement: return "#2e7d32";
    case Verdict::kInconclusive: return "#ef6c00";
    default: return "#607d8b";
  }
}

// A forest plot: one row per judged statistical metric, the point estimate and its interval on a
// symmetric percentage axis, the +-threshold band shaded. Values beyond the axis are clipped and
// drawn with an arrow head.
std::string Chart(const Report& r) {
  struct Item {
    std::string label;
    const MetricComparison* c;
  };
  std::vector<Item> items;
  double extent = 0.05;
  for (const BenchmarkComparison& b : r.benchmarks) {
    for (const MetricComparison& c : b.metrics) {
      if (!c.judged || c.rule.exact || c.n_base == 0 || !std::isfinite(c.ci_low) || !std::isfinite(c.ci_high)) continue;
      items.push_back({b.name + " " + c.metric, &c});
      extent = std::max({extent, std::fabs(c.ci_low), std::fabs(c.ci_high), c.threshold * 2});
    }
  }
  if (items.empty()) return "";
  extent = std::min(extent * 1.1, 1.0);  // beyond +-100% the detail does not matter
  const int label_w = 420, plot_w = 480, row_h = 22, top = 30;
  const int height = top + row_h * static_cast<int>(items.size()) + 20;
  const auto x = [&](double v) {
    const double clipped = std::clamp(v, -extent, extent);
    return label_w + (clipped + extent) / (2 * extent) * plot_w;
  };
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(label_w + plot_w + 20) +
                  "\" height=\"" + std::to_string(height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  const double band = items.front().c->threshold;
  s += Printf("<rect x=\"%.1f\" y=\"20\" ", x(-band)) + Printf("width=\"%.1f\" ", x(band) - x(-band)) +
       "height=\"" + std::to_string(height - 30) + "\" fill=\"#eeeeee\"/>\n";
  s += Printf("<line x1=\"%.1f\" y1=\"20\" ", x(0)) + Printf("x2=\"%.1f\" y2=\"", x(0)) + std::to_string(height - 10) +
       "\" stroke=\"#555\"/>\n";
  for (double tick : {-extent, -extent / 2, 0.0, extent / 2, extent}) {
    s += Printf("<text x=\"%.1f\" y=\"14\" text-anchor=\"middle\">", x(tick)) + Html(FormatPercent(tick)) + "</text>\n";
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const MetricComparison& c = *items[i].c;
    const int y = top + row_h * static_cast<int>(i) + row_h / 2;
    const std::string color(HtmlColor(c.verdict));
    s += "<text x=\"" + std::to_string(label_w - 8) + "\" y=\"" + std::to_string(y + 4) + "\" text-anchor=\"end\">" +
         Html(items[i].label) + "</text>\n";
    s += Printf("<line x1=\"%.1f\" ", x(c.ci_low)) + "y1=\"" + std::to_string(y) + Printf("\" x2=\"%.1f\" ", x(c.ci_high)) +
         "y2=\"" + std::to_string(y) + "\" stroke=\"" + color + "\" stroke-width=\"2\"/>\n";
    s += Printf("<circle cx=\"%.1f\" ", x(c.change)) + "cy=\"" + std::to_string(y) + "\" r=\"4\" fill=\"" + color +
         "\"><title>" + Html(items[i].label + ": " + FormatPercent(c.change) + " [" + FormatPercent(c.ci_low) + ", " +
                             FormatPercent(c.ci_high) + "] " + std::string(VerdictName(c.verdict))) +
         "</title></circle>\n";
    if (c.ci_high > extent) s += Printf("<text x=\"%.1f\" ", x(extent) + 2) + "y=\"" + std::to_string(y + 4) + "\">&#9654;</text>\n";
    if (c.ci_low < -extent) s += Printf("<text x=\"%.1f\" ", x(-extent) - 12) + "y=\"" + std::to_string(y + 4) + "\">&#9664;</text>\n";
  }
  s += "</svg>\n";
  return s;
}

std::string RenderHtml(const Report& r, const RenderOptions& o) {
  std::string out =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>chinook-compare</title>\n<style>"
      "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:3px 8px;"
      "border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}"
      ".regression,.failed,.FAIL,.MISSING,.UNKNOWN{color:#c62828;font-weight:bold}.improvement{color:#2e7d32}"
      ".inconclusive{color:#ef6c00}.unchanged,.info{color:#607d8b}</style></head><body>\n";
  const int code = r.ExitCode();
  out += "<h1>Benchmark comparison: " + std::string(code == 0 ? "pass" : code == 1 ? "FAIL" : "ERROR") + "</h1>\n";
  out += "<p>" + Html(SummaryText(r)) + ". " + Html(ResultText(r)) + "</p>\n";
  if (r.mode != Report::Mode::kCheck) {
    out += "<p>Base: <code>" + Html(r.base_label) + "</code>, head: <code>" + Html(r.head_label) + "</code>.<br>" +
           Html(MethodText(r)) + "</p>\n";
  }
  std::string items;
  for (const std::string& e : r.input_errors) items += "<li class=\"FAIL\">error: " + Html(e) + "</li>\n";
  for (const ContextWarning& w : r.context_warnings) items += "<li>" + Html(w.message) + "</li>\n";
  for (const std::string& w : r.warnings) items += "<li>" + Html(w) + "</li>\n";
  if (!items.empty()) out += "<ul>\n" + items + "</ul>\n";
  if (r.mode != Report::Mode::kCheck) {
    out += "<h2>Relative change (head vs base) with intervals</h2>\n" + Chart(r);
    RenderOptions all = o;
    all.all_metrics = true;
    out += "<h2>All metrics</h2>\n<table>\n<tr>";
    for (const std::string& h : Header()) out += "<th>" + Html(h) + "</th>";
    out += "</tr>\n";
    for (const Row& row : Rows(r, all)) {
      out += "<tr>";
      for (size_t i = 0; i < row.cells.size(); ++i) {
        const bool last = i + 1 == row.cells.size();
        out += std::string("<td") + (i >= 2 && i <= 8 ? " class=\"n\"" : "") +
               (last ? " class=\"" + std::string(VerdictName(row.verdict)) + "\"" : "") + ">" + Html(row.cells[i]) +
               "</td>";
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
    for (const GeoMean& g : r.geomeans) out += "<p>" + Html(GeoMeanText(g)) + "</p>\n";
  }
  if (!r.gates.empty()) {
    out += "<h2>Gates</h2>\n<table><tr><th>Gate</th><th>Check</th><th>Value</th><th>Result</th><th>Why</th></tr>\n";
    for (const GateResult& g : r.gates) {
      out += "<tr><td>" + Html(g.id) + "</td><td>" + Html(g.description) +
             (g.detail.empty() ? "" : "<br><small>" + Html(g.detail) + "</small>") + "</td><td class=\"n\">" +
             (Measured(g) ? Html(Printf("%.4g", g.value)) : "") + "</td><td class=\"" + std::string(OutcomeName(g.outcome)) + "\">" +
             Html(OutcomeName(g.outcome)) + "</td><td>" + Html(g.reason) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  std::string notes;
  AppendNotes(r, "", &notes, false);
  if (!notes.empty()) out += "<h2>Notes</h2>\n<pre>" + Html(notes) + "</pre>\n";
  out += "</body></html>\n";
  return out;
}

}  // namespace chinook::compare::report_internal
