// The cells and texts every report format shares.
#include "report_internal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace chinook::compare::report_internal {

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

}  // namespace chinook::compare::report_internal
