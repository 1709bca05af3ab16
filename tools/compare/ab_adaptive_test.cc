// ab mode's adaptive design: the sequential plan, per-benchmark interleaving with early stopping,
// the budget, process groups and signals, and counts that vary between repetitions.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "ab.h"
#include "compare.h"
#include "testing/status_matchers.h"

namespace chinook::compare {
namespace {

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/" + std::to_string(getpid()) + "_" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// True when `pid` is gone (or a zombie nobody has reaped yet: it runs no more).
bool Gone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  const std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

pid_t ReadPid(const std::string& path) {
  for (int i = 0; i < 200; ++i) {  // the child writes it as it starts
    const std::string text = ReadAll(path);
    if (!text.empty() && text.back() == '\n') return static_cast<pid_t>(std::stol(text));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

TEST(SequentialPlanTest, LooksAndSpending) {
  SequentialPlan plan;
  plan.enabled = true;
  std::vector<int> looks;
  for (int k = 1; k <= 6; ++k) looks.push_back(plan.LookAt(k));
  EXPECT_EQ(looks, (std::vector<int>{7, 9, 11, 14, 18, 23}));
  bool at = false;
  EXPECT_EQ(plan.LookIndex(6, &at), 0);
  EXPECT_EQ(plan.LookIndex(7, &at), 1);
  EXPECT_TRUE(at);
  EXPECT_EQ(plan.LookIndex(8, &at), 2);  // between looks: analysed as the next one
  EXPECT_FALSE(at);
  EXPECT_EQ(plan.LookIndex(9, &at), 2);
  EXPECT_TRUE(at);
  // Spending alpha starts where significance is possible: 7 tests at alpha 0.05 need
  // 2/2^n < 0.05 * 0.61 / 7, n >= 9 (look 2); 40 tests need n >= 12 (look 4, 14 rounds).
  EXPECT_EQ(plan.FirstSignificantLook(7, 0.05), 2);
  EXPECT_EQ(plan.FirstSignificantLook(40, 0.05), 4);
  EXPECT_EQ(plan.FirstSignificantLook(1, 0.05), 1);
  // At the default 0.01, six tests need 2/2^n < 0.01 * 0.61 / 6: n >= 11 (look 3).
  EXPECT_EQ(plan.FirstSignificantLook(6, 0.01), 3);
  double total = 0;
  for (int k = 1; k <= 100000; ++k) total += SequentialPlan::Spend(k);
  EXPECT_LE(total, 1.0);
  EXPECT_GT(total, 0.9999);
}

TEST(DurationTest, Parses) {
  EXPECT_DOUBLE_EQ(*ParseDuration("300"), 300);
  EXPECT_DOUBLE_EQ(*ParseDuration("90s"), 90);
  EXPECT_DOUBLE_EQ(*ParseDuration("1.5m"), 90);
  EXPECT_DOUBLE_EQ(*ParseDuration("1h30m"), 5400);
  for (const char* bad : {"", "m", "5x", "-3", "1h30", "nan"}) EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
}

TEST(ExactFilterTest, EscapesRegexCharacters) {
  EXPECT_EQ(ExactFilter("BM_A/8"), "^BM_A/8$");
  EXPECT_EQ(ExactFilter("BM_T<int>(x).y*"), "^BM_T<int>\\(x\\)\\.y\\*$");
}

// Per-benchmark interleaving on the testbench's simulated mode (deterministic): the slowdown is
// found and nothing else, and the run stops once every benchmark is settled, far before the cap.
class AdaptiveAbTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("CHINOOK_TESTBENCH_MODE", "simulated", 1); }
  void TearDown() override { unsetenv("CHINOOK_TESTBENCH_MODE"); }

  static Report Run(const char* head, AbRuns* runs_out, double budget = 0) {
    CompareOptions options;
    options.sequential.enabled = true;
    CompareOptions interim = options;
    interim.bootstrap_resamples = 0;
    AbOptions o;
    o.benchmark_args = {"--benchmark_min_time=0.01"};
    o.budget_seconds = budget;
    o.run_timeout_seconds = 120;
    o.settled = [&](const AbRuns& so_far) {
      std::set<std::string> s;
      for (const BenchmarkComparison& b : ComparePaired(so_far.base, so_far.head, GatesConfig(), interim).benchmarks) {
        if (b.settled) s.insert(b.name);
      }
      return s;
    };
    Result<AbRuns> runs = RunInterleaved(CHINOOK_TESTBENCH_BASE, head, o);
    CHINOOK_EXPECT_OK(runs);
    if (!runs.ok()) return Report();
    *runs_out = *runs;
    return ComparePaired(runs->base, runs->head, GatesConfig(), options);
  }
};

TEST_F(AdaptiveAbTest, StopsWhenSettledAndFlagsOnlyTheSlowdown) {
  AbRuns runs;
  const Report r = Run(CHINOOK_TESTBENCH_SLOW, &runs);
  EXPECT_LT(runs.base.size(), 100u);  // stopped by the sequential test, not by the cap
  EXPECT_FALSE(runs.budget_exhausted);
  EXPECT_TRUE(runs.unsettled.empty());
  EXPECT_EQ(r.Count(Verdict::kRegression), 1);
  EXPECT_EQ(r.Count(Verdict::kImprovement), 0);
  EXPECT_EQ(r.Count(Verdict::kInconclusive), 0);
  for (const BenchmarkComparison& b : r.benchmarks) {
    if (b.name == "BM_Target/manual_time") {
      EXPECT_EQ(b.verdict, Verdict::kRegression);
      for (const MetricComparison& m : b.metrics) {
        if (m.metric != "real_time") continue;
        EXPECT_NEAR(m.change, 0.10, 0.03);
        EXPECT_GT(m.look, 0);
        EXPECT_LT(m.mde, 0.10);  // it could see a change this size
      }
    }
  }
  EXPECT_EQ(r.ExitCode(), 1);
}

TEST_F(AdaptiveAbTest, IdenticalProgramsSettleUnchanged) {
  AbRuns runs;
  const Report r = Run(CHINOOK_TESTBENCH_BASE, &runs);
  EXPECT_EQ(r.Count(Verdict::kRegression), 0);
  EXPECT_EQ(r.Count(Verdict::kImprovement), 0);
  EXPECT_EQ(r.ExitCode(), 0);
  for (const BenchmarkComparison& b : r.benchmarks) {
    for (const MetricComparison& m : b.metrics) {
      if (!m.judged || m.verdict != Verdict::kUnchanged) continue;
      // "unchanged" means the interval lies within the threshold.
      EXPECT_GT(m.ci_low, -m.threshold) << b.name;
      EXPECT_LT(m.ci_high, m.threshold) << b.name;
    }
  }
}

TEST_F(AdaptiveAbTest, BudgetStopsAfterTheFirstRoundAndSaysWhatIsUnsettled) {
  AbRuns runs;
  const Report r = Run(CHINOOK_TESTBENCH_SLOW, &runs, /*budget=*/0.001);
  EXPECT_EQ(runs.base.size(), 1u);
  EXPECT_TRUE(runs.budget_exhausted);
  EXPECT_EQ(runs.unsettled.size(), runs.benchmarks.size());
  EXPECT_EQ(r.Count(Verdict::kRegression), 0);  // one round proves nothing
  EXPECT_EQ(r.Count(Verdict::kInconclusive), static_cast<int>(runs.benchmarks.size()));
}

TEST(ProcessGroupTest, GrandchildrenDoNotOutliveTheRun) {
  const std::string log = TempPath("group.log");
  const std::string pidfile = TempPath("group.pid");
  // Timed out: the shell and its background sleep both go.
  std::remove(pidfile.c_str());
  Status s = RunProgram({"/bin/sh", "-c", "sleep 60 & echo $! > " + pidfile + "; wait"}, log, 0.5);
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  pid_t grandchild = ReadPid(pidfile);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(Gone(grandchild));
  // Exited normally, leaving a background job behind: killed too.
  std::remove(pidfile.c_str());
  s = RunProgram({"/bin/sh", "-c", "sleep 60 & echo $! > " + pidfile}, log, 10);
  CHINOOK_EXPECT_OK(s);
  grandchild = ReadPid(pidfile);
  ASSERT_GT(grandchild, 0);
  for (int i = 0; i < 100 && !Gone(grandchild); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(Gone(grandchild));
}

// A stand-in for a Google Benchmark program, as a shell script: lists BM_Fast, BM_Crash, BM_Hang;
// a run writes the JSON of the one benchmark its --benchmark_filter names; BM_Crash exits 3,
// BM_Hang starts a grandchild and waits (its pid in $PIDFILE).
std::string WriteFakeProgram(const std::string& dir) {
  const std::string path = dir + "/fake_bench.sh";
  std::ofstream(path) << R"(#!/bin/sh
out=""; filter=""; list=""
for a in "$@"; do
  case "$a" in
    --benchmark_list_tests=true) list=1 ;;
    --benchmark_out=*) out="${a#--benchmark_out=}" ;;
    --benchmark_filter=*) filter="${a#--benchmark_filter=}" ;;
  esac
done
if [ -n "$list" ]; then printf 'BM_Fast\nBM_Crash\nBM_Hang\n' | grep -E "${filter:-.}"; exit 0; fi
name=$(echo "$filter" | sed 's/^\^//; s/\$$//; s/\\//g')
case "$name" in
  BM_Crash) echo "crashing on purpose"; exit 3 ;;
  BM_Hang) sleep 120 & echo $! > "$PIDFILE"; wait; exit 0 ;;
esac
cat > "$out" <<EOF
{"context": {"date": "2026-01-01T00:00:00+00:00", "num_cpus": 2, "library_build_type": "release"},
 "benchmarks": [{"name": "$name", "run_name": "$name", "run_type": "iteration", "repetitions": 1,
  "repetition_index": 0, "threads": 1, "iterations": 1000, "real_time": 100, "cpu_time": 100, "time_unit": "ns"}]}
EOF
)";
  chmod(path.c_str(), 0755);
  return path;
}

TEST(AbFailuresTest, ACrashingBenchmarkIsReportedAndTheOthersCompared) {
  const std::string dir = TempPath("fake_crash");
  std::filesystem::create_directories(dir);
  const std::string fake = WriteFakeProgram(dir);
  AbOptions o;
  o.benchmark_args = {"--benchmark_filter=BM_Fast|BM_Crash"};
  o.max_rounds = 3;
  o.fixed_rounds = true;
  Result<AbRuns> runs = RunInterleaved(fake, fake, o);
  CHINOOK_ASSERT_OK(runs);
  const Report r = ComparePaired(runs->base, runs->head, GatesConfig(), CompareOptions());
  bool saw_crash = false;
  for (const BenchmarkComparison& b : r.benchmarks) {
    if (b.name == "BM_Crash") {
      saw_crash = true;
      EXPECT_EQ(b.verdict, Verdict::kFailed);
      ASSERT_FALSE(b.notes.empty());
      EXPECT_NE(b.notes[0].find("exited with status 3"), std::string::npos) << b.notes[0];
    }
  }
  EXPECT_TRUE(saw_crash);
  EXPECT_EQ(r.ExitCode(), 1);
  std::filesystem::remove_all(dir);
}

TEST(AbFailuresTest, SigtermStopsTheRunningBenchmarkAndCleansUp) {
  const std::string dir = TempPath("fake_term");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/tmp");
  const std::string fake = WriteFakeProgram(dir);
  const std::string pidfile = dir + "/hang.pid";
  const std::string out = dir + "/out.txt";
  const pid_t tool = fork();
  ASSERT_GE(tool, 0);
  if (tool == 0) {
    setenv("PIDFILE", pidfile.c_str(), 1);
    setenv("TMPDIR", (dir + "/tmp").c_str(), 1);
    freopen(out.c_str(), "w", stderr);
    freopen("/dev/null", "w", stdout);
    execl(CHINOOK_COMPARE_BINARY, CHINOOK_COMPARE_BINARY, "ab", fake.c_str(), fake.c_str(), "--",
          "--benchmark_filter=BM_Hang", static_cast<char*>(nullptr));
    _exit(127);
  }
  const pid_t grandchild = ReadPid(pidfile);
  ASSERT_GT(grandchild, 0) << ReadAll(out);
  kill(tool, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(tool, &status, 0), tool);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(ReadAll(out).find("interrupted by"), std::string::npos) << ReadAll(out);
  for (int i = 0; i < 100 && !Gone(grandchild); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(Gone(grandchild));
  EXPECT_TRUE(std::filesystem::is_empty(dir + "/tmp"));  // the work directory went too
  std::filesystem::remove_all(dir);
}

// Counts that vary between repetitions of one binary are tested, not compared as exact; a count
// that repeats is still exact, and one more allocation per op is caught.
TEST(VaryingCountTest, TestedWhenItVariesExactWhenItRepeats) {
  const auto round = [](double time, double allocs) {
    BenchmarkRun r;
    Measurements m;
    m.name = "BM_Threads";
    m.samples["cpu_time"] = {time, time * 1.01, time * 0.99};
    m.samples["allocs_per_op"] = {allocs, allocs, allocs};
    m.metric_order = {"cpu_time", "allocs_per_op"};
    m.iterations = {1000, 1000, 1000};
    r.benchmarks.push_back(m);
    return r;
  };
  // Identical code whose count wanders with the other threads: 13.16 .. 13.26.
  std::vector<BenchmarkRun> base, head;
  for (int i = 0; i < 15; ++i) {
    base.push_back(round(100 + i, 13.16 + 0.01 * ((i * 7) % 11)));
    head.push_back(round(100 + i, 13.16 + 0.01 * ((i * 5 + 3) % 11)));
  }
  Report r = ComparePaired(base, head, GatesConfig(), CompareOptions());
  ASSERT_EQ(r.benchmarks.size(), 1u);
  for (const MetricComparison& m : r.benchmarks[0].metrics) {
    if (m.metric != "allocs_per_op") continue;
    EXPECT_FALSE(m.rule.exact);
    EXPECT_NE(m.verdict, Verdict::kRegression);
    EXPECT_NE(m.note.find("varies"), std::string::npos) << m.note;
  }
  EXPECT_EQ(r.Count(Verdict::kRegression), 0);
  // A single-threaded count that repeats, one more allocation per op: exact, a regression.
  base.clear();
  head.clear();
  for (int i = 0; i < 15; ++i) {
    base.push_back(round(100 + i, 14));
    head.push_back(round(100 + i, 15));
  }
  r = ComparePaired(base, head, GatesConfig(), CompareOptions());
  for (const MetricComparison& m : r.benchmarks[0].metrics) {
    if (m.metric == "allocs_per_op") {
      EXPECT_TRUE(m.rule.exact);
      EXPECT_EQ(m.verdict, Verdict::kRegression);
    }
  }
  // A varying count that really grows by one allocation per op: significant, a regression.
  base.clear();
  head.clear();
  for (int i = 0; i < 15; ++i) {
    base.push_back(round(100 + i, 13.16 + 0.01 * ((i * 7) % 11)));
    head.push_back(round(100 + i, 14.16 + 0.01 * ((i * 5 + 3) % 11)));
  }
  r = ComparePaired(base, head, GatesConfig(), CompareOptions());
  EXPECT_EQ(r.Count(Verdict::kRegression), 1);
}

// One process of a single-threaded benchmark whose count `metric` repeats within the process
// (three repetitions, `iterations` each).
BenchmarkRun CountingProcess(const std::string& name, const std::string& metric, double time, double count,
                             double iterations) {
  BenchmarkRun r;
  Measurements m;
  m.name = name;
  m.samples["cpu_time"] = {time, time * 1.01, time * 0.99};
  m.samples[metric] = {count, count, count};
  m.metric_order = {"cpu_time", metric};
  m.iterations = {iterations, iterations, iterations};
  r.benchmarks.push_back(m);
  return r;
}

// The comparison of `metric` in a one-benchmark report, or null.
const MetricComparison* FindMetric(const Report& r, const std::string& metric) {
  if (r.benchmarks.size() != 1) return nullptr;
  for (const MetricComparison& m : r.benchmarks[0].metrics) {
    if (m.metric == metric) return &m;
  }
  return nullptr;
}

// A single-threaded count with one-off allocations: it repeats within each process, but each
// process spreads its two one-off allocations over its own number of iterations (26, 29, 41).
// Judged exactly: identical code is unchanged, one more allocation per op a regression.
TEST(VaryingCountTest, OneOffsSpreadOverDifferentIterationsStayExact) {
  const double iterations[] = {26, 29, 41, 29, 26, 35};
  for (const double extra : {0.0, 1.0}) {
    std::vector<BenchmarkRun> base, head;
    for (int i = 0; i < 12; ++i) {
      const double base_n = iterations[i % 6], head_n = iterations[(i + 1) % 6];
      base.push_back(CountingProcess("BM_Batch", "allocs_per_op", 100 + i, 13470 + 2 / base_n, base_n));
      head.push_back(CountingProcess("BM_Batch", "allocs_per_op", 100 + i, 13470 + extra + 2 / head_n, head_n));
    }
    const Report r = ComparePaired(base, head, GatesConfig(), CompareOptions());
    const MetricComparison* m = FindMetric(r, "allocs_per_op");
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(m->rule.exact) << m->note;
    EXPECT_EQ(m->verdict, extra == 0 ? Verdict::kUnchanged : Verdict::kRegression) << m->note;
  }
}

// Bytes per op that repeat within each process but differ between processes by a byte or two (a
// reply buffer sized by how the socket delivered the data): identical code gives medians 1.1
// bytes apart, beyond the tolerance of 1, yet its processes overlap; that is no change. A real
// change moves every head process past every base process and is still caught.
TEST(VaryingCountTest, PerProcessFiguresThatOverlapAreNotAChange) {
  // Identical code: the base's processes mostly high, the head's mostly low, each side within a byte.
  const double base_bytes[] = {150998.8, 150999.3, 150998.3, 150998.9, 150999.1, 150998.8, 150998.4};
  const double head_bytes[] = {150997.7, 150998.5, 150997.6, 150997.7, 150998.4, 150997.5, 150997.7};
  const std::string name = "BM_Redis_GetMany/100";
  for (const double extra : {0.0, 24.0}) {
    std::vector<BenchmarkRun> base, head;
    for (int i = 0; i < 7; ++i) {
      base.push_back(CountingProcess(name, "bytes_per_op", 100 + i, base_bytes[i], 30000 + 10 * i));
      head.push_back(CountingProcess(name, "bytes_per_op", 100 + i, head_bytes[i] + extra, 30000 + 10 * i));
    }
    const Report r = ComparePaired(base, head, GatesConfig(), CompareOptions());
    const MetricComparison* m = FindMetric(r, "bytes_per_op");
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(m->rule.exact) << m->note;
    if (extra == 0) {
      EXPECT_GT(std::fabs(m->head_median - m->base_median), m->rule.tolerance);  // the case at hand
      EXPECT_EQ(m->verdict, Verdict::kUnchanged) << m->note;
      EXPECT_NE(m->note.find("overlap"), std::string::npos) << m->note;
    } else {
      EXPECT_EQ(m->verdict, Verdict::kRegression) << m->note;
    }
  }
}

}  // namespace
}  // namespace chinook::compare

namespace chinook::compare {
namespace {

TEST(SingleRepetitionTest, IsWarnedAbout) {
  BenchmarkRun base, head;
  base.source = "base.json";
  head.source = "head.json";
  for (BenchmarkRun* r : {&base, &head}) {
    Measurements m;
    m.name = "BM_Once";
    m.samples["cpu_time"] = {100};
    m.metric_order = {"cpu_time"};
    r->benchmarks.push_back(m);
  }
  const Report r = CompareFiles(base, head, GatesConfig(), CompareOptions());
  int warned = 0;
  for (const std::string& w : r.warnings) warned += w.find("one repetition") != std::string::npos;
  EXPECT_EQ(warned, 2);
}

}  // namespace
}  // namespace chinook::compare

namespace chinook::compare {
namespace {

// A filtered run (--allow-absent) leaves gated benchmarks out: missing from it, they do not fail
// it; without --allow-absent they do.
TEST(AllowAbsentTest, GatedBenchmarksAFilteredRunLeftOutDoNotFailIt) {
  const std::string gates_path = ::testing::TempDir() + "/" + std::to_string(getpid()) + "_absent_gates.json";
  std::ofstream(gates_path) << R"({"bounds": [{"id": "b", "benchmark": "BM_Gated", "metric": "cpu_time",
      "max": 1e9, "reason": "test"}]})";
  Result<GatesConfig> config = LoadGates(gates_path);
  CHINOOK_ASSERT_OK(config);
  BenchmarkRun base, head;
  for (const char* name : {"BM_Gated", "BM_Other"}) {
    Measurements m;
    m.name = name;
    m.samples["cpu_time"] = {100, 101, 99};
    m.metric_order = {"cpu_time"};
    base.benchmarks.push_back(m);
    if (std::string(name) == "BM_Other") head.benchmarks.push_back(m);
  }
  CompareOptions options;
  EXPECT_EQ(CompareFiles(base, head, *config, options).ExitCode(), 1);
  options.allow_absent = true;
  EXPECT_EQ(CompareFiles(base, head, *config, options).ExitCode(), 0);
}

}  // namespace
}  // namespace chinook::compare
