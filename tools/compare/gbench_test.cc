// The Google Benchmark JSON reader on fixtures: real files recorded with Debian's Google Benchmark
// 1.7.1 (gb17_*), a file in the 1.9 shape with every kind of entry (gb19_shape.json), a file from
// before run_type existed (gb14_legacy.json), and broken files.
#include "gbench.h"
#include "testing/status_matchers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace chinook::compare {
namespace {

std::string Fixture(const std::string& name) { return std::string(CHINOOK_COMPARE_TESTDATA) + "/" + name; }

BenchmarkRun Load(const std::string& name) {
  Result<BenchmarkRun> run = ReadBenchmarkFile(Fixture(name));
  CHINOOK_EXPECT_OK(run);
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
  for (const char* metric : {"real_time", "cpu_time", "bytes_per_op", "items_per_second"}) {
    ASSERT_NE(enc->Find(metric), nullptr) << metric;
    EXPECT_EQ(enc->Find(metric)->size(), 3u) << metric;
  }
  // 1.9.0 reports memory-manager fields through a dangling pointer but in the last repetition.
  for (const char* metric : {"allocs_per_iter", "max_bytes_used", "total_allocated_bytes", "net_heap_growth"}) {
    ASSERT_NE(enc->Find(metric), nullptr) << metric;
    EXPECT_EQ(enc->Find(metric)->size(), 1u) << metric;
  }
  EXPECT_TRUE(HasWarning(run, "Google Benchmark v1.9.0 reports memory-manager fields through a dangling pointer"));
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
  EXPECT_TRUE(HasWarning(run, "BM_Rate: 1 hit_rate value(s) are NaN, infinite or null"));

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
  CHINOOK_ASSERT_OK(run);
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
  // An empty run (a filter that matched nothing) has nothing to pass on: an error, not a pass.
  r = ReadBenchmarkJson(R"({"context": {}, "benchmarks": []})", "e.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("e.json: no benchmarks in e.json"), std::string::npos) << r.status().message();
  r = ReadBenchmarkJson(R"({"benchmarks": [{"name": "BM_A_BigO", "big_o": "N", "cpu_coefficient": 1}]})", "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no benchmarks in f.json"), std::string::npos) << r.status().message();
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

// One iteration entry in the 1.9 shape; `fields` are appended as they are (JSON text).
std::string Entry(const std::string& name, int repetition, int repetitions, const std::string& fields,
                  int family = 0) {
  return R"({"name": ")" + name + R"(", "family_index": )" + std::to_string(family) +
         R"(, "per_family_instance_index": 0, "run_name": ")" + name + R"(", "run_type": "iteration", "repetitions": )" +
         std::to_string(repetitions) + R"(, "repetition_index": )" + std::to_string(repetition) +
         R"(, "threads": 1, "iterations": 1000, "time_unit": "ns", )" + fields + "}";
}

std::string File(const std::vector<std::string>& entries, const std::string& context = R"("library_version": "v1.9.2")") {
  std::string s = "{\"context\": {" + context + "},\n\"benchmarks\": [\n";
  for (size_t i = 0; i < entries.size(); ++i) s += entries[i] + (i + 1 < entries.size() ? ",\n" : "\n");
  return s + "]}\n";
}

std::string ErrorOf(const std::string& text, const std::string& source = "h.json") {
  Result<BenchmarkRun> r = ReadBenchmarkJson(text, source);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? std::string() : r.status().message();
}

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

TEST(GbenchHostileInputTest, NoUsableTimeIsAnErrorNamingFileAndBenchmark) {
  for (const char* bad : {"NaN", "null", "Infinity", "-Infinity"}) {
    const std::string t = std::string(bad);
    const std::string e = ErrorOf(File({Entry("BM_Good", 0, 1, R"("real_time": 5, "cpu_time": 5)"),
                                        Entry("BM_Void", 0, 2, R"("real_time": )" + t + R"(, "cpu_time": )" + t),
                                        Entry("BM_Void", 1, 2, R"("real_time": )" + t + R"(, "cpu_time": )" + t)}));
    EXPECT_TRUE(Has(e, "h.json:4: benchmark \"BM_Void\" has no usable real_time: every value (2) is NaN, infinite or null"))
        << bad << ": " << e;
  }
  // One clock entirely unusable is enough: the benchmark may be judged on it.
  std::string e = ErrorOf(File({Entry("BM_Half", 0, 1, R"("real_time": 5, "cpu_time": NaN)")}));
  EXPECT_TRUE(Has(e, "\"BM_Half\" has no usable cpu_time")) << e;
  e = ErrorOf(File({Entry("BM_Clockless", 0, 1, R"("items_per_second": 5)")}));
  EXPECT_TRUE(Has(e, "\"BM_Clockless\" has no usable real_time: no entry has a real_time or cpu_time")) << e;
  // Some repetitions unusable: the others are used, with a warning.
  Result<BenchmarkRun> r = ReadBenchmarkJson(File({Entry("BM_Some", 0, 2, R"("real_time": NaN, "cpu_time": NaN)"),
                                                   Entry("BM_Some", 1, 2, R"("real_time": 4, "cpu_time": 4)")}),
                                             "h.json");
  CHINOOK_ASSERT_OK(r);
  EXPECT_TRUE(HasWarning(*r, "BM_Some: 1 real_time value(s) are NaN, infinite or null; left out"));
}

TEST(GbenchHostileInputTest, StringsWhereNumbersBelongNameLineColumnBenchmarkAndField) {
  std::string e = ErrorOf(File({Entry("BM_Str", 0, 1, R"("real_time": "12.5", "cpu_time": 5)")}));
  EXPECT_TRUE(Has(e, "h.json:3:")) << e;
  EXPECT_TRUE(Has(e, "benchmark entry 1 (BM_Str): \"real_time\" is a string (\"12.5\"); expected a number")) << e;
  const std::size_t column = e.find("h.json:3:") + 9;
  EXPECT_GT(std::stoi(e.substr(column)), 1) << e;  // the column of the value, not of the entry
  e = ErrorOf(File({Entry("BM_Iter", 0, 1, R"("real_time": 1, "cpu_time": 1, "max_bytes_used": true)")}));
  EXPECT_TRUE(Has(e, "(BM_Iter): \"max_bytes_used\" is a boolean; expected a number")) << e;
  // A member Google Benchmark does not write is left out, but not in silence.
  Result<BenchmarkRun> r = ReadBenchmarkJson(File({Entry("BM_C", 0, 1, R"("real_time": 1, "cpu_time": 1, "hits": "7")")}), "h.json");
  CHINOOK_ASSERT_OK(r);
  EXPECT_EQ(r->Find("BM_C")->Find("hits"), nullptr);
  EXPECT_TRUE(HasWarning(*r, "h.json: BM_C: \"hits\" is not a number in 1 entries; not a metric, left out"));
  e = ErrorOf(R"({"benchmarks": [{"name": "BM_T", "iterations": "many", "real_time": 1, "cpu_time": 1}]})");
  EXPECT_TRUE(Has(e, "h.json:1:48: benchmark entry 1 (BM_T): \"iterations\" is a string (\"many\")")) << e;
}

TEST(GbenchHostileInputTest, ImpossibleTimesAndIterationCountsAreRejected) {
  struct Case {
    std::string fields;
    std::string expected;
  };
  const Case cases[] = {
      {R"("real_time": -5, "cpu_time": 5)", "(BM_Bad): \"real_time\" is -5: impossible, a time must be positive"},
      {R"("real_time": 5, "cpu_time": 0)", "(BM_Bad): \"cpu_time\" is 0: impossible, a time must be positive"},
      {R"("real_time": 0, "cpu_time": 1)", "(BM_Bad): \"real_time\" is 0: impossible"},
      {R"("real_time": 5, "cpu_time": 5, "iterations": -3)",
       "(BM_Bad): \"iterations\" is -3: impossible, a run does a whole number >= 1"},
      {R"("real_time": 5, "cpu_time": 5, "iterations": 0)", "(BM_Bad): \"iterations\" is 0: impossible"},
      {R"("real_time": 5, "cpu_time": 5, "iterations": 2.5)", "(BM_Bad): \"iterations\" is 2.5: impossible"},
  };
  for (const Case& c : cases) {
    // "iterations" given twice would be a duplicate key: build the entry by hand.
    const std::string entry = R"({"name": "BM_Bad", "run_name": "BM_Bad", "run_type": "iteration", "repetitions": 1,
        "repetition_index": 0, "threads": 1, "time_unit": "ns", )" + c.fields +
                              (c.fields.find("iterations") == std::string::npos ? R"(, "iterations": 10)" : "") + "}";
    const std::string e = ErrorOf(File({entry}));
    EXPECT_TRUE(Has(e, c.expected)) << c.fields << ": " << e;
  }
  // A negative median aggregate is as impossible as a negative repetition.
  std::string e = ErrorOf(R"({"benchmarks": [{"name": "BM_Agg_median", "run_name": "BM_Agg", "run_type": "aggregate",
      "aggregate_name": "median", "iterations": 3, "real_time": -1, "cpu_time": 1, "time_unit": "us"}]})");
  EXPECT_TRUE(Has(e, "\"real_time\" is -1: impossible")) << e;
  // A wall-clocked benchmark may show no CPU time on a coarse clock: kept, with a warning.
  Result<BenchmarkRun> r = ReadBenchmarkJson(File({Entry("BM_Wait/real_time", 0, 1, R"("real_time": 5, "cpu_time": 0)")}), "h.json");
  CHINOOK_ASSERT_OK(r);
  EXPECT_TRUE(HasWarning(*r, "BM_Wait/real_time: cpu_time is 0 in 1 entries"));
}

TEST(GbenchHostileInputTest, TwoBenchmarksOfOneNameAreAnErrorNamingBoth) {
  // The same repetition twice: two runs, e.g. two files concatenated.
  std::string e = ErrorOf(File({Entry("BM_Dup", 0, 1, R"("real_time": 5, "cpu_time": 5)"),
                                Entry("BM_Other", 0, 1, R"("real_time": 5, "cpu_time": 5)"),
                                Entry("BM_Dup", 0, 1, R"("real_time": 6, "cpu_time": 6)")}));
  EXPECT_TRUE(Has(e, "h.json:5:1: benchmark entry 3 (BM_Dup): benchmark \"BM_Dup\" appears twice as separate runs")) << e;
  EXPECT_TRUE(Has(e, "entry 3 (line 5) and entry 1 (line 3) are both repetition_index 0")) << e;
  // Two registrations of one name: different families.
  e = ErrorOf(File({Entry("BM_Twice", 0, 1, R"("real_time": 5, "cpu_time": 5)", 0),
                    Entry("BM_Twice", 0, 1, R"("real_time": 6, "cpu_time": 6)", 1)}));
  EXPECT_TRUE(Has(e, "are different benchmarks (family_index 1 vs 0")) << e;
  // An aggregate twice.
  const std::string median = R"({"name": "BM_M_median", "run_name": "BM_M", "run_type": "aggregate", "aggregate_name": "median",
      "iterations": 3, "real_time": 1, "cpu_time": 1, "time_unit": "ns"})";
  e = ErrorOf(File({median, median}));
  EXPECT_TRUE(Has(e, "are both aggregate \"median\"")) << e;
  // Before repetition_index: a name that comes back after another benchmark.
  e = ErrorOf(R"({"benchmarks": [
      {"name": "BM_L", "iterations": 10, "real_time": 1, "cpu_time": 1, "time_unit": "ns"},
      {"name": "BM_M", "iterations": 10, "real_time": 1, "cpu_time": 1, "time_unit": "ns"},
      {"name": "BM_L", "iterations": 10, "real_time": 1, "cpu_time": 1, "time_unit": "ns"}]})");
  EXPECT_TRUE(Has(e, "entry 3 (line 4) and entry 1 (line 2) are separated by other benchmarks")) << e;

  // Repetitions are not duplicates, also interleaved (--benchmark_enable_random_interleaving),
  // with their aggregates after them; nor are consecutive legacy repetitions.
  Result<BenchmarkRun> r = ReadBenchmarkJson(
      File({Entry("BM_A", 0, 2, R"("real_time": 5, "cpu_time": 5)"), Entry("BM_B", 0, 2, R"("real_time": 5, "cpu_time": 5)"),
            Entry("BM_A", 1, 2, R"("real_time": 6, "cpu_time": 6)"), Entry("BM_B", 1, 2, R"("real_time": 6, "cpu_time": 6)"),
            R"({"name": "BM_A_mean", "run_name": "BM_A", "run_type": "aggregate", "aggregate_name": "mean", "repetitions": 2,
                "iterations": 2, "real_time": 5.5, "cpu_time": 5.5, "time_unit": "ns"})"}),
      "h.json");
  CHINOOK_ASSERT_OK(r);
  EXPECT_EQ(r->Find("BM_A")->Find("real_time")->size(), 2u);
  EXPECT_TRUE(ReadBenchmarkFile(Fixture("gb14_legacy.json")).ok());
}

TEST(GbenchHostileInputTest, DuplicateKeysInResultsAreErrors) {
  const std::string e = ErrorOf(File({Entry("BM_K", 0, 1, R"("real_time": 5, "cpu_time": 5, "real_time": 1)")}));
  EXPECT_TRUE(Has(e, "h.json:3:")) << e;
  EXPECT_TRUE(Has(e, "duplicate key \"real_time\" in benchmarks[0] (first at line 3, column")) << e;
}

// Google Benchmark 1.6-1.9.1 (Debian's 1.7.1 among them): memory fields of all but the last
// repetition come through a dangling pointer. The shape recorded from chinook-bench.
TEST(GbenchHostileInputTest, DanglingMemoryResultsOfKnownBadVersionsAreDropped) {
  const std::string garbage = R"("real_time": 5, "cpu_time": 5, "allocs_per_iter": 161.625,
      "max_bytes_used": 7236844123925471090, "total_allocated_bytes": 140523646403055, "net_heap_growth": 2314885530818453536)";
  const std::string good = R"("real_time": 5, "cpu_time": 5, "allocs_per_iter": 161.625, "max_bytes_used": 4096,
      "total_allocated_bytes": 65536, "net_heap_growth": 0)";
  const std::string mean = R"({"name": "BM_S_mean", "family_index": 0, "per_family_instance_index": 0, "run_name": "BM_S",
      "run_type": "aggregate", "repetitions": 3, "threads": 1, "aggregate_name": "mean", "aggregate_unit": "time",
      "iterations": 3, "real_time": 5, "cpu_time": 5, "time_unit": "ns", "max_bytes_used": 2.4e18})";
  const std::vector<std::string> entries = {Entry("BM_S", 0, 3, garbage), Entry("BM_S", 1, 3, garbage),
                                            Entry("BM_S", 2, 3, good), mean};
  for (const std::string& context : {std::string(R"("library_build_type": "debug")"),  // 1.7: no library_version
                                     std::string(R"("library_version": "v1.8.3")"),
                                     std::string(R"("library_version": "v1.9.1-3-gabcdef")")}) {
    Result<BenchmarkRun> r = ReadBenchmarkJson(File(entries, context), "old.json");
    CHINOOK_ASSERT_OK(r);
    const Measurements* m = r->Find("BM_S");
    for (const char* field : {"max_bytes_used", "total_allocated_bytes", "net_heap_growth", "allocs_per_iter"}) {
      ASSERT_NE(m->Find(field), nullptr) << context << " " << field;
      EXPECT_EQ(m->Find(field)->size(), 1u) << context << " " << field;  // the last repetition's only
    }
    EXPECT_EQ(m->Find("max_bytes_used")->front(), 4096);
    EXPECT_EQ(m->Find("real_time")->size(), 3u);  // times are sound
    EXPECT_TRUE(HasWarning(*r, "dangling pointer in every repetition but the last (google/benchmark#1939, fixed in 1.9.2): "
                               "allocs_per_iter, max_bytes_used, net_heap_growth, total_allocated_bytes left out of 3 "
                               "entries of 1 benchmarks"))
        << context;
  }
  // A fixed version keeps every repetition, but still refuses figures no run can have.
  Result<BenchmarkRun> r = ReadBenchmarkJson(File(entries, R"("library_version": "v1.9.2")"), "new.json");
  CHINOOK_ASSERT_OK(r);
  const Measurements* m = r->Find("BM_S");
  EXPECT_EQ(m->Find("allocs_per_iter")->size(), 3u);
  EXPECT_EQ(m->Find("max_bytes_used")->size(), 1u);
  EXPECT_TRUE(HasWarning(*r, "new.json: BM_S: max_bytes_used = 7.23684e+18 (and 2 more) is not a plausible byte count"))
      << r->warnings.front();
  EXPECT_TRUE(HasWarning(*r, "BM_S: net_heap_growth = 2.31489e+18 (and 1 more) is not a plausible byte count"));
  EXPECT_TRUE(HasWarning(*r, "BM_S: total_allocated_bytes = 1.40524e+14 (and 1 more)"));
  // 1.5 and older kept the result by value: nothing dropped for the version.
  r = ReadBenchmarkJson(R"({"benchmarks": [
      {"name": "BM_O", "run_name": "BM_O", "run_type": "iteration", "repetitions": 2, "repetition_index": 0, "threads": 1,
       "iterations": 10, "real_time": 1, "cpu_time": 1, "time_unit": "ns", "allocs_per_iter": 2, "max_bytes_used": 64},
      {"name": "BM_O", "run_name": "BM_O", "run_type": "iteration", "repetitions": 2, "repetition_index": 1, "threads": 1,
       "iterations": 10, "real_time": 1, "cpu_time": 1, "time_unit": "ns", "allocs_per_iter": -2, "max_bytes_used": 64.5}]})",
                        "v15.json");
  CHINOOK_ASSERT_OK(r);
  EXPECT_EQ(r->Find("BM_O")->Find("max_bytes_used")->size(), 1u);
  EXPECT_EQ(r->Find("BM_O")->Find("allocs_per_iter")->size(), 1u);
  EXPECT_TRUE(HasWarning(*r, "BM_O: allocs_per_iter = -2 is not a plausible allocation count"));
  EXPECT_TRUE(HasWarning(*r, "BM_O: max_bytes_used = 64.5 is not a plausible byte count"));
}

// The recorded chinook-bench files (Google Benchmark 1.7.1, 3 repetitions) carry the garbage.
TEST(GbenchHostileInputTest, RecordedDebianRunLosesOnlyTheDanglingFields) {
  const BenchmarkRun run = Load("chinook_bench_a.json");
  EXPECT_TRUE(HasWarning(run, "Google Benchmark 1.6 or 1.7 (family_index without library_version)"));
  for (const Measurements& m : run.benchmarks) {
    if (const std::vector<double>* v = m.Find("max_bytes_used")) {
      EXPECT_LE(v->size(), 1u) << m.name;
      for (double x : *v) EXPECT_LT(x, 0x1p44) << m.name;
    }
  }
}

// Every committed fuzz seed, old and new: read or rejected with a message, never a crash.
TEST(GbenchHostileInputTest, FuzzSeedsNeverCrashTheReader) {
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(CHINOOK_COMPARE_FUZZ_SEEDS)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    Result<BenchmarkRun> r = ReadBenchmarkJson(text.str(), entry.path().filename().string());
    if (!r.ok()) {
      EXPECT_FALSE(r.status().message().empty()) << entry.path();
    }
    ++seeds;
  }
  EXPECT_GE(seeds, 6);
}

}  // namespace
}  // namespace chinook::compare
