#include "gates.h"
#include "testing/status_matchers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace chinook::compare {
namespace {

using MetricMap = std::map<std::string, std::vector<double>>;

BenchmarkRun MakeRun(const std::vector<std::pair<std::string, MetricMap>>& benchmarks) {
  BenchmarkRun run;
  run.source = "test";
  for (const auto& [name, metrics] : benchmarks) {
    Measurements m;
    m.name = name;
    for (const auto& [metric, values] : metrics) {
      m.samples[metric] = values;
      m.metric_order.push_back(metric);
    }
    run.benchmarks.push_back(std::move(m));
  }
  return run;
}

Result<GatesConfig> ParseText(const std::string& text) {
  CHINOOK_ASSIGN_OR_RETURN(auto doc, json::Parse(text, "gates.json"));
  return ParseGates(doc, "gates.json");
}

TEST(GatesParseTest, FullFile) {
  Result<GatesConfig> c = ParseText(R"({
    "version": 1,
    "description": "goals",
    "defaults": {"threshold_pct": 7, "alpha": 0.01, "correction": "bh", "confidence": 0.9},
    "metrics": [{"pattern": "compression_ratio", "better": "higher", "reason": "smaller on the wire"},
                {"pattern": "loader_calls_*", "better": "lower", "exact": true, "tolerance": 0, "slack": 0.5,
                 "reason": "counted"}],
    "ratios": [{"id": "r1", "numerator": "BM_A", "denominator": "BM_B", "metric": "items_per_second",
                "min": 3, "reason": "goal"}],
    "bounds": [{"id": "b1", "benchmark": "BM_C*", "metric": "hit_rate", "min": 0.8, "max": 1, "reason": "goal"}],
    "thresholds": [{"benchmark": "BM_Pg*", "threshold_pct": 12, "reason": "network"},
                   {"benchmark": "BM_Pg*", "threshold_pct": 50, "reason": "never reached: first match wins"},
                   {"benchmark": "*", "metric": "real_time", "threshold_pct": 9, "reason": "wall clock is noisier"}]
  })");
  CHINOOK_ASSERT_OK(c);
  EXPECT_DOUBLE_EQ(c->threshold, 0.07);
  EXPECT_DOUBLE_EQ(c->alpha, 0.01);
  EXPECT_EQ(c->correction, Correction::kBenjaminiHochberg);
  EXPECT_DOUBLE_EQ(c->confidence, 0.9);
  EXPECT_DOUBLE_EQ(c->ThresholdFor("BM_PgInsert", "cpu_time"), 0.12);
  EXPECT_DOUBLE_EQ(c->ThresholdFor("BM_Other", "real_time"), 0.09);
  EXPECT_DOUBLE_EQ(c->ThresholdFor("BM_Other", "cpu_time"), 0.07);
  EXPECT_EQ(c->RuleFor("compression_ratio").direction, Direction::kHigherIsBetter);
  EXPECT_TRUE(c->RuleFor("compression_ratio").verdict);
  EXPECT_TRUE(c->RuleFor("loader_calls_per_burst").exact);
  EXPECT_DOUBLE_EQ(c->RuleFor("loader_calls_per_burst").slack, 0.5);
  EXPECT_TRUE(c->IsGated("BM_A"));
  EXPECT_TRUE(c->IsGated("BM_Cache"));
  EXPECT_FALSE(c->IsGated("BM_D"));
  EXPECT_EQ(c->ratios[0].min, 3);
  EXPECT_TRUE(std::isinf(c->ratios[0].max));
}

TEST(GatesParseTest, BuiltInMetricRules) {
  const GatesConfig c;
  EXPECT_EQ(c.RuleFor("cpu_time").direction, Direction::kLowerIsBetter);
  EXPECT_TRUE(c.RuleFor("allocs_per_op").exact);
  EXPECT_TRUE(c.RuleFor("allocs_per_iter").exact);
  EXPECT_TRUE(c.RuleFor("bytes_per_op").exact);
  EXPECT_DOUBLE_EQ(c.RuleFor("bytes_per_op").slack, 4096);
  EXPECT_EQ(c.RuleFor("queries_per_op").direction, Direction::kLowerIsBetter);
  EXPECT_TRUE(c.RuleFor("queries_per_op").verdict);
  EXPECT_EQ(c.RuleFor("items_per_second").direction, Direction::kHigherIsBetter);
  EXPECT_FALSE(c.RuleFor("items_per_second").verdict);  // derived from the time
  EXPECT_EQ(c.RuleFor("l1_hit_rate").direction, Direction::kHigherIsBetter);
  EXPECT_EQ(c.RuleFor("compression_ratio").direction, Direction::kUnknown);
  EXPECT_DOUBLE_EQ(c.ThresholdFor("BM_Anything", "cpu_time"), 0.05);
}

TEST(GatesParseTest, MistakesAreErrorsWithPositions) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {R"({"defaults": {"treshold_pct": 5}})", "gates.json:1:31: defaults: unknown member \"treshold_pct\""},
      {R"({"ratios": [{"id": "x", "numerator": "A", "denominator": "B", "metric": "m", "min": 1}]})",
       "ratios[0]: missing \"reason\""},
      {R"({"ratios": [{"id": "x", "numerator": "A", "denominator": "B", "metric": "m", "reason": "r"}]})",
       "ratios[0]: needs \"min\" or \"max\""},
      {R"({"bounds": [{"id": "x", "benchmark": "A", "metric": "m", "min": 2, "max": 1, "reason": "r"}]})",
       "\"min\" is above \"max\""},
      {R"({"defaults": {"correction": "bonferroni"}})", "\"correction\" must be \"holm\", \"bh\" or \"none\""},
      {R"({"defaults": {"alpha": 1.5}})", "\"alpha\" must be in (0, 1)"},
      {R"({"thresholds": [{"benchmark": "A", "reason": "r"}]})", "missing \"threshold_pct\""},
      {R"({"thresholds": [{"benchmark": "A", "threshold_pct": "5", "reason": "r"}]})", "gates.json:1:53: thresholds[0].threshold_pct: must be a finite number"},
      {R"({"metrics": [{"pattern": "x", "exact": true, "reason": "r"}]})", "needs \"better\""},
      {R"({"metrics": [{"pattern": "x", "better": "lower", "slack": 1, "reason": "r"}]})", "exact metrics only"},
      {R"({"ratios": [{"id": "x", "numerator": "A", "denominator": "B", "metric": "m", "min": 1, "reason": "r"},
                      {"id": "x", "numerator": "C", "denominator": "D", "metric": "m", "min": 1, "reason": "r"}]})",
       "duplicate id \"x\""},
      {R"({"version": 2})", "unsupported gates file version"},
      {R"({"gates": []})", "unknown member \"gates\""},
      {R"([])", "gates file must be an object"},
      {R"({"ratios": {}})", "\"ratios\" must be an array"},
  };
  for (const Case& c : cases) {
    Result<GatesConfig> r = ParseText(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << c.text << "\n" << r.status().message();
  }
}

TEST(GatesParseTest, ProjectGatesFileLoads) {
  Result<GatesConfig> c = LoadGates(std::string(CHINOOK_COMPARE_TESTDATA) + "/../../../benchmarks/gates.json");
  CHINOOK_ASSERT_OK(c);
  EXPECT_FALSE(c->ratios.empty());
}

GatesConfig RatioConfig(const std::string& num, const std::string& den, double min) {
  GatesConfig c;
  RatioGate g;
  g.id = "ratio";
  g.numerator = num;
  g.denominator = den;
  g.metric = "items_per_second";
  g.min = min;
  g.reason = "goal";
  c.ratios.push_back(g);
  return c;
}

TEST(EvaluateGatesTest, RatioPassesAndFails) {
  const BenchmarkRun run = MakeRun({{"BM_Naive", {{"items_per_second", {100, 110, 90}}}},
                                    {"BM_Fast", {{"items_per_second", {320, 310, 300}}}}});
  std::vector<GateResult> r = EvaluateGates(RatioConfig("BM_Fast", "BM_Naive", 3.0), std::span(&run, 1), {}, false);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kPass);
  EXPECT_DOUBLE_EQ(r[0].value, 3.1);  // median 310 / median 100
  r = EvaluateGates(RatioConfig("BM_Fast", "BM_Naive", 3.5), std::span(&run, 1), {}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kFail);
  EXPECT_NE(r[0].detail.find("BM_Fast / BM_Naive = 3.1 (fails)"), std::string::npos) << r[0].detail;
}

TEST(EvaluateGatesTest, RatioIsTakenWithinEachRoundThenTheMedian) {
  // The machine is twice as slow in round 2: the ratio within each round is still 3.
  std::vector<BenchmarkRun> rounds = {
      MakeRun({{"BM_Naive", {{"items_per_second", {100}}}}, {"BM_Fast", {{"items_per_second", {300}}}}}),
      MakeRun({{"BM_Naive", {{"items_per_second", {50}}}}, {"BM_Fast", {{"items_per_second", {150}}}}}),
      MakeRun({{"BM_Naive", {{"items_per_second", {100}}}}, {"BM_Fast", {{"items_per_second", {300}}}}}),
  };
  const std::vector<GateResult> r = EvaluateGates(RatioConfig("BM_Fast", "BM_Naive", 3.0), rounds, {}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kPass);
  EXPECT_DOUBLE_EQ(r[0].value, 3.0);
}

TEST(EvaluateGatesTest, WildcardsPairByCapturedText) {
  const BenchmarkRun run = MakeRun({{"BM_Naive/8", {{"items_per_second", {100}}}},
                                    {"BM_Naive/64", {{"items_per_second", {100}}}},
                                    {"BM_Fast/8", {{"items_per_second", {500}}}},
                                    {"BM_Fast/64", {{"items_per_second", {200}}}}});
  const std::vector<GateResult> r = EvaluateGates(RatioConfig("BM_Fast/*", "BM_Naive/*", 3.0), std::span(&run, 1), {}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kFail);
  EXPECT_DOUBLE_EQ(r[0].value, 2.0);  // the worst pair
  EXPECT_NE(r[0].detail.find("BM_Fast/8 / BM_Naive/8 = 5"), std::string::npos) << r[0].detail;
  EXPECT_NE(r[0].detail.find("BM_Fast/64 / BM_Naive/64 = 2 (fails)"), std::string::npos) << r[0].detail;
}

TEST(EvaluateGatesTest, AbsentBenchmarks) {
  const BenchmarkRun run = MakeRun({{"BM_Naive", {{"items_per_second", {100}}}}});
  // Nobody has BM_Fsat: a broken gates file (exit 2), with a suggestion when a name is close.
  std::vector<GateResult> r =
      EvaluateGates(RatioConfig("BM_Fsat", "BM_Naive", 3.0), std::span(&run, 1), {"BM_Naive"}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kUnknown);
  EXPECT_NE(r[0].detail.find("no benchmark matches BM_Fsat"), std::string::npos);
  r = EvaluateGates(RatioConfig("BM_Fsat", "BM_Naive", 3.0), std::span(&run, 1), {"BM_Naive", "BM_Fast"}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kUnknown);
  EXPECT_NE(r[0].detail.find("did you mean BM_Fast?"), std::string::npos) << r[0].detail;
  // The baseline had BM_Fast and the current run lost it: a missing gated benchmark.
  r = EvaluateGates(RatioConfig("BM_Fast", "BM_Naive", 3.0), std::span(&run, 1), {"BM_Fast"}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kMissing);
  // A filtered run may leave it out.
  r = EvaluateGates(RatioConfig("BM_Fast", "BM_Naive", 3.0), std::span(&run, 1), {"BM_Fast"}, true);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kSkipped);
}

TEST(EvaluateGatesTest, FailedOrSilentBenchmarkIsMissing) {
  BenchmarkRun run = MakeRun({{"BM_Naive", {{"items_per_second", {100}}}}, {"BM_Fast", {}}});
  run.benchmarks[1].error = "server down";
  std::vector<GateResult> r = EvaluateGates(RatioConfig("BM_Fast", "BM_Naive", 3.0), std::span(&run, 1), {}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kMissing);
  EXPECT_NE(r[0].detail.find("BM_Fast failed: server down"), std::string::npos) << r[0].detail;
  const BenchmarkRun no_counter = MakeRun({{"BM_Naive", {{"items_per_second", {100}}}}, {"BM_Fast", {{"cpu_time", {1}}}}});
  r = EvaluateGates(RatioConfig("BM_Fast", "BM_Naive", 3.0), std::span(&no_counter, 1), {}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kMissing);
  EXPECT_NE(r[0].detail.find("BM_Fast does not report items_per_second"), std::string::npos) << r[0].detail;
}

TEST(EvaluateGatesTest, Bounds) {
  GatesConfig c;
  BoundGate g;
  g.id = "hit";
  g.benchmark = "BM_Cache/*";
  g.metric = "hit_rate";
  g.min = 0.8;
  g.reason = "goal";
  c.bounds.push_back(g);
  const BenchmarkRun good = MakeRun({{"BM_Cache/1", {{"hit_rate", {0.85, 0.86}}}}, {"BM_Cache/2", {{"hit_rate", {0.9}}}}});
  std::vector<GateResult> r = EvaluateGates(c, std::span(&good, 1), {}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kPass);
  EXPECT_NEAR(r[0].value, 0.855, 1e-12);  // the worst of the matches
  const BenchmarkRun bad = MakeRun({{"BM_Cache/1", {{"hit_rate", {0.85}}}}, {"BM_Cache/2", {{"hit_rate", {0.7}}}}});
  r = EvaluateGates(c, std::span(&bad, 1), {}, false);
  EXPECT_EQ(r[0].outcome, GateResult::Outcome::kFail);
  EXPECT_DOUBLE_EQ(r[0].value, 0.7);
}

}  // namespace
}  // namespace chinook::compare
