// Failure point 1, memory leaks: a long mix of CustomerService operations with jemalloc's
// allocated bytes sampled, and a twin with a deliberately leaky component that proves the
// detector fires.
//
//   BM_Soak_ServiceMix        the mix (workload/service_mix.h); each operation's answer is
//                             encoded into a response buffer from a pool that reuses buffers
//   BM_Soak_ServiceMix_Leaky  the same, with a pool that never takes its buffers back
//
// Counter heap_growth_bytes_per_kop: least-squares slope of jemalloc's stats.allocated (live
// bytes, process-wide) over operations, per 1,000 operations, sampled every kSampleEveryOps
// operations of the timed loop. The service is assembled and warmed up once per process
// (kWarmUpOps operations, untimed: L1 full, Redis pages cached, pool connections open, thread
// caches grown), so every sample is taken after warm-up whatever the iteration count.
// heap_samples says how many samples the slope rests on. The run's length is the samples', not
// Google Benchmark's time budget: each run is kSamplesPerRun samples (->Iterations), so a short
// --benchmark_min_time (a PR check's) measures the slope as well as a long one. Google Benchmark
// names such runs BM_Soak_ServiceMix/iterations:12000.
//
// The allocation counters are varying_*: the listener's invalidations evict what the mix reads
// next, so how often the benchmark thread allocates depends on the listener thread's timing.
// Without jemalloc (sanitizer builds) the mix still runs, with no heap counters.
//
// Reads CHINOOK_PG_DSN and CHINOOK_REDIS_URL (ci/services.sh); reports an error naming the
// variable when one is unset.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "benchmark_memory.h"
#include "memory/jemalloc_stats.h"
#include "serialization/customer_codec.h"
#include "workload/service_env.h"
#include "workload/service_mix.h"

namespace chinook::workload {
namespace {

// Operations before the first sample: 4x the L1's capacity of distinct Zipf reads and enough
// writes to have cycled every pooled connection and cached List page.
constexpr int kWarmUpOps = 20'000;
constexpr int kSampleEveryOps = 250;
// 48 samples = 12,000 operations per run: above the 40 (10,000 operations) soak-enough-samples
// requires (benchmarks/gates.json); about 0.4 s on a quiet 2-core machine, 3 s on a loaded one.
constexpr int kSamplesPerRun = 48;
// Capacity given to a response buffer; the leaky twin keeps one per operation, so its slope
// should be about 1,000 x this (plus the list that remembers them).
constexpr size_t kResponseBufferBytes = 512;

// Response buffers handed out and taken back, as a server reuses its output buffers. With
// `returns_buffers` false the pool is the bug the lab plants: Release() keeps the buffer on the
// lent list instead of the free list, so every request allocates a new one and none is freed.
// Not thread-safe (one per benchmark thread).
class ResponseBufferPool {
 public:
  explicit ResponseBufferPool(bool returns_buffers) : returns_buffers_(returns_buffers) {}

  std::string* Acquire() {
    if (free_.empty()) {
      auto buffer = std::make_unique<std::string>();
      buffer->reserve(kResponseBufferBytes);
      lent_.push_back(std::move(buffer));
      return lent_.back().get();
    }
    lent_.push_back(std::move(free_.back()));
    free_.pop_back();
    return lent_.back().get();
  }
  // REQUIRES: `buffer` is the most recently acquired one still lent.
  void Release(std::string* buffer) {
    buffer->clear();
    if (!returns_buffers_) return;  // the leak: the buffer stays on lent_ for ever
    free_.push_back(std::move(lent_.back()));
    lent_.pop_back();
  }

 private:
  const bool returns_buffers_;
  std::vector<std::unique_ptr<std::string>> free_;
  std::vector<std::unique_ptr<std::string>> lent_;
};

// The warmed-up service, shared by both twins and by the runner's repeated calls.
Result<AssembledService*> WarmService() {
  static Result<std::unique_ptr<AssembledService>> assembled = []() -> Result<std::unique_ptr<AssembledService>> {
    AssembleOptions options;
    options.pg_dsn = EnvOrEmpty(kPgDsnVar);
    options.redis_url = EnvOrEmpty(kRedisUrlVar);
    if (options.pg_dsn.empty()) return InvalidArgumentError(MissingEnvMessage(kPgDsnVar));
    if (options.redis_url.empty()) return InvalidArgumentError(MissingEnvMessage(kRedisUrlVar));
    options.schema = "chinook_bench_soak";
    CHINOOK_ASSIGN_OR_RETURN(auto service, AssembleService(options));
    ServiceMix warm_up((service)->service.get(), (service)->stored, {.seed = 1});
    for (int i = 0; i < kWarmUpOps; ++i) {
      auto step = warm_up.Step();
      if (!step.ok()) return step.status().Annotate("warming up the soak service");
    }
    return service;
  }();
  if (!assembled.ok()) return assembled.status();
  return assembled->get();
}

void RunSoak(benchmark::State& state, bool returns_buffers) {
  auto env = WarmService();
  if (!env.ok()) return state.SkipWithError(env.status().ToString().c_str());
  ServiceMix mix((*env)->service.get(), (*env)->stored, {.seed = 2});
  ResponseBufferPool buffers(returns_buffers);
  const bool sample_heap = memory::Available();
  std::vector<double> ops, allocated;
  uint64_t done = 0;
  memory::ScopedMemoryCounters mem(state, {.timing_dependent = true});
  for (auto _ : state) {
    auto step = mix.Step();
    if (!step.ok()) {
      state.SkipWithError(step.status().ToString().c_str());
      break;
    }
    std::string* response = buffers.Acquire();
    serialization::EncodeCustomer(**step, response);
    benchmark::DoNotOptimize(response->data());
    buffers.Release(response);
    if (sample_heap && done++ % kSampleEveryOps == 0) {
      auto heap = memory::ReadHeapStats();
      if (!heap.ok()) {
        state.SkipWithError(heap.status().ToString().c_str());
        break;
      }
      ops.push_back(static_cast<double>(done));
      allocated.push_back(static_cast<double>(heap->allocated));
    }
  }
  if (sample_heap) {
    state.counters["heap_growth_bytes_per_kop"] = LeastSquaresSlope(ops, allocated) * 1000;
    state.counters["heap_samples"] = static_cast<double>(ops.size());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Soak_ServiceMix(benchmark::State& state) { RunSoak(state, /*returns_buffers=*/true); }
void BM_Soak_ServiceMix_Leaky(benchmark::State& state) { RunSoak(state, /*returns_buffers=*/false); }
BENCHMARK(BM_Soak_ServiceMix)->Iterations(kSamplesPerRun * kSampleEveryOps);
BENCHMARK(BM_Soak_ServiceMix_Leaky)->Iterations(kSamplesPerRun * kSampleEveryOps);

}  // namespace
}  // namespace chinook::workload
