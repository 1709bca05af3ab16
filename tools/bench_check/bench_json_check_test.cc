// chinook-bench-check's rules on a real Google Benchmark 1.7.1 file with its memory-manager
// garbage (testdata/gb171_memory_manager_reps.json, recorded by chinook-bench before it stopped
// registering a memory manager) and on small documents, one rule each.
#include "bench_json_check.h"
#include "testing/status_matchers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chinook::bench {
namespace {

std::vector<std::string> Check(const std::string& text) {
  auto doc = compare::json::Parse(text, "t.json");
  CHINOOK_EXPECT_OK(doc);
  return doc.ok() ? FindImpossibleValues(*doc, "t.json") : std::vector<std::string>{"unparsable"};
}

// A document with one entry whose members are `members` (JSON text without braces); run_type
// "iteration" unless `members` gives one (JSON objects may not repeat a key).
std::string One(const std::string& members, const std::string& allocator = "jemalloc") {
  const bool typed = members.find("\"run_type\"") != std::string::npos;
  return R"({"context": {"allocator": ")" + allocator + R"("}, "benchmarks": [{"name": "BM_X", )" +
         std::string(typed ? "" : R"("run_type": "iteration", )") +
         R"("iterations": 10, "real_time": 5.5, "cpu_time": 5.0, )"
         R"("bytes_per_op": 8, "allocs_per_op": 1)" +
         (members.empty() ? "" : ", " + members) + "}]}";
}

bool Mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const std::string& p : problems) {
    if (p.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(BenchJsonCheckTest, PassesAPlausibleRun) {
  EXPECT_TRUE(Check(One(R"("heap_growth_bytes_per_kop": -3100, "hit_rate": 0.85)")).empty());
}

TEST(BenchJsonCheckTest, RejectsGoogleBenchmark171MemoryManagerGarbage) {
  auto doc = compare::json::ParseFile(std::string(CHINOOK_BENCH_TESTDATA) + "/gb171_memory_manager_reps.json");
  CHINOOK_ASSERT_OK(doc);
  const auto problems = FindImpossibleValues(*doc, "gb171.json");
  // Every repetition carries the fields (four per entry, three entries)...
  int memory_manager_fields = 0;
  for (const std::string& p : problems) {
    if (p.find("google/benchmark#1941") != std::string::npos) ++memory_manager_fields;
  }
  EXPECT_EQ(memory_manager_fields, 12);
  // ...and the message names the file, the entry and the benchmark.
  EXPECT_TRUE(Mentions(problems, "gb171.json: benchmarks[0] \"BM_SerializeBatch_Optimized\": has \"max_bytes_used\""));
}

TEST(BenchJsonCheckTest, RejectsEachImpossibleNumber) {
  struct Case {
    std::string members, expected;
  } cases[] = {
      {R"("l1_hit_rate": NaN)", "\"l1_hit_rate\" = NaN is not a finite number"},
      {R"("x_per_op": Infinity)", "is not a finite number"},
      {R"("total_per_op": 2314885530818453536)", "beyond 2^50"},
      {R"("heap_growth_bytes_per_kop": -2314885530818453536)", "beyond 2^50"},
      {R"("queries_per_op": -1)", "\"queries_per_op\" = -1 is negative"},
      {R"("hit_rate": 1.5)", "a share above 1"},
  };
  for (const Case& c : cases) {
    const auto problems = Check(One(c.members));
    EXPECT_TRUE(Mentions(problems, c.expected)) << c.members << " -> " << (problems.empty() ? "" : problems[0]);
  }
}

TEST(BenchJsonCheckTest, AllowsNanOnlyInCoefficientOfVariation) {
  // What Google Benchmark writes for a counter that is 0 in every repetition (0 / 0).
  EXPECT_TRUE(Check(One(R"("run_type": "aggregate", "aggregate_name": "cv", "redis_errors": NaN)")).empty());
  EXPECT_FALSE(Check(One(R"("run_type": "aggregate", "aggregate_name": "mean", "redis_errors": NaN)")).empty());
}

TEST(BenchJsonCheckTest, RejectsFailedAndEmptyRuns) {
  EXPECT_TRUE(Mentions(Check(One(R"("error_occurred": true, "error_message": "CHINOOK_PG_DSN is not set")")),
                       "failed: CHINOOK_PG_DSN is not set"));
  EXPECT_TRUE(Mentions(Check(R"({"benchmarks": []})"), "no \"benchmarks\" array"));
  EXPECT_TRUE(Mentions(Check(R"({"context": {}})"), "no \"benchmarks\" array"));
  EXPECT_TRUE(Mentions(Check(R"({"benchmarks": [{"name": "BM_Y", "iterations": 0}]})"), "ran no iteration"));
  EXPECT_TRUE(Mentions(Check(R"({"benchmarks": [{"iterations": 1}]})"), "has no \"name\""));
}

TEST(BenchJsonCheckTest, OnJemallocEveryRunReportsItsAllocations) {
  const std::string bare = R"({"context": {"allocator": "%"}, "benchmarks": [{"name": "BM_X",
      "run_type": "iteration", "iterations": 3, "real_time": 1}]})";
  std::string on_jemalloc = bare, elsewhere = bare;
  on_jemalloc.replace(on_jemalloc.find('%'), 1, "jemalloc");
  elsewhere.replace(elsewhere.find('%'), 1, "other");
  EXPECT_TRUE(Mentions(Check(on_jemalloc), "reports no bytes_per_op"));
  EXPECT_TRUE(Check(elsewhere).empty());  // a sanitizer build: no counters, as it should be
  EXPECT_TRUE(Check(One(R"("varying_bytes_per_op": 3)")).empty());
}

}  // namespace
}  // namespace chinook::bench
