// The aligned table for terminals (coloured only when asked).
#include "report_internal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace chinook::compare::report_internal {

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

}  // namespace chinook::compare::report_internal
