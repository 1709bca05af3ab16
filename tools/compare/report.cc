#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "json.h"

namespace chinook::compare {

namespace {

constexpr std::string_view kRed = "\033[31;1m";
constexpr std::string_view kGreen = "\033[32m";
constexpr std::string_view kYellow = "\033[33m";
constexpr std::string_view kDim = "\033[2m";
constexpr std::string_view kReset = "\033[0m";

std::string Printf(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

bool IsTime(std::string_view metric) { return metric == kCpuTime || metric == kRealTime; }

std::string FormatValue(std::string_view metric, double v) {
  if (IsTime(metric)) return FormatTime(v);
  return Printf("%.4g", v);
}

std::string SampleUnit(const Report& r) { return r.mode == Report::Mode::kAb ? "rounds" : "repetitions"; }

std::string VerdictText(const Report& r, Verdict v, int needed) {
  switch (v) {
    case Verdict::kRegression: return "REGRESSION";
    case Verdict::kFailed: return "FAILED";
    case Verdict::kInconclusive:
      if (needed < 0) return "inconclusive (>" + std::to_string(kNeededCap) + " " + SampleUnit(r) + ")";
      return "inconclusive (~" + std::to_string(needed) + " " + SampleUnit(r) + ")";
    default: return std::string(VerdictName(v));
  }
}

std::string_view VerdictColor(Verdict v, bool gated) {
  switch (v) {
    case Verdict::kRegression:
    case Verdict::kFailed: return kRed;
    case Verdict::kMissing: return gated ? kRed : kYellow;
    case Verdict::kImprovement: return kGreen;
    case Verdict::kInconclusive: return kYellow;
    case Verdict::kUnchanged:
    case Verdict::kInfo: return kDim;
    default: return "";
  }
}

std::string ChangeText(const MetricComparison& c) {
  if (c.rule.exact) {
    return Printf("%+.4g", c.head_median - c.base_median);
  }
  return FormatPercent(c.change);
}

// One sample on a side: no interval and no test mean anything.
bool Untestable(const MetricComparison& c) { return c.n_base < 2 || c.n_head < 2; }

std::string IntervalText(const Report& r, const MetricComparison& c) {
  if (c.rule.exact) return "exact";
  if (Untestable(c)) return "";
  std::string s = "[" + FormatPercent(c.ci_low) + ", " + FormatPercent(c.ci_high) + "]";
  if (c.ci_level + 1e-9 < r.confidence) s += Printf(" (%.0f%%)", c.ci_level * 100);
  return s;
}

// The smallest change the sample could have flagged (see MetricComparison::mde).
std::string MdeText(const MetricComparison& c) {
  if (c.rule.exact || Untestable(c) || std::isnan(c.mde)) return "";
  if (!std::isfinite(c.mde)) return "n/a";
  return Printf("%.1f%%", std::fabs(c.mde) * 100);
}

std::string PText(const MetricComparison& c) {
  if (std::isnan(c.p_value) || Untestable(c)) return "";
  if (std::isnan(c.p_adjusted)) return FormatPValue(c.p_value) + " (raw)";
  return FormatPValue(c.p_adjusted);
}

bool Shown(const MetricComparison& c, const RenderOptions& o) { return c.judged || o.all_metrics; }

struct Row {
  std::vector<std::string> cells;
  Verdict verdict = Verdict::kInfo;
  bool gated = false;
};

const std::vector<std::string>& Header() {
  static const std::vector<std::string> header = {"Benchmark", "Metric", "Base", "Head", "Change",
                                                  "Interval", "MDE", "p (adj)", "n", "Verdict"};
  return header;
}

std::vector<Row> Rows(const Report& r, const RenderOptions& o) {
  std::vector<Row> rows;
  for (const BenchmarkComparison& b : r.benchmarks) {
    bool first = true;
    for (const MetricComparison& c : b.metrics) {
      if (!Shown(c, o)) continue;
      Row row;
      row.verdict = c.verdict;
      row.cells = {first ? b.name : "",
                   c.metric,
                   FormatValue(c.metric, c.base_median),
                   FormatValue(c.metric, c.head_median),
                   ChangeText(c),
                   IntervalText(r, c),
                   MdeText(c),
                   PText(c),
                   std::to_string(c.n_base) + "/" + std::to_string(c.n_head),
                   VerdictText(r, c.verdict, c.needed)};
      rows.push_back(std::move(row));
      first = false;
    }
    if (first) {  // nothing compared: new, missing, failed, skipped, or no judged metric
      Row row;
      row.verdict = b.verdict;
      row.gated = b.gated;
      std::string verdict = VerdictText(r, b.verdict, b.needed);
      if (b.verdict == Verdict::kMissing && b.gated) verdict = "MISSING (gated)";
      row.cells = {b.name, "", "", "", "", "", "", "", "", verdict};
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::string MethodText(const Report& r) {
  std::string s;
  if (r.mode == Report::Mode::kAb) {
    s = "Wilcoxon signed-rank test on the per-round ratios of up to " + std::to_string(r.rounds) +
        " interleaved rounds (A B / B A, one process per benchmark and side)";
    if (r.seconds > 0) {
      s += Printf(" in %.0f s", r.seconds);
      if (r.budget_seconds > 0) s += Printf(" of a %.0f s budget", r.budget_seconds);
    }
    s += "; change = Hodges-Lehmann estimate; MDE = the smallest change the sample would flag 80% of the time";
  } else {
    s = "Mann-Whitney U test on repetitions; change = Hodges-Lehmann estimate of head/base";
  }
  s += Printf(" with %.0f%% interval; ", r.confidence * 100) + std::string(CorrectionName(r.correction)) +
       " correction over " + std::to_string(r.tests) + " tests at alpha " + Printf("%g", r.alpha) +
       "; a regression must also exceed its threshold.";
  return s;
}

std::string SummaryText(const Report& r) {
  std::string s;
  if (r.mode == Report::Mode::kCheck) {
    s = std::to_string(r.benchmarks_read) + " benchmarks" + (r.gates.empty() ? ", no gates" : "");
  }
  const auto add = [&](int n, const char* one, const char* many) {
    if (n == 0) return;
    if (!s.empty()) s += ", ";
    s += std::to_string(n) + " " + (n == 1 ? one : many);
  };
  add(r.Count(Verdict::kRegression), "regression", "regressions");
  add(r.Count(Verdict::kFailed), "failed", "failed");
  add(r.Count(Verdict::kImprovement), "improvement", "improvements");
  add(r.Count(Verdict::kUnchanged), "unchanged", "unchanged");
  add(r.Count(Verdict::kInconclusive), "inconclusive", "inconclusive");
  add(r.Count(Verdict::kNew), "new", "new");
  add(r.Count(Verdict::kMissing), "missing", "missing");
  add(r.Count(Verdict::kSkipped), "skipped", "skipped");
  if (!r.gates.empty()) {
    if (!s.empty()) s += "; ";
    s += "gates " + std::to_string(r.CountGates(GateResult::Outcome::kPass)) + "/" + std::to_string(r.gates.size()) +
         " pass";
  }
  return s.empty() ? "nothing to compare" : s;
}

std::string ResultText(const Report& r) {
  const int code = r.ExitCode();
  std::string s = code == 0 ? "PASS" : code == 1 ? "FAIL" : "ERROR";
  s += " (exit " + std::to_string(code) + ")";
  if (r.advisory && r.Count(Verdict::kRegression) > 0) s += "; regressions are advisory here";
  if (const int n = r.Count(Verdict::kInconclusive); n > 0 && !r.fail_on_inconclusive) {
    s += "; NOT SETTLED: " + std::to_string(n) + (n == 1 ? " benchmark is" : " benchmarks are") +
         " inconclusive" + (r.budget_exhausted ? " when the budget ran out" : "") +
         " (--fail-on-inconclusive makes that fail)";
  }
  return s;
}

std::string GeoMeanText(const GeoMean& g) {
  const std::string what = g.metric == "time" ? "times (each benchmark's declared clock)" : g.metric;
  return "geometric mean of " + what + " over " + std::to_string(g.benchmarks) + " benchmarks: " +
         FormatPercent(g.change) + " [" + FormatPercent(g.ci_low) + ", " + FormatPercent(g.ci_high) + "]";
}

// "commit f46502e (dirty), 2026-11-25T10:11:47Z, Release, c++ (Debian 12.2.0) 12.2.0, AMD EPYC x2"
// from the chinook_* context entries ci/bench-context.sh writes; the JSON report has them all.
std::string ProvenanceText(const std::vector<std::pair<std::string, std::string>>& p) {
  const auto get = [&](std::string_view key) {
    for (const auto& [k, v] : p) {
      if (k == key) return v;
    }
    return std::string();
  };
  std::string s;
  const auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!s.empty()) s += ", ";
    s += part;
  };
  const std::string commit = get("chinook_git_commit");
  if (!commit.empty()) add("commit " + commit.substr(0, 9) + (get("chinook_git_dirty") == "true" ? " (dirty)" : ""));
  add(get("chinook_date_utc"));
  add(get("chinook_build_type"));
  add(get("chinook_compiler"));
  const std::string cpus = get("chinook_cpu_count");
  add(get("chinook_cpu_model") + (cpus.empty() ? "" : " x" + cpus));
  return s;
}

// Whether the gate has a measured value (it ran and was compared with its bound).
bool Measured(const GateResult& g) {
  return g.outcome == GateResult::Outcome::kPass || g.outcome == GateResult::Outcome::kFail;
}

std::string GateLine(const GateResult& g) {
  std::string s = "[" + std::string(OutcomeName(g.outcome)) + "] " + g.id + ": " + g.description;
  if (!g.detail.empty()) s += " -- " + g.detail;
  return s;
}

// Display width of UTF-8 text (code points; benchmark names are rarely wider).
size_t Width(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Paint(std::string_view text, std::string_view color, bool on) {
  if (!on || color.empty()) return std::string(text);
  return std::string(color) + std::string(text) + std::string(kReset);
}

void AppendNotes(const Report& r, const std::string& bullet, std::string* out, bool markdown) {
  const auto code = [&](const std::string& s) { return markdown ? "`" + s + "`" : s; };
  for (const BenchmarkComparison& b : r.benchmarks) {
    for (const std::string& n : b.notes) *out += bullet + code(b.name) + ": " + n + "\n";
    for (const MetricComparison& c : b.metrics) {
      if (!c.note.empty()) *out += bullet + code(b.name) + " " + c.metric + ": " + c.note + "\n";
    }
  }
}

std::string RenderText(const Report& r, const RenderOptions& o) {
  std::string out;
  if (r.mode == Report::Mode::kCheck) {
    out += "chinook-compare check: " + r.head_label + "\n";
  } else {
    out += "chinook-compare: " + r.base_label + " -> " + r.head_label + "\n" + MethodText(r) + "\n";
  }
  for (const std::string& e : r.input_errors) out += Paint("error: " + e, kRed, o.color) + "\n";
  for (const ContextWarning& w : r.context_warnings) {
    out += Paint(std::string(w.voids ? "warning (voids timings): " : "note: ") + w.message, kYellow, o.color) + "\n";
  }
  for (const std::string& w : r.warnings) out += Paint("warning: " + w, kYellow, o.color) + "\n";
  if (r.mode != Report::Mode::kCheck) {
    const std::vector<Row> rows = Rows(r, o);
    const std::vector<std::string>& header = Header();
    std::vector<size_t> width(header.size());
    for (size_t i = 0; i < header.size(); ++i) width[i] = Width(header[i]);
    for (const Row& row : rows) {
      for (size_t i = 0; i < row.cells.size(); ++i) width[i] = std::max(width[i], Width(row.cells[i]));
    }
    const auto line = [&](const std::vector<std::string>& cells, std::string_view color) {
      std::string l;
      for (size_t i = 0; i < cells.size(); ++i) {
        std::string cell = cells[i];
        const std::string pad(width[i] - Width(cell), ' ');
        // Figures right-aligned, words left-aligned.
        const bool right = i >= 2 && i <= 8;
        cell = right ? pad + cell : cell + (i + 1 < cells.size() ? pad : "");
        if (i + 1 == cells.size()) cell = Paint(cell, color, o.color);
        l += cell + (i + 1 < cells.size() ? "  " : "");
      }
      while (!l.empty() && l.back() == ' ') l.pop_back();
      return l + "\n";
    };
    out += "\n" + line(header, "");
    for (const Row& row : rows) out += line(row.cells, VerdictColor(row.verdict, row.gated));
    out += "\n";
    for (const GeoMean& g : r.geomeans) out += GeoMeanText(g) + "\n";
  }
  if (!r.gates.empty()) {
    out += "\nGates:\n";
    for (const GateResult& g : r.gates) {
      const bool bad = g.outcome != GateResult::Outcome::kPass && g.outcome != GateResult::Outcome::kSkipped;
      out += "  " + Paint(GateLine(g), bad ? kRed : "", o.color) + "\n";
    }
  }
  std::string notes;
  AppendNotes(r, "  ", &notes, false);
  if (!notes.empty()) out += "\nNotes:\n" + notes;
  if (!r.base_provenance.empty()) out += "\nBaseline: " + ProvenanceText(r.base_provenance) + "\n";
  out += "\n" + SummaryText(r) + "\n" + Paint(ResultText(r), r.ExitCode() == 0 ? kGreen : kRed, o.color) + "\n";
  return out;
}

std::string MarkdownCell(const std::string& s, bool code) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '`' && code) {
      out += '\'';
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (code && !out.empty()) return "`" + out + "`";
  return out;
}

std::string RenderMarkdown(const Report& r, const RenderOptions& o) {
  std::string out;
  const int code = r.ExitCode();
  out += "### Benchmark comparison: " + std::string(code == 0 ? "pass" : code == 1 ? "**FAIL**" : "**ERROR**") + "\n\n";
  out += SummaryText(r) + ". " + ResultText(r) + "\n\n";
  if (r.mode != Report::Mode::kCheck) {
    out += "Base: `" + MarkdownCell(r.base_label, false) + "`, head: `" + MarkdownCell(r.head_label, false) + "`. " +
           MethodText(r) + "\n\n";
  }
  if (!r.base_provenance.empty()) out += "Baseline: " + MarkdownCell(ProvenanceText(r.base_provenance), false) + ".\n\n";
  for (const std::string& e : r.input_errors) out += "- **error**: " + MarkdownCell(e, false) + "\n";
  for (const ContextWarning& w : r.context_warnings) {
    out += std::string("- ") + (w.voids ? "**warning**: " : "note: ") + MarkdownCell(w.message, false) + "\n";
  }
  for (const std::string& w : r.warnings) out += "- warning: " + MarkdownCell(w, false) + "\n";
  if (!r.input_errors.empty() || !r.context_warnings.empty() || !r.warnings.empty()) out += "\n";
  if (r.mode != Report::Mode::kCheck) {
    const std::vector<Row> rows = Rows(r, o);
    const std::vector<std::string>& header = Header();
    out += "|";
    for (const std::string& h : header) out += " " + h + " |";
    out += "\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const Row& row : rows) {
      out += "|";
      for (size_t i = 0; i < row.cells.size(); ++i) {
        std::string cell = MarkdownCell(row.cells[i], i == 0);
        if (i + 1 == row.cells.size() &&
            (row.verdict == Verdict::kRegression || row.verdict == Verdict::kFailed ||
             (row.verdict == Verdict::kMissing && row.gated))) {
          cell = "**" + cell + "**";
        }
        out += " " + cell + " |";
      }
      out += "\n";
    }
    out += "\n";
    for (const GeoMean& g : r.geomeans) out += "- " + GeoMeanText(g) + "\n";
    if (!r.geomeans.empty()) out += "\n";
  }
  if (!r.gates.empty()) {
    out += "| Gate | Check | Value | Result | Why |\n|---|---|---:|---|---|\n";
    for (const GateResult& g : r.gates) {
      const bool bad = g.outcome != GateResult::Outcome::kPass && g.outcome != GateResult::Outcome::kSkipped;
      const std::string value = Measured(g) ? Printf("%.4g", g.value) : "";
      std::string result = std::string(OutcomeName(g.outcome));
      if (bad) result = "**" + result + "**";
      out += "| " + MarkdownCell(g.id, true) + " | " + MarkdownCell(g.description, false) +
             (g.detail.empty() ? "" : " (" + MarkdownCell(g.detail, false) + ")") + " | " + value + " | " + result +
             " | " + MarkdownCell(g.reason, false) + " |\n";
    }
    out += "\n";
  }
  std::string notes;
  AppendNotes(r, "- ", &notes, true);
  if (!notes.empty()) out += "<details><summary>Notes</summary>\n\n" + notes + "\n</details>\n";
  return out;
}

json::Value Num(double d) { return std::isfinite(d) ? json::Value::Number(d) : json::Value(); }

json::Value Pairs(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::vector<json::Value::Member> m;
  for (const auto& [k, v] : kv) m.emplace_back(k, json::Value::String(v));
  return json::Value::Object(std::move(m));
}

json::Value Strings(const std::vector<std::string>& v) {
  std::vector<json::Value> items;
  for (const std::string& s : v) items.push_back(json::Value::String(s));
  return json::Value::Array(std::move(items));
}

std::string_view DirectionName(Direction d) {
  switch (d) {
    case Direction::kLowerIsBetter: return "lower";
    case Direction::kHigherIsBetter: return "higher";
    case Direction::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string RenderJson(const Report& r) {
  using json::Value;
  std::vector<Value> benchmarks;
  for (const BenchmarkComparison& b : r.benchmarks) {
    std::vector<Value> metrics;
    for (const MetricComparison& c : b.metrics) {
      metrics.push_back(Value::Object({
          {"metric", Value::String(c.metric)},
          {"better", Value::String(std::string(DirectionName(c.rule.direction)))},
          {"exact_metric", Value::Bool(c.rule.exact)},
          {"judged", Value::Bool(c.judged)},
          {"n_base", Value::Number(c.n_base)},
          {"n_head", Value::Number(c.n_head)},
          {"base_median", Num(c.base_median)},
          {"head_median", Num(c.head_median)},
          {"change", Num(c.change)},
          {"ci_low", Num(c.ci_low)},
          {"ci_high", Num(c.ci_high)},
          {"ci_level", Num(c.ci_level)},
          {"p_value", Num(c.p_value)},
          {"p_adjusted", Num(c.p_adjusted)},
          {"exact_test", Value::Bool(c.exact_test)},
          {"threshold", Num(c.threshold)},
          {"verdict", Value::String(std::string(VerdictName(c.verdict)))},
          {"needed", Value::Number(c.needed)},
          {"mde", Num(c.mde)},
          {"look", Value::Number(c.look)},
          {"note", Value::String(c.note)},
      }));
    }
    benchmarks.push_back(Value::Object({
        {"name", Value::String(b.name)},
        {"verdict", Value::String(std::string(VerdictName(b.verdict)))},
        {"gated", Value::Bool(b.gated)},
        {"needed", Value::Number(b.needed)},
        {"notes", Strings(b.notes)},
        {"metrics", Value::Array(std::move(metrics))},
    }));
  }
  std::vector<Value> geomeans;
  for (const GeoMean& g : r.geomeans) {
    geomeans.push_back(Value::Object({{"metric", Value::String(g.metric)},
                                      {"benchmarks", Value::Number(g.benchmarks)},
                                      {"change", Num(g.change)},
                                      {"ci_low", Num(g.ci_low)},
                                      {"ci_high", Num(g.ci_high)}}));
  }
  std::vector<Value> gates;
  for (const GateResult& g : r.gates) {
    gates.push_back(Value::Object({{"id", Value::String(g.id)},
                                   {"description", Value::String(g.description)},
                                   {"reason", Value::String(g.reason)},
                                   {"outcome", Value::String(std::string(OutcomeName(g.outcome)))},
                                   {"value", Measured(g) ? Num(g.value) : json::Value()},
                                   {"detail", Value::String(g.detail)}}));
  }
  std::vector<Value> context;
  for (const ContextWarning& w : r.context_warnings) {
    context.push_back(Value::Object({{"voids", Value::Bool(w.voids)}, {"message", Value::String(w.message)}}));
  }
  std::vector<Value::Member> summary;
  for (Verdict v : {Verdict::kRegression, Verdict::kImprovement, Verdict::kUnchanged, Verdict::kInconclusive,
                    Verdict::kNew, Verdict::kMissing, Verdict::kFailed, Verdict::kSkipped}) {
    summary.emplace_back(std::string(VerdictName(v)), Value::Number(r.Count(v)));
  }
  const char* mode = r.mode == Report::Mode::kAb ? "ab" : r.mode == Report::Mode::kCheck ? "check" : "files";
  Value doc = Value::Object({
      {"tool", Value::String("chinook-compare")},
      {"mode", Value::String(mode)},
      {"base", Value::String(r.base_label)},
      {"head", Value::String(r.head_label)},
      {"rounds", Value::Number(r.rounds)},
      {"seconds", Num(r.seconds)},
      {"budget_seconds", Num(r.budget_seconds)},
      {"budget_exhausted", Value::Bool(r.budget_exhausted)},
      {"alpha", Num(r.alpha)},
      {"confidence", Num(r.confidence)},
      {"correction", Value::String(std::string(CorrectionName(r.correction)))},
      {"tests", Value::Number(r.tests)},
      {"advisory", Value::Bool(r.advisory)},
      {"exit_code", Value::Number(r.ExitCode())},
      {"summary", Value::Object(std::move(summary))},
      {"input_errors", Strings(r.input_errors)},
      {"context_warnings", Value::Array(std::move(context))},
      {"warnings", Strings(r.warnings)},
      {"provenance", Value::Object({{"base", Pairs(r.base_provenance)}, {"head", Pairs(r.head_provenance)}})},
      {"benchmarks", Value::Array(std::move(benchmarks))},
      {"geomeans", Value::Array(std::move(geomeans))},
      {"gates", Value::Array(std::move(gates))},
  });
  return json::Write(doc);
}

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

}  // namespace

std::string HtmlEscape(std::string_view s) { return Html(s); }

Result<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "markdown" || name == "md") return Format::kMarkdown;
  if (name == "json") return Format::kJson;
  if (name == "html") return Format::kHtml;
  return InvalidArgumentError("unknown format \"" + std::string(name) + "\" (text, markdown, json, html)");
}

std::string Render(const Report& report, Format format, const RenderOptions& options) {
  switch (format) {
    case Format::kText: return RenderText(report, options);
    case Format::kMarkdown: return RenderMarkdown(report, options);
    case Format::kJson: return RenderJson(report);
    case Format::kHtml: return RenderHtml(report, options);
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
