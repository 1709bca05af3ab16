// Tests of verdict.h's exact rule and a benchmark's verdict (Decide's table is in compare_test.cc).
#include "verdict.h"

#include <gtest/gtest.h>

#include <string>

namespace chinook::compare {
namespace {

MetricRule Allocations() {
  return MetricRule{"allocs_per_op", Direction::kLowerIsBetter, true, true, "counted", 0.01, 2};
}

// Figures per iteration of two runs of 1000 iterations each: the usual case, where the
// totals scale the same on both sides.
ExactFigures SameRuns(double base, double head) {
  return {.base = base, .head = head, .base_iterations = 1000, .head_iterations = 1000};
}

TEST(DecideExactTest, WithinTheToleranceIsUnchanged) {
  std::string note;
  EXPECT_EQ(DecideExact("allocs_per_op", Allocations(), SameRuns(3, 3.005), &note), Verdict::kUnchanged);
  EXPECT_EQ(note, "");
}

TEST(DecideExactTest, AnIncreaseTheTotalsConfirmIsARegression) {
  std::string note;
  EXPECT_EQ(DecideExact("allocs_per_op", Allocations(), SameRuns(3, 4), &note), Verdict::kRegression);
  EXPECT_EQ(DecideExact("allocs_per_op", Allocations(), SameRuns(4, 3), &note), Verdict::kImprovement);
  // Without iteration counts the figure per iteration decides alone.
  EXPECT_EQ(DecideExact("allocs_per_op", Allocations(), {.base = 3, .head = 4}, &note), Verdict::kRegression);
  MetricRule higher = Allocations();
  higher.direction = Direction::kHigherIsBetter;
  EXPECT_EQ(DecideExact("x", higher, {.base = 3, .head = 4}, &note), Verdict::kImprovement);
}

TEST(DecideExactTest, OneOffsOverFewerIterationsAreUnchanged) {
  // Two allocations of set-up over 20 iterations instead of 40: 0.1 vs 0.05 per iteration, but
  // the run's total is 2 on both sides.
  std::string note;
  EXPECT_EQ(DecideExact("allocs_per_op", Allocations(),
                        {.base = 0.05, .head = 0.1, .base_iterations = 40, .head_iterations = 20}, &note),
            Verdict::kUnchanged);
  EXPECT_NE(note.find("one-off"), std::string::npos) << note;
}

TEST(DecideExactTest, AllocsPerIterCountsAtMostTheMemoryRunsSixteenIterations) {
  // Over 1000 iterations the total would grow by 1000; the memory run has 16, so by 16 * 0.1.
  std::string note;
  EXPECT_EQ(DecideExact("allocs_per_iter", Allocations(), SameRuns(1, 1.1), &note), Verdict::kUnchanged);
  EXPECT_EQ(DecideExact("allocs_per_op", Allocations(), SameRuns(1, 1.1), &note), Verdict::kRegression);
}

TEST(BenchmarkVerdictTest, TheWorstMetricWins) {
  BenchmarkVerdict none;
  EXPECT_EQ(none.verdict(), Verdict::kUnchanged);
  EXPECT_EQ(none.needed(), 0);

  BenchmarkVerdict v;
  v.Add(Verdict::kInfo, 0);
  v.Add(Verdict::kInconclusive, 12);
  v.Add(Verdict::kInconclusive, 30);
  EXPECT_EQ(v.verdict(), Verdict::kInconclusive);
  EXPECT_EQ(v.needed(), 30);
  v.Add(Verdict::kImprovement, 0);
  EXPECT_EQ(v.verdict(), Verdict::kImprovement);
  v.Add(Verdict::kRegression, 0);
  EXPECT_EQ(v.verdict(), Verdict::kRegression);
  v.Add(Verdict::kInconclusive, -1);  // out of reach stays out of reach
  v.Add(Verdict::kInconclusive, 5);
  EXPECT_EQ(v.needed(), -1);
}

}  // namespace
}  // namespace chinook::compare
