// Internal to the report renderers (report.cc and one *_report.cc per format, as Google
// Benchmark's reporters): the shared cells and texts. Not part of report.h's interface.
#ifndef CHINOOK_TOOLS_COMPARE_REPORT_INTERNAL_H_
#define CHINOOK_TOOLS_COMPARE_REPORT_INTERNAL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compare.h"
#include "json.h"
#include "report.h"

namespace chinook::compare::report_internal {

inline constexpr std::string_view kRed = "\033[31;1m";
inline constexpr std::string_view kGreen = "\033[32m";
inline constexpr std::string_view kYellow = "\033[33m";
inline constexpr std::string_view kDim = "\033[2m";
inline constexpr std::string_view kReset = "\033[0m";

struct Row {
  std::vector<std::string> cells;
  Verdict verdict = Verdict::kInfo;
  bool gated = false;
};

inline bool Shown(const MetricComparison& c, const RenderOptions& o) { return c.judged || o.all_metrics; }

std::string Printf(const char* fmt, double v);
std::string FormatValue(std::string_view metric, double v);
std::string VerdictText(const Report& r, Verdict v, int needed);
std::string_view VerdictColor(Verdict v, bool gated);
std::string ChangeText(const MetricComparison& c);
std::string IntervalText(const Report& r, const MetricComparison& c);
std::string MdeText(const MetricComparison& c);
std::string PText(const MetricComparison& c);
const std::vector<std::string>& Header();
std::vector<Row> Rows(const Report& r, const RenderOptions& o);
std::string MethodText(const Report& r);
std::string SummaryText(const Report& r);
std::string ResultText(const Report& r);
std::string GeoMeanText(const GeoMean& g);
std::string ProvenanceText(const std::vector<std::pair<std::string, std::string>>& p);
bool Measured(const GateResult& g);
std::string GateLine(const GateResult& g);
size_t Width(std::string_view s);
std::string Paint(std::string_view text, std::string_view color, bool on);
void AppendNotes(const Report& r, const std::string& bullet, std::string* out, bool markdown);

// One renderer per format (text_report.cc, markdown_report.cc, json_report.cc, html_report.cc).
std::string RenderText(const Report& r, const RenderOptions& o);
std::string MarkdownCell(const std::string& s, bool code);
std::string RenderMarkdown(const Report& r, const RenderOptions& o);
json::Value Pairs(const std::vector<std::pair<std::string, std::string>>& kv);
json::Value Strings(const std::vector<std::string>& v);
std::string_view DirectionName(Direction d);
std::string RenderJson(const Report& r);
std::string Html(std::string_view s);
std::string_view HtmlColor(Verdict v);
std::string Chart(const Report& r);
std::string RenderHtml(const Report& r, const RenderOptions& o);

}  // namespace chinook::compare::report_internal

#endif  // CHINOOK_TOOLS_COMPARE_REPORT_INTERNAL_H_
