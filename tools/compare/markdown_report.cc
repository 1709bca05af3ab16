// Markdown, for PR comments and CI summaries.
#include "report_internal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace chinook::compare::report_internal {

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

}  // namespace chinook::compare::report_internal
