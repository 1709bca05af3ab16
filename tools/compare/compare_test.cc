// Verdict logic, the multiple-testing correction, exact metrics, paired rounds and exit codes, on
// synthetic data (seeded, so every figure is reproducible).
#include "compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "stats.h"

namespace chinook::compare {
namespace {

using MetricMap = std::map<std::string, std::vector<double>>;

void Add(BenchmarkRun* run, const std::string& name, const MetricMap& metrics) {
  Measurements m;
  m.name = name;
  for (const auto& [metric, values] : metrics) {
    m.samples[metric] = values;
    m.metric_order.push_back(metric);
  }
  run->benchmarks.push_back(std::move(m));
}

// n lognormal samples around `center` with relative spread `sigma`.
std::vector<double> Noisy(stats::Rng& rng, int n, double center, double sigma) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(center * std::exp(sigma * rng.Normal()));
  return v;
}

const BenchmarkComparison& Get(const Report& r, const std::string& name) {
  for (const BenchmarkComparison& b : r.benchmarks) {
    if (b.name == name) return b;
  }
  ADD_FAILURE() << "no benchmark " << name;
  static BenchmarkComparison none;
  return none;
}

const MetricComparison& Metric(const BenchmarkComparison& b, const std::string& metric) {
  for (const MetricComparison& c : b.metrics) {
    if (c.metric == metric) return c;
  }
  ADD_FAILURE() << b.name << " has no metric " << metric;
  static MetricComparison none;
  return none;
}

TEST(DecideTest, Table) {
  const auto decide = [](double change, double lo, double hi, double p, Direction d = Direction::kLowerIsBetter,
                         double level = 0.95) { return Decide(change, lo, hi, level, p, 0.05, d, 0.05, 0.95); };
  EXPECT_EQ(decide(0.10, 0.07, 0.13, 0.001), Verdict::kRegression);
  EXPECT_EQ(decide(-0.10, -0.13, -0.07, 0.001), Verdict::kImprovement);
  // Higher is better: a 10% drop in throughput is the regression.
  EXPECT_EQ(decide(-0.10, -0.13, -0.07, 0.001, Direction::kHigherIsBetter), Verdict::kRegression);
  EXPECT_EQ(decide(0.10, 0.07, 0.13, 0.001, Direction::kHigherIsBetter), Verdict::kImprovement);
  // Significant but below the threshold: real, and small enough not to matter.
  EXPECT_EQ(decide(0.03, 0.02, 0.04, 0.001), Verdict::kUnchanged);
  // Significant, below the threshold, but the interval reaches twice past it: may be a
  // regression, so not "unchanged" (an 8% slowdown measured as +4.5% [+1.0%, +11.3%]).
  EXPECT_EQ(decide(0.045, 0.010, 0.113, 0.047), Verdict::kInconclusive);
  // Not significant, the interval inside +-5%: settled, unchanged.
  EXPECT_EQ(decide(0.01, -0.02, 0.03, 0.4), Verdict::kUnchanged);
  // Not significant, the interval reaching past 5%: cannot tell.
  EXPECT_EQ(decide(0.08, -0.02, 0.18, 0.2), Verdict::kInconclusive);
  // Beyond the threshold but not significant after correction: not a regression.
  EXPECT_EQ(decide(0.10, 0.01, 0.20, 0.06), Verdict::kInconclusive);
  // A narrow interval that does not reach the requested confidence proves nothing.
  EXPECT_EQ(decide(0.0, 0.0, 0.0, 1.0, Direction::kLowerIsBetter, 0.0), Verdict::kInconclusive);
}

class CompareFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stats::Rng rng(1);
    base_.source = "base.json";
    head_.source = "head.json";
    // 10 repetitions with 1% noise.
    Add(&base_, "BM_Slower", {{"cpu_time", Noisy(rng, 10, 100, 0.01)}});
    Add(&head_, "BM_Slower", {{"cpu_time", Noisy(rng, 10, 120, 0.01)}});
    Add(&base_, "BM_Faster", {{"cpu_time", Noisy(rng, 10, 100, 0.01)}});
    Add(&head_, "BM_Faster", {{"cpu_time", Noisy(rng, 10, 80, 0.01)}});
    Add(&base_, "BM_Same", {{"cpu_time", Noisy(rng, 10, 100, 0.01)}});
    Add(&head_, "BM_Same", {{"cpu_time", Noisy(rng, 10, 100, 0.01)}});
    // 3 repetitions with 20% noise: a 10% change cannot be told apart.
    Add(&base_, "BM_Noisy", {{"cpu_time", {80, 100, 125}}});
    Add(&head_, "BM_Noisy", {{"cpu_time", {90, 112, 135}}});
    // Same time, one more allocation per operation: an exact metric, any increase counts.
    Add(&base_, "BM_Allocs", {{"cpu_time", Noisy(rng, 10, 100, 0.01)}, {"allocs_per_op", std::vector<double>(10, 2.0)}});
    Add(&head_, "BM_Allocs", {{"cpu_time", Noisy(rng, 10, 100, 0.01)}, {"allocs_per_op", std::vector<double>(10, 3.0)}});
    // Amortised one-off allocations: 2.004 vs 2.001 is rounding, not a regression.
    Add(&base_, "BM_Amortised", {{"cpu_time", Noisy(rng, 10, 100, 0.01)}, {"allocs_per_op", std::vector<double>(10, 2.001)}});
    Add(&head_, "BM_Amortised", {{"cpu_time", Noisy(rng, 10, 100, 0.01)}, {"allocs_per_op", std::vector<double>(10, 2.004)}});
    Add(&base_, "BM_Gone", {{"cpu_time", {1, 2}}});
    Add(&head_, "BM_Added", {{"cpu_time", {1, 2}}});
  }

  BenchmarkRun base_, head_;
  GatesConfig config_;
  CompareOptions options_;
};

TEST_F(CompareFilesTest, Verdicts) {
  const Report r = CompareFiles(base_, head_, config_, options_);
  EXPECT_EQ(Get(r, "BM_Slower").verdict, Verdict::kRegression);
  const MetricComparison& slower = Metric(Get(r, "BM_Slower"), "cpu_time");
  EXPECT_NEAR(slower.change, 0.20, 0.02);
  EXPECT_LT(slower.ci_low, slower.change);
  EXPECT_GT(slower.ci_high, slower.change);
  EXPECT_TRUE(slower.exact_test);
  EXPECT_NEAR(slower.p_value, 2.0 / 184756, 1e-12);  // fully separated 10 v 10: 2 / C(20,10)
  EXPECT_GE(slower.p_adjusted, slower.p_value);

  EXPECT_EQ(Get(r, "BM_Faster").verdict, Verdict::kImprovement);
  EXPECT_EQ(Get(r, "BM_Same").verdict, Verdict::kUnchanged);
  const BenchmarkComparison& noisy = Get(r, "BM_Noisy");
  EXPECT_EQ(noisy.verdict, Verdict::kInconclusive);
  EXPECT_GT(noisy.needed, 3);  // more repetitions than it had

  const BenchmarkComparison& allocs = Get(r, "BM_Allocs");
  EXPECT_EQ(allocs.verdict, Verdict::kRegression);
  EXPECT_EQ(Metric(allocs, "allocs_per_op").verdict, Verdict::kRegression);
  EXPECT_EQ(Metric(allocs, "cpu_time").verdict, Verdict::kUnchanged);
  EXPECT_EQ(Get(r, "BM_Amortised").verdict, Verdict::kUnchanged);

  EXPECT_EQ(Get(r, "BM_Gone").verdict, Verdict::kMissing);
  EXPECT_EQ(Get(r, "BM_Added").verdict, Verdict::kNew);
  EXPECT_EQ(r.tests, 6);  // the six cpu_time comparisons; allocation counts are not tested
  EXPECT_EQ(r.ExitCode(), 1);
}

TEST_F(CompareFilesTest, AdvisoryAndInconclusivePolicies) {
  options_.advisory = true;
  EXPECT_EQ(CompareFiles(base_, head_, config_, options_).ExitCode(), 0);
  options_.fail_on_inconclusive = true;
  EXPECT_EQ(CompareFiles(base_, head_, config_, options_).ExitCode(), 1);  // BM_Noisy
}

TEST_F(CompareFilesTest, ThresholdOverridesByPattern) {
  config_.thresholds.push_back({"BM_Slow*", "*", 0.30, "tolerant"});
  const Report r = CompareFiles(base_, head_, config_, options_);
  EXPECT_EQ(Get(r, "BM_Slower").verdict, Verdict::kUnchanged);  // +20% is within 30%
  EXPECT_DOUBLE_EQ(Metric(Get(r, "BM_Slower"), "cpu_time").threshold, 0.30);
}

TEST_F(CompareFilesTest, GatedMissingBenchmarkFails) {
  config_.bounds.push_back({"g", "BM_Gone", "cpu_time", 0, 10, "must run"});
  options_.advisory = true;
  const Report r = CompareFiles(base_, head_, config_, options_);
  EXPECT_TRUE(Get(r, "BM_Gone").gated);
  EXPECT_EQ(r.gates[0].outcome, GateResult::Outcome::kMissing);
  EXPECT_EQ(r.ExitCode(), 1);
}

TEST_F(CompareFilesTest, GateNamingNoKnownBenchmarkIsAnInputError) {
  config_.bounds.push_back({"g", "BM_Nobody", "cpu_time", 0, 10, "typo"});
  const Report r = CompareFiles(base_, head_, config_, options_);
  ASSERT_EQ(r.input_errors.size(), 1u);
  EXPECT_EQ(r.ExitCode(), 2);
}

TEST_F(CompareFilesTest, FailedBenchmarkInCurrentRunFails) {
  Measurements broken;
  broken.name = "BM_Same";
  broken.error = "connection refused";
  head_.benchmarks[2] = broken;
  options_.advisory = true;
  const Report r = CompareFiles(base_, head_, config_, options_);
  EXPECT_EQ(Get(r, "BM_Same").verdict, Verdict::kFailed);
  EXPECT_EQ(r.ExitCode(), 1);
}

TEST_F(CompareFilesTest, EachBenchmarkIsJudgedOnItsDeclaredClock) {
  // Waiting got 50% slower; the CPU the benchmark used did not change.
  stats::Rng rng(6);
  for (const std::string name : {"BM_Wait", "BM_Wait/real_time", "BM_Wait/manual_time/threads:2"}) {
    Add(&base_, name, {{"cpu_time", std::vector<double>(10, 1.0)}, {"real_time", Noisy(rng, 10, 100, 0.01)}});
    Add(&head_, name, {{"cpu_time", std::vector<double>(10, 1.0)}, {"real_time", Noisy(rng, 10, 150, 0.01)}});
  }
  Report r = CompareFiles(base_, head_, config_, options_);
  EXPECT_EQ(Get(r, "BM_Wait").verdict, Verdict::kUnchanged);  // a CPU benchmark: cpu_time
  EXPECT_EQ(Metric(Get(r, "BM_Wait"), "real_time").verdict, Verdict::kInfo);
  EXPECT_EQ(Get(r, "BM_Wait/real_time").verdict, Verdict::kRegression);  // UseRealTime(): real_time
  EXPECT_EQ(Metric(Get(r, "BM_Wait/real_time"), "cpu_time").verdict, Verdict::kInfo);
  EXPECT_EQ(Get(r, "BM_Wait/manual_time/threads:2").verdict, Verdict::kRegression);
  EXPECT_EQ(DeclaredTimeMetric("BM_X/8/real_time/threads:4"), "real_time");
  EXPECT_EQ(DeclaredTimeMetric("BM_real_time_X"), "cpu_time");
  // Asking for both judges both.
  options_.time_metrics = {"cpu_time", "real_time"};
  r = CompareFiles(base_, head_, config_, options_);
  EXPECT_EQ(Get(r, "BM_Wait").verdict, Verdict::kRegression);
}

// One-off allocations (here 2,593 per run, none per iteration) divided by the iteration count:
// figures recorded from BM_SerializeBatch_Gzip/level:1, 35 and 34 iterations.
TEST(CompareExactTest, OneOffAllocationsOverFewerIterationsAreNotARegression) {
  const auto run = [](double per_op, double iterations) {
    BenchmarkRun r;
    Add(&r, "BM_Gzip", {{"allocs_per_op", std::vector<double>(3, per_op)}});
    r.benchmarks[0].iterations = std::vector<double>(3, iterations);
    return r;
  };
  const BenchmarkRun base = run(2593.0 / 35, 35);
  Report r = CompareFiles(base, run(2593.0 / 34, 34), GatesConfig(), CompareOptions());
  const MetricComparison& same = Metric(Get(r, "BM_Gzip"), "allocs_per_op");
  EXPECT_EQ(same.verdict, Verdict::kUnchanged);
  EXPECT_NE(same.note.find("one-off"), std::string::npos) << same.note;
  // One more allocation per iteration: the total grows by 34 and the figure by 1.
  r = CompareFiles(base, run((2593.0 + 34) / 34, 34), GatesConfig(), CompareOptions());
  EXPECT_EQ(Metric(Get(r, "BM_Gzip"), "allocs_per_op").verdict, Verdict::kRegression);
  // One more allocation every 20 iterations, over many iterations: small, and still counted.
  const BenchmarkRun many = run(14.0 + 100.0 / 80000, 80000);
  r = CompareFiles(many, run(14.05 + 100.0 / 80000, 80000), GatesConfig(), CompareOptions());
  EXPECT_EQ(Metric(Get(r, "BM_Gzip"), "allocs_per_op").verdict, Verdict::kRegression);
}

TEST(CompareExactTest, RecordedRunsOfIdenticalCodeRaiseNoAllocationAlarm) {
  // Two runs of the same chinook-bench build (3 repetitions each, short): the allocation figures
  // per op differ between them (9.344 vs 9.517 for BM_SerializeBatch_Optimized) because the runs
  // had different iteration counts, not because the code allocates more.
  const std::string dir = CHINOOK_COMPARE_TESTDATA;
  Result<BenchmarkRun> a = ReadBenchmarkFile(dir + "/chinook_bench_a.json");
  Result<BenchmarkRun> b = ReadBenchmarkFile(dir + "/chinook_bench_b.json");
  ASSERT_TRUE(a.ok() && b.ok());
  const Report r = CompareFiles(*a, *b, GatesConfig(), CompareOptions());
  for (const BenchmarkComparison& bench : r.benchmarks) {
    for (const MetricComparison& m : bench.metrics) {
      if (!m.rule.exact) continue;
      EXPECT_EQ(m.verdict, Verdict::kUnchanged) << bench.name << " " << m.metric << " " << m.note;
    }
  }
  EXPECT_EQ(r.Count(Verdict::kRegression), 0);
}

TEST(CompareCountersTest, DeterministicCountersNeedNoTest) {
  BenchmarkRun base, head;
  for (int i = 0; i < 30; ++i) {  // enough benchmarks that a rank test on 3 v 3 could never win
    Add(&base, "BM_" + std::to_string(i), {{"hit_rate", {0.85, 0.85, 0.85}}});
    Add(&head, "BM_" + std::to_string(i), {{"hit_rate", {i == 0 ? 0.80 : 0.85, i == 0 ? 0.80 : 0.85, i == 0 ? 0.80 : 0.85}}});
  }
  const Report r = CompareFiles(base, head, GatesConfig(), CompareOptions());
  const MetricComparison& changed = Metric(Get(r, "BM_0"), "hit_rate");
  EXPECT_EQ(changed.verdict, Verdict::kRegression);
  EXPECT_NEAR(changed.change, -0.0588, 1e-3);
  EXPECT_EQ(Metric(Get(r, "BM_1"), "hit_rate").verdict, Verdict::kUnchanged);
  EXPECT_EQ(r.Count(Verdict::kRegression), 1);
}

TEST(CompareCountersTest, DirectionOfCounters) {
  BenchmarkRun base, head;
  stats::Rng rng(3);
  Add(&base, "BM_Cache", {{"cpu_time", Noisy(rng, 8, 100, 0.01)}, {"hit_rate", Noisy(rng, 8, 0.85, 0.001)},
                          {"items_per_second", Noisy(rng, 8, 1e6, 0.01)}, {"mystery", Noisy(rng, 8, 5, 0.01)}});
  Add(&head, "BM_Cache", {{"cpu_time", Noisy(rng, 8, 100, 0.01)}, {"hit_rate", Noisy(rng, 8, 0.70, 0.001)},
                          {"items_per_second", Noisy(rng, 8, 0.5e6, 0.01)}, {"mystery", Noisy(rng, 8, 9, 0.01)}});
  const Report r = CompareFiles(base, head, GatesConfig(), CompareOptions());
  const BenchmarkComparison& b = Get(r, "BM_Cache");
  EXPECT_EQ(Metric(b, "hit_rate").verdict, Verdict::kRegression);  // higher is better, and it fell
  EXPECT_EQ(Metric(b, "items_per_second").verdict, Verdict::kInfo);  // derived from time: shown only
  EXPECT_EQ(Metric(b, "mystery").verdict, Verdict::kInfo);           // direction unknown
  EXPECT_TRUE(std::isnan(Metric(b, "mystery").p_adjusted));          // not in the family
  EXPECT_EQ(b.verdict, Verdict::kRegression);
}

// 20 benchmarks each 8% slower, 5 repetitions a side, fully separated: each raw p is
// 2/C(10,5) = 0.0079. Uncorrected, 20 regressions; Holm (family-wise) needs p < 0.05/20 and calls
// none; Benjamini-Hochberg (false discovery rate) sees 20 small p-values together and calls all.
TEST(MultipleTestingTest, CorrectionDecidesWhatCountsAsSignificant) {
  BenchmarkRun base, head;
  for (int i = 0; i < 20; ++i) {
    const std::string name = "BM_" + std::to_string(i);
    Add(&base, name, {{"cpu_time", {100, 100.5, 101, 101.5, 102}}});
    Add(&head, name, {{"cpu_time", {108, 108.5, 109, 109.5, 110}}});
  }
  GatesConfig config;
  config.correction = Correction::kNone;
  EXPECT_EQ(CompareFiles(base, head, config, CompareOptions()).Count(Verdict::kRegression), 20);
  config.correction = Correction::kHolm;
  const Report holm = CompareFiles(base, head, config, CompareOptions());
  EXPECT_EQ(holm.Count(Verdict::kRegression), 0);
  EXPECT_EQ(holm.Count(Verdict::kInconclusive), 20);
  EXPECT_NEAR(Metric(holm.benchmarks[0], "cpu_time").p_adjusted, std::min(1.0, 20 * 2.0 / 252), 1e-12);
  config.correction = Correction::kBenjaminiHochberg;
  EXPECT_EQ(CompareFiles(base, head, config, CompareOptions()).Count(Verdict::kRegression), 20);
}

TEST(CompareAggregatesTest, AggregatesOnlyIsInconclusiveWithANote) {
  BenchmarkRun base, head;
  Add(&base, "BM_A", {{"cpu_time", {100}}});
  Add(&head, "BM_A", {{"cpu_time", {150}}});
  head.benchmarks[0].from_aggregates = true;
  const Report r = CompareFiles(base, head, GatesConfig(), CompareOptions());
  const BenchmarkComparison& b = Get(r, "BM_A");
  EXPECT_EQ(b.verdict, Verdict::kInconclusive);
  ASSERT_FALSE(b.notes.empty());
  EXPECT_NE(b.notes[0].find("only aggregates"), std::string::npos);
  EXPECT_EQ(r.tests, 0);  // one sample a side can never be significant: kept out of the family
}

// Rounds on a drifting machine: the machine's speed changes by up to +-40% between rounds, the
// same for both programs within a round; the head is 10% slower in BM_Target only.
struct DriftingRounds {
  std::vector<BenchmarkRun> base, head;
};

DriftingRounds MakeDriftingRounds(int rounds, double target_factor, uint64_t seed) {
  DriftingRounds d;
  stats::Rng rng(seed);
  for (int i = 0; i < rounds; ++i) {
    const double drift = 1 + 0.4 * std::sin(1.3 * i);
    BenchmarkRun b, h;
    for (const std::string name : {"BM_Target", "BM_Other1", "BM_Other2", "BM_Other3"}) {
      const double factor = name == "BM_Target" ? target_factor : 1.0;
      Add(&b, name, {{"cpu_time", Noisy(rng, 3, 1000 * drift, 0.02)}});
      Add(&h, name, {{"cpu_time", Noisy(rng, 3, 1000 * drift * factor, 0.02)}});
    }
    d.base.push_back(std::move(b));
    d.head.push_back(std::move(h));
  }
  return d;
}

TEST(ComparePairedTest, DriftCancelsAndTheSlowdownIsFound) {
  const DriftingRounds d = MakeDriftingRounds(15, 1.10, 11);
  const Report paired = ComparePaired(d.base, d.head, GatesConfig(), CompareOptions());
  EXPECT_EQ(paired.rounds, 15);
  EXPECT_EQ(Get(paired, "BM_Target").verdict, Verdict::kRegression);
  EXPECT_NEAR(Metric(Get(paired, "BM_Target"), "cpu_time").change, 0.10, 0.02);
  EXPECT_EQ(Get(paired, "BM_Other1").verdict, Verdict::kUnchanged);
  EXPECT_EQ(Get(paired, "BM_Other2").verdict, Verdict::kUnchanged);
  EXPECT_EQ(Get(paired, "BM_Other3").verdict, Verdict::kUnchanged);
  // The same data pooled as two independent files: the drift swamps the 10%.
  BenchmarkRun base, head;
  for (const BenchmarkRun& r : d.base) MergeRuns(r, &base);
  for (const BenchmarkRun& r : d.head) MergeRuns(r, &head);
  const Report pooled = CompareFiles(base, head, GatesConfig(), CompareOptions());
  EXPECT_EQ(Get(pooled, "BM_Target").verdict, Verdict::kInconclusive);
}

TEST(ComparePairedTest, FailuresInSomeRoundsAreNoted) {
  DriftingRounds d = MakeDriftingRounds(6, 1.0, 13);
  Measurements& m = d.head[2].benchmarks[0];
  m.samples.clear();
  m.error = "timeout";
  const Report r = ComparePaired(d.base, d.head, GatesConfig(), CompareOptions());
  const BenchmarkComparison& b = Get(r, m.name);
  EXPECT_EQ(Metric(b, "cpu_time").n_base, 5);
  ASSERT_FALSE(b.notes.empty());
  EXPECT_EQ(b.notes[0], "failed in 1 of 6 rounds of the current run (timeout); compared on the others");
}

TEST(ComparePairedTest, IdenticalProgramsRaiseNoAlarm) {
  const DriftingRounds d = MakeDriftingRounds(15, 1.0, 12);
  const Report r = ComparePaired(d.base, d.head, GatesConfig(), CompareOptions());
  EXPECT_EQ(r.Count(Verdict::kRegression), 0);
  EXPECT_EQ(r.Count(Verdict::kImprovement), 0);
  EXPECT_EQ(r.ExitCode(), 0);
}

TEST(GeoMeanTest, UniformSlowdownShowsInTheGeometricMean) {
  BenchmarkRun base, head;
  stats::Rng rng(9);
  for (int i = 0; i < 6; ++i) {
    const std::string name = "BM_" + std::to_string(i);
    const double center = 100.0 * (i + 1);
    Add(&base, name, {{"cpu_time", Noisy(rng, 10, center, 0.01)}});
    Add(&head, name, {{"cpu_time", Noisy(rng, 10, center * 1.10, 0.01)}});
  }
  const Report r = CompareFiles(base, head, GatesConfig(), CompareOptions());
  ASSERT_EQ(r.geomeans.size(), 1u);  // one line: each benchmark's declared clock
  const GeoMean& g = r.geomeans[0];
  EXPECT_EQ(g.benchmarks, 6);
  EXPECT_NEAR(g.change, 0.10, 0.01);
  EXPECT_LT(g.ci_low, g.change);
  EXPECT_GT(g.ci_high, g.change);
  EXPECT_LT(g.ci_low, 0.10 + 0.01);
  EXPECT_GT(g.ci_high, 0.10 - 0.01);
  // Reproducible: the bootstrap is seeded.
  const Report again = CompareFiles(base, head, GatesConfig(), CompareOptions());
  EXPECT_DOUBLE_EQ(again.geomeans[0].ci_low, g.ci_low);
}

TEST(CheckRunTest, OnlyGatesAndFailures) {
  BenchmarkRun run;
  run.source = "current.json";
  Add(&run, "BM_Serialize_Naive", {{"items_per_second", {1e6}}});
  Add(&run, "BM_Serialize_Optimized", {{"items_per_second", {3.4e6}}});
  GatesConfig config;
  config.ratios.push_back({"3x", "BM_Serialize_Optimized", "BM_Serialize_Naive", "items_per_second", 3.0,
                           std::numeric_limits<double>::infinity(), "goal"});
  Report r = CheckRun(run, config, CompareOptions());
  EXPECT_EQ(r.ExitCode(), 0);
  EXPECT_DOUBLE_EQ(r.gates[0].value, 3.4);
  run.benchmarks[1].samples["items_per_second"] = {2.5e6};
  EXPECT_EQ(CheckRun(run, config, CompareOptions()).ExitCode(), 1);
}

}  // namespace
}  // namespace chinook::compare
