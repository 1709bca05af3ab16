#include "report.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "json.h"
#include "testing/status_matchers.h"

namespace chinook::compare {
namespace {

// A report with every kind of row, and names that would break naive Markdown, HTML or JSON.
Report SampleReport() {
  BenchmarkRun base, head;
  base.source = "base.json";
  head.source = "head.json";
  const auto add = [](BenchmarkRun* run, const std::string& name, std::vector<double> cpu) {
    Measurements m;
    m.name = name;
    m.samples["cpu_time"] = std::move(cpu);
    m.metric_order.push_back("cpu_time");
    run->benchmarks.push_back(std::move(m));
  };
  add(&base, "BM_Slow|pipe", {1000, 1010, 1020, 1030, 1040, 1050});
  add(&head, "BM_Slow|pipe", {1500, 1510, 1520, 1530, 1540, 1550});
  add(&base, "BM_<script>alert(1)</script>", {10, 11, 12});
  add(&head, "BM_<script>alert(1)</script>", {10, 11, 12});
  add(&base, "BM_Gone", {1});
  add(&head, "BM_New", {1});
  GatesConfig config;
  config.bounds.push_back({"bound", "BM_New", "cpu_time", 0, 0.5, "must be fast"});
  return CompareFiles(base, head, config, CompareOptions());
}

// Expects each of `parts` somewhere in `text`.
void ExpectContainsAll(const std::string& text, std::initializer_list<const char*> parts) {
  for (const char* part : parts) EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in:\n" << text;
}

TEST(FormatTest, Figures) {
  EXPECT_EQ(FormatTime(12.345), "12.35 ns");
  EXPECT_EQ(FormatTime(1234.5), "1.234 us");
  EXPECT_EQ(FormatTime(2.5e6), "2.5 ms");
  EXPECT_EQ(FormatTime(3e9), "3 s");
  EXPECT_EQ(FormatPercent(0.1234), "+12.3%");
  EXPECT_EQ(FormatPercent(-0.05), "-5.0%");
  EXPECT_EQ(FormatPercent(0.0001), "0.0%");
  EXPECT_EQ(FormatPercent(2.5), "+250%");
  EXPECT_EQ(FormatPValue(0.01234), "0.0123");
  EXPECT_EQ(FormatPValue(1e-7), "<0.0001");
  EXPECT_FALSE(ParseFormat("yaml").ok());
  EXPECT_EQ(*ParseFormat("md"), Format::kMarkdown);
}

TEST(RenderTest, TextIsPlainUnlessColourIsAsked) {
  const Report r = SampleReport();
  const std::string plain = Render(r, Format::kText, {});
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  // +48.8%: the Hodges-Lehmann estimate of the log ratios, ~1525/1025.
  ExpectContainsAll(plain, {"BM_Slow|pipe", "REGRESSION", "+48.8%", "missing", "FAIL (exit 1)", "[FAIL] bound"});
  RenderOptions color;
  color.color = true;
  EXPECT_NE(Render(r, Format::kText, color).find("\033[31;1m"), std::string::npos);
}

TEST(RenderTest, TextColumnsAlign) {
  const std::string text = Render(SampleReport(), Format::kText, {});
  // Every table line starts its Metric column at the same offset as the header's.
  const size_t header = text.find("Benchmark");
  ASSERT_NE(header, std::string::npos);
  const size_t header_metric = text.find("Metric", header) - header;
  const size_t row = text.find("BM_Slow|pipe");
  EXPECT_EQ(text.find("cpu_time", row) - row, header_metric);
}

TEST(RenderTest, MarkdownEscapesTableCells) {
  const std::string md = Render(SampleReport(), Format::kMarkdown, {});
  ExpectContainsAll(md, {"### Benchmark comparison: **FAIL**", "`BM_Slow\\|pipe`", "| Benchmark | Metric |",
                         "**REGRESSION**"});
}

TEST(RenderTest, JsonIsValidAndComplete) {
  const std::string text = Render(SampleReport(), Format::kJson, {});
  Result<json::Value> doc = json::Parse(text, "report");
  CHINOOK_ASSERT_OK(doc);
  EXPECT_EQ(doc->Find("exit_code")->as_number(), 1);
  EXPECT_EQ(doc->Find("summary")->Find("regression")->as_number(), 1);
  const json::Value& first = doc->Find("benchmarks")->items()[0];
  EXPECT_EQ(first.Find("name")->as_string(), "BM_Slow|pipe");
  const json::Value& metric = first.Find("metrics")->items()[0];
  EXPECT_EQ(metric.Find("verdict")->as_string(), "regression");
  EXPECT_NEAR(metric.Find("change")->as_number(), 0.5, 0.02);
  EXPECT_TRUE(metric.Find("p_adjusted")->is_number());
  // Machine output stays strict JSON: no NaN tokens.
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(doc->Find("gates")->items()[0].Find("outcome")->as_string(), "FAIL");
}

TEST(RenderTest, HtmlIsSelfContainedAndEscaped) {
  const std::string html = Render(SampleReport(), Format::kHtml, {});
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  ExpectContainsAll(html, {"BM_&lt;script&gt;", "<svg", "<circle"});
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no external resources
}

TEST(PrintableTest, EscapesControlsAndKeepsText) {
  EXPECT_EQ(Printable("BM_Plain/8:threads:2"), "BM_Plain/8:threads:2");
  EXPECT_EQ(Printable("a\nb\r\tc"), "a\\nb\\r\\tc");
  EXPECT_EQ(Printable("\x1b[2J\x07\x7f"), "\\x1b[2J\\x07\\x7f");
  EXPECT_EQ(Printable(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(Printable("caf\xC3\xA9 \xE2\x9C\x93"), "caf\xC3\xA9 \xE2\x9C\x93");  // UTF-8 kept
  EXPECT_EQ(Printable("\xC2\x9B" "31m"), "\\u009b31m");  // C1 CSI
  EXPECT_EQ(Printable("abc\xE2\x80\xAE" "fed"), "abc\\u202efed");  // right-to-left override
  EXPECT_EQ(Printable("bad\xFF\xC3"), "bad\\xff\\xc3");  // not UTF-8
  const std::string once = Printable("x\n\x1b\xFF");
  EXPECT_EQ(Printable(once), once);
}

// A results file is other programs' text: its names must not drive the terminal, start a new
// Markdown row or forge a line of the report.
Report HostileReport() {
  const std::string evil = "BM_\x1b[31mRED\x1b[0m\nFAKE: PASS (exit 0)\r\t|x";
  BenchmarkRun base, head;
  base.source = "base\x1b]0;title\x07.json";
  head.source = "head.json";
  for (BenchmarkRun* run : {&base, &head}) {
    Measurements m;
    m.name = evil;
    m.samples["cpu_time"] = {10, 11, 12, 13};
    m.samples["ctr\x1b[1m"] = {1, 1, 1, 1};
    m.metric_order = {"cpu_time", "ctr\x1b[1m"};
    run->benchmarks.push_back(m);
    run->warnings.push_back(run->source + ": " + evil + ": 1 cpu_time value(s) left out");
  }
  Report r = CompareFiles(base, head, GatesConfig(), CompareOptions());
  r.base_label = base.source;
  r.head_label = head.source;
  r.input_errors.push_back("gate \"g\x1b[K\": no benchmark \n matches");
  return r;
}

bool HasRawControl(const std::string& s, bool allow_newline) {
  for (unsigned char c : s) {
    if (c == '\n' && allow_newline) continue;
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

TEST(RenderTest, ControlCharactersAreEscapedInTextMarkdownAndHtml) {
  const Report r = HostileReport();
  RenderOptions all;
  all.all_metrics = true;
  for (Format f : {Format::kText, Format::kMarkdown, Format::kHtml}) {
    const std::string out = Render(r, f, all);
    EXPECT_FALSE(HasRawControl(out, /*allow_newline=*/true)) << out;
    EXPECT_EQ(out.find("\nFAKE"), std::string::npos) << out;  // no forged line
    EXPECT_NE(out.find("\\x1b[31mRED\\x1b[0m\\nFAKE: PASS (exit 0)\\r\\t"), std::string::npos) << out;
    EXPECT_NE(out.find("ctr\\x1b[1m"), std::string::npos) << out;
    EXPECT_NE(out.find("base\\x1b]0;title\\x07.json"), std::string::npos) << out;
    EXPECT_NE(out.find("\\x1b[K"), std::string::npos) << out;
  }
  // Colour codes are the renderer's own: present when asked, and the names inside stay escaped.
  RenderOptions color;
  color.color = true;
  const std::string colored = Render(r, Format::kText, color);
  EXPECT_EQ(colored.find("\x1b[31mRED"), std::string::npos);
  EXPECT_NE(colored.find("\\x1b[31mRED"), std::string::npos);
}

TEST(RenderTest, JsonKeepsHostileNamesExactAndStaysValid) {
  const Report r = HostileReport();
  const std::string text = Render(r, Format::kJson, {});
  EXPECT_FALSE(HasRawControl(text, /*allow_newline=*/true));
  Result<json::Value> doc = json::Parse(text, "report");
  CHINOOK_ASSERT_OK(doc);
  EXPECT_EQ(doc->Find("benchmarks")->items()[0].Find("name")->as_string(), r.benchmarks[0].name);
  EXPECT_EQ(doc->Find("base")->as_string(), r.base_label);
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("Infinity"), std::string::npos);
}

}  // namespace
}  // namespace chinook::compare
