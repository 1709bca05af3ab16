// Rendering a comparison Report: an aligned table for terminals (coloured only when asked, i.e.
// on a tty), Markdown for PR comments and CI step summaries, JSON for machines, and a
// self-contained HTML page with an inline SVG chart of the relative changes and their intervals.
//
// Thread safety: pure functions.
#ifndef CHINOOK_TOOLS_COMPARE_REPORT_H_
#define CHINOOK_TOOLS_COMPARE_REPORT_H_

#include <string>
#include <string_view>

#include "chinook/status.h"
#include "compare.h"

namespace chinook::compare {

enum class Format { kText, kMarkdown, kJson, kHtml };

// "text", "markdown" (or "md"), "json", "html".
Result<Format> ParseFormat(std::string_view name);

struct RenderOptions {
  bool color = false;        // ANSI colours in text output
  bool all_metrics = false;  // text and Markdown: also the metrics shown without a verdict
};

std::string Render(const Report& report, Format format, const RenderOptions& options);

// Human-readable figures, shared with other output: "1.234 us", "+10.2%", "0.0031".
std::string FormatTime(double nanoseconds);
std::string FormatPercent(double fraction);
std::string FormatPValue(double p);
// Text for HTML element content and attribute values.
std::string HtmlEscape(std::string_view s);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_REPORT_H_
