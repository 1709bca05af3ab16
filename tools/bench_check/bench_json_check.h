// chinook-bench-check: what chinook-bench's JSON must never contain. Run by the CTest smoke test
// (benchmarks/smoke_test.sh) on the output of the whole suite with repetitions, in Release and
// under ASan + UBSan, so that a figure the suite cannot vouch for fails CI instead of being charted.
//
// A document passes when it has a non-empty "benchmarks" array and every entry
//   - did not fail (error_occurred) and ran at least one iteration;
//   - carries none of Google Benchmark's memory-manager fields (allocs_per_iter, max_bytes_used,
//     total_allocated_bytes, net_heap_growth): Google Benchmark 1.7.1 writes them through a
//     dangling pointer in every repetition but the last (google/benchmark#1941);
//   - has only numbers that are finite (NaN is allowed in a "cv" aggregate: Google Benchmark's
//     stddev / mean of a figure that is 0 in every repetition), at most 2^50 in magnitude (no count or time of a benchmark
//     comes near it; garbage read as an integer usually does), and not negative, except in fields
//     whose name says growth (heap_growth_bytes_per_kop: a slope);
//   - has no *hit_rate above 1;
//   - when the run's context says "allocator": "jemalloc", reports its allocation counters
//     (bytes_per_op or varying_bytes_per_op; every Chinook benchmark declares a
//     ScopedMemoryCounters, benchmarks/benchmark_memory.h).
//
// Thread safety: a pure function.
#ifndef CHINOOK_TOOLS_BENCH_CHECK_BENCH_JSON_CHECK_H_
#define CHINOOK_TOOLS_BENCH_CHECK_BENCH_JSON_CHECK_H_

#include <string>
#include <string_view>
#include <vector>

#include "compare/json.h"

namespace chinook::bench {

// The largest magnitude a number in the output may have: 2^50.
inline constexpr double kMaxPlausible = 1125899906842624.0;

// Every problem in `doc`, one line each, naming `source`, the entry's index and benchmark name, the
// field and its value; empty when the document passes.
std::vector<std::string> FindImpossibleValues(const compare::json::Value& doc, std::string_view source);

}  // namespace chinook::bench

#endif  // CHINOOK_TOOLS_BENCH_CHECK_BENCH_JSON_CHECK_H_
