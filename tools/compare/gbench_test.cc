// The Google Benchmark JSON reader on fixtures: real files recorded with Debian's Google Benchmark
// 1.7.1 (gb17_*), a file in the 1.9 shape with every kind of entry (gb19_shape.json), a file from
// before run_type existed (gb14_legacy.json), and broken files.
#include "gbench.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace chinook::compare {
namespace {

std::string Fixture(const std::string& name) { return std::string(CHINOOK_COMPARE_TESTDATA) + "/" + name; }

BenchmarkRun Load(const std::string& name) {
  Result<BenchmarkRun> run = ReadBenchmarkFile(Fixture(name));
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  return run.ok() ? std::move(*run) : BenchmarkRun{};
}

bool HasWarning(const BenchmarkRun& run, const std::string& text) {
  for (const std::string& w : run.warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(GbenchReaderTest, RealRunWithRepetitionsUsesIterationEntries) {
  const BenchmarkRun run = Load("gb17_reps_a.json");
  ASSERT_EQ(run.benchmarks.size(), 4u);  // BM_SpinSmall/Medium/Large, BM_Target: aggregates folded in
  const Measurements& m = run.benchmarks[0];
  EXPECT_EQ(m.name, "BM_SpinSmall/manual_time");
  EXPECT_FALSE(m.from_aggregates);
  EXPECT_EQ(m.repetitions, 3);
  ASSERT_NE(m.Find("real_time"), nullptr);
  ASSERT_EQ(m.Find("real_time")->size(), 3u);  // the three repetitions, not mean/median/stddev/cv
  EXPECT_DOUBLE_EQ((*m.Find("real_time"))[0], 3.9027043735948864e+03);
  EXPECT_EQ(m.metric_order[0], "real_time");
  // The cv aggregate is kept as a fraction, not mistaken for a time of 0.12 ns.
  ASSERT_EQ(m.cv.count("real_time"), 1u);
  EXPECT_NEAR(m.cv.at("real_time"), 0.12072530531310782, 1e-15);
  EXPECT_EQ(run.ContextValue("host_name"), "vm");
  EXPECT_EQ(run.ContextValue("num_cpus"), "2");
}

TEST(GbenchReaderTest, AggregatesOnlyFileUsesTheMedian) {
  const BenchmarkRun run = Load("gb17_aggregates_only.json");
  ASSERT_EQ(run.benchmarks.size(), 3u);
  for (const Measurements& m : run.benchmarks) {
    EXPECT_TRUE(m.from_aggregates) << m.name;
    ASSERT_NE(m.Find("cpu_time"), nullptr);
    EXPECT_EQ(m.Find("cpu_time")->size(), 1u);
    EXPECT_TRUE(m.ok());
  }
  // BM_SpinSmall's median aggregate real_time in the file.
  EXPECT_DOUBLE_EQ((*run.benchmarks[0].Find("real_time"))[0], 2.7448335853237581e+03);
}

TEST(GbenchReaderTest, TimeUnitsAreConvertedToNanoseconds) {
  const BenchmarkRun ms = Load("gb17_ms.json");
  const Measurements* m = ms.Find("BM_SpinLarge/manual_time");
  ASSERT_NE(m, nullptr);
  // The file says ms; a 20,000-unit spin takes tens of microseconds, i.e. ~1e4 ns, not ~1e-2.
  EXPECT_GT((*m->Find("real_time"))[0], 1e3);
  EXPECT_LT((*m->Find("real_time"))[0], 1e7);
  const BenchmarkRun v19 = Load("gb19_shape.json");
  EXPECT_DOUBLE_EQ((*v19.Find("BM_Encode/64")->Find("real_time"))[1], 1300);   // 1.30 us
  EXPECT_DOUBLE_EQ((*v19.Find("BM_Rate")->Find("cpu_time"))[0], 5e6);          // 5 ms
}

TEST(GbenchReaderTest, Version19ShapeEveryKindOfEntry) {
  const BenchmarkRun run = Load("gb19_shape.json");
  // BigO and RMS entries are not benchmarks; their run_name "BM_Fit" must not appear.
  EXPECT_EQ(run.Find("BM_Fit"), nullptr);
  EXPECT_NE(run.Find("BM_Fit/8"), nullptr);
  EXPECT_NE(run.Find("BM_Fit/16"), nullptr);

  const Measurements* enc = run.Find("BM_Encode/64");
  ASSERT_NE(enc, nullptr);
  for (const char* metric : {"real_time", "cpu_time", "bytes_per_op", "items_per_second", "allocs_per_iter",
                             "max_bytes_used", "total_allocated_bytes", "net_heap_growth"}) {
    ASSERT_NE(enc->Find(metric), nullptr) << metric;
    EXPECT_EQ(enc->Find(metric)->size(), 3u) << metric;
  }
  // Descriptive members are not metrics.
  for (const char* key : {"iterations", "family_index", "repetition_index", "threads", "repetitions"}) {
    EXPECT_EQ(enc->Find(key), nullptr) << key;
  }
  EXPECT_NEAR(enc->cv.at("real_time"), 0.0198, 1e-12);

  const Measurements* broken = run.Find("BM_Broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_FALSE(broken->ok());
  EXPECT_EQ(broken->error, "connection refused");
  EXPECT_TRUE(broken->samples.empty());

  const Measurements* skipped = run.Find("BM_NeedsGpu");
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ(skipped->skipped, "no GPU");
  EXPECT_FALSE(skipped->ok());

  // NaN and infinities are read, then left out of the samples with a warning.
  const Measurements* rate = run.Find("BM_Rate");
  ASSERT_NE(rate, nullptr);
  EXPECT_EQ(rate->Find("hit_rate")->size(), 1u);
  EXPECT_EQ(rate->Find("items_per_second")->size(), 1u);
  EXPECT_EQ(rate->Find("net_heap_growth")->size(), 1u);
  EXPECT_TRUE(HasWarning(run, "BM_Rate: 1 hit_rate value(s) are NaN or infinite"));

  EXPECT_EQ(run.Find("BM_Pool/threads:2/real_time")->threads, 2);
  EXPECT_EQ(run.ContextValue("library_version"), "v1.9.0");
  EXPECT_EQ(run.ContextValue("team"), "storage");  // custom context
}

TEST(GbenchReaderTest, LegacyFileWithoutRunType) {
  const BenchmarkRun run = Load("gb14_legacy.json");
  ASSERT_EQ(run.benchmarks.size(), 1u);
  const Measurements& m = run.benchmarks[0];
  EXPECT_EQ(m.name, "BM_Old/8");
  EXPECT_EQ(m.Find("real_time")->size(), 2u);  // _mean and _stddev are aggregates by their suffix
}

TEST(GbenchReaderTest, PartiallyFailedRepetitionsKeepTheGoodOnes) {
  const std::string text = R"({"context": {}, "benchmarks": [
    {"name": "BM_X", "run_name": "BM_X", "run_type": "iteration", "real_time": 10, "cpu_time": 9, "time_unit": "ns"},
    {"name": "BM_X", "run_name": "BM_X", "run_type": "iteration", "error_occurred": true, "error_message": "boom",
     "real_time": 0, "cpu_time": 0, "time_unit": "ns"},
    {"name": "BM_X", "run_name": "BM_X", "run_type": "iteration", "real_time": 11, "cpu_time": 10, "time_unit": "ns"}]})";
  Result<BenchmarkRun> run = ReadBenchmarkJson(text, "partial.json");
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const Measurements* m = run->Find("BM_X");
  ASSERT_TRUE(m->ok());
  EXPECT_EQ(m->Find("real_time")->size(), 2u);
  EXPECT_TRUE(HasWarning(*run, "BM_X: 1 of 3 repetitions failed (boom)"));
}

TEST(GbenchReaderTest, BrokenFilesGiveClearErrors) {
  struct Case {
    const char* file;
    const char* expected;
  };
  const Case cases[] = {
      {"empty.json", "empty.json:1:1: empty input"},
      {"truncated.json", "truncated.json:"},
      {"malformed.json", "malformed.json:9:7: expected ',' or '}' after an object member"},
      {"not_gbench.json", "not_gbench.json:1:1: no \"benchmarks\" array"},
      {"does_not_exist.json", "does_not_exist.json: cannot open"},
  };
  for (const Case& c : cases) {
    Result<BenchmarkRun> run = ReadBenchmarkFile(Fixture(c.file));
    ASSERT_FALSE(run.ok()) << c.file;
    EXPECT_NE(run.status().message().find(c.expected), std::string::npos)
        << c.file << ": " << run.status().message();
  }
  Result<BenchmarkRun> truncated = ReadBenchmarkFile(Fixture("truncated.json"));
  EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos) << truncated.status().message();
}

TEST(GbenchReaderTest, WrongShapesNameTheEntry) {
  Result<BenchmarkRun> r = ReadBenchmarkJson(R"({"benchmarks": [{"run_name": "x"}]})", "a.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("a.json:1:17: benchmark entry 1: missing \"name\""), std::string::npos)
      << r.status().message();
  r = ReadBenchmarkJson(R"({"benchmarks": [{"name": "BM_A", "real_time": 1, "time_unit": "fs"}]})", "b.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("benchmark entry 1 (BM_A): unknown time_unit \"fs\""), std::string::npos)
      << r.status().message();
  r = ReadBenchmarkJson(R"({"benchmarks": {}})", "c.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("\"benchmarks\" is not an array"), std::string::npos);
  r = ReadBenchmarkJson(R"([1, 2])", "d.json");
  ASSERT_FALSE(r.ok());
  // An empty run is valid (a filter that matched nothing) but says so.
  r = ReadBenchmarkJson(R"({"context": {}, "benchmarks": []})", "e.json");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(HasWarning(*r, "no benchmarks"));
}

TEST(GbenchReaderTest, ContextWarnings) {
  BenchmarkRun a = Load("gb17_reps_a.json");
  BenchmarkRun b = Load("gb19_shape.json");
  const std::vector<ContextWarning> w = CompareContexts(a, b, /*check_dates=*/true);
  const auto has = [&](const std::string& text, bool voids) {
    for (const ContextWarning& c : w) {
      if (c.message.find(text) != std::string::npos) return c.voids == voids;
    }
    return false;
  };
  EXPECT_TRUE(has("hosts differ: vm vs builder-7", true));
  EXPECT_TRUE(has("CPU counts differ: 2 vs 8", true));
  EXPECT_TRUE(has("library build types differ: debug vs release", true));
  EXPECT_TRUE(has("CPU clocks differ", true));
  EXPECT_TRUE(has("recorded on different days (2026-11-25, 2025-03-14)", false));
  EXPECT_TRUE(CompareContexts(a, a, true).empty());
  BenchmarkRun legacy = Load("gb14_legacy.json");
  bool scaling = false;
  for (const ContextWarning& c : CompareContexts(legacy, legacy, true)) {
    scaling = scaling || c.message.find("CPU frequency scaling") != std::string::npos;
  }
  EXPECT_TRUE(scaling);
}

TEST(GbenchReaderTest, MergeRunsPoolsRepetitions) {
  BenchmarkRun a = Load("gb17_reps_a.json");
  const BenchmarkRun b = Load("gb17_reps_b.json");
  MergeRuns(b, &a);
  EXPECT_EQ(a.benchmarks.size(), 4u);
  EXPECT_EQ(a.Find("BM_Target/manual_time")->Find("cpu_time")->size(), 6u);
}

// Found by fuzzing: a huge "threads" used to be converted to int (undefined behaviour).
TEST(GbenchReaderTest, OutOfRangeCountsAreErrorsNotUndefinedBehaviour) {
  for (const char* value : {"1.3e14", "-1", "2.5", "0"}) {
    const std::string text = std::string(R"({"context": {}, "benchmarks": [{"name": "BM_A", "run_name": "BM_A",
        "run_type": "iteration", "iterations": 10, "real_time": 1, "cpu_time": 1, "time_unit": "ns",
        "threads": )") + value + "}]}";
    auto run = ReadBenchmarkJson(text, "t.json");
    ASSERT_FALSE(run.ok()) << value;
    EXPECT_NE(run.status().message().find("\"threads\" is not a whole number"), std::string::npos)
        << run.status().message();
  }
}

}  // namespace
}  // namespace chinook::compare
