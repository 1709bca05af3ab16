// Deterministic simulations of the whole verdict pipeline on seeded synthetic data (never on
// timings): how often identical code raises an alarm, and whether real changes are caught.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "compare.h"
#include "stats.h"

namespace chinook::compare {
namespace {

constexpr int kTrials = 100;
constexpr int kBenchmarks = 20;

Measurements Samples(const std::string& name, std::vector<double> values) {
  Measurements m;
  m.name = name;
  m.samples["cpu_time"] = std::move(values);
  m.metric_order.push_back("cpu_time");
  return m;
}

std::vector<double> Lognormal(stats::Rng& rng, int n, double center, double sigma) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(center * std::exp(sigma * rng.Normal()));
  return v;
}

CompareOptions Fast() {
  CompareOptions o;
  o.bootstrap_resamples = 50;  // the geometric mean is not under test here
  return o;
}

// One comparison of two results files: kBenchmarks benchmarks, n repetitions a side, 5% noise;
// benchmark 0 is `shift` slower in the head.
Report FileComparison(stats::Rng& rng, int n, double shift, Correction correction) {
  BenchmarkRun base, head;
  for (int b = 0; b < kBenchmarks; ++b) {
    const std::string name = "BM_" + std::to_string(b);
    const double center = 1000.0 * (b + 1);
    base.benchmarks.push_back(Samples(name, Lognormal(rng, n, center, 0.05)));
    head.benchmarks.push_back(Samples(name, Lognormal(rng, n, center * (b == 0 ? 1 + shift : 1.0), 0.05)));
  }
  GatesConfig config;
  config.correction = correction;
  return CompareFiles(base, head, config, Fast());
}

bool AnyAlarm(const Report& r) { return r.Count(Verdict::kRegression) + r.Count(Verdict::kImprovement) > 0; }

TEST(SimulationTest, IdenticalDistributionsRarelyAlarmAfterCorrection) {
  stats::Rng rng(2024);
  int alarmed_runs = 0;
  int raw_significant = 0;  // individual tests with raw p < 0.05: what an uncorrected tool reports
  for (int t = 0; t < kTrials; ++t) {
    const Report r = FileComparison(rng, 10, 0.0, Correction::kHolm);
    alarmed_runs += AnyAlarm(r) ? 1 : 0;
    for (const BenchmarkComparison& b : r.benchmarks) raw_significant += b.metrics[0].p_value < 0.05 ? 1 : 0;
  }
  // Holm bounds the chance of any false alarm per run by alpha = 5%: about 5 of 100 runs at
  // most (the threshold makes it rarer still). Uncorrected, about 5% of the 2,000 tests, ~100, are
  // "significant": several per run.
  EXPECT_LE(alarmed_runs, 5) << "false-alarm runs out of " << kTrials;
  EXPECT_GE(raw_significant, 60);
  EXPECT_LE(raw_significant, 140);
}

TEST(SimulationTest, ThirtyPercentShiftAtTenRepetitionsIsDetected) {
  stats::Rng rng(7);
  int detected = 0, other_alarms = 0;
  for (int t = 0; t < kTrials; ++t) {
    const Report r = FileComparison(rng, 10, 0.30, Correction::kHolm);
    detected += r.benchmarks[0].verdict == Verdict::kRegression ? 1 : 0;
    for (size_t b = 1; b < r.benchmarks.size(); ++b) {
      other_alarms += r.benchmarks[b].verdict == Verdict::kRegression ||
                      r.benchmarks[b].verdict == Verdict::kImprovement;
    }
  }
  EXPECT_EQ(detected, kTrials);
  EXPECT_LE(other_alarms, 5);
}

// ab mode on a drifting machine: 15 rounds, the machine's speed moving by up to +-30% between
// rounds (shared by both programs within a round), 3% noise within a round, 3 repetitions per
// round; one benchmark of six is `shift` slower in the head.
Report PairedComparison(stats::Rng& rng, double shift) {
  std::vector<BenchmarkRun> base(15), head(15);
  const double phase = rng.Uniform() * 6.28;
  for (int i = 0; i < 15; ++i) {
    const double drift = 1 + 0.3 * std::sin(phase + 0.9 * i) + 0.05 * rng.Normal();
    for (int b = 0; b < 6; ++b) {
      const std::string name = "BM_" + std::to_string(b);
      base[static_cast<size_t>(i)].benchmarks.push_back(Samples(name, Lognormal(rng, 3, 1000 * drift, 0.03)));
      head[static_cast<size_t>(i)].benchmarks.push_back(
          Samples(name, Lognormal(rng, 3, 1000 * drift * (b == 0 ? 1 + shift : 1.0), 0.03)));
    }
  }
  return ComparePaired(base, head, GatesConfig(), Fast());
}

TEST(SimulationTest, PairedRoundsOnADriftingMachine) {
  stats::Rng rng(99);
  int false_alarm_runs = 0;
  for (int t = 0; t < kTrials; ++t) false_alarm_runs += AnyAlarm(PairedComparison(rng, 0.0)) ? 1 : 0;
  EXPECT_LE(false_alarm_runs, 5);
  int detected = 0, wrongly_flagged = 0;
  for (int t = 0; t < kTrials; ++t) {
    const Report r = PairedComparison(rng, 0.10);
    detected += r.benchmarks[0].verdict == Verdict::kRegression ? 1 : 0;
    for (size_t b = 1; b < r.benchmarks.size(); ++b) {
      wrongly_flagged += r.benchmarks[b].verdict == Verdict::kRegression ||
                         r.benchmarks[b].verdict == Verdict::kImprovement;
    }
  }
  EXPECT_GE(detected, 95) << "10% slowdowns flagged out of " << kTrials;
  EXPECT_LE(wrongly_flagged, 5);
}

}  // namespace
}  // namespace chinook::compare
