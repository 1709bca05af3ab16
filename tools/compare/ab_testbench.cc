// A small Google Benchmark program for testing and measuring `chinook-compare ab`.
//
// Built twice: chinook-compare-testbench (as is) and chinook-compare-testbench-slow, where
// BM_Target does CHINOOK_TESTBENCH_SLOWDOWN times the work (1.10: a 10% slowdown in one of six
// benchmarks). Two ways to run:
//   - real (default): each benchmark spins on integer work sized to take about a microsecond or
//     more, timed by the library as usual (judged on cpu_time). For measuring false alarms and detection
//     on a real, noisy machine (tools/compare/trials/run_trials.sh measures the realistic programs).
//   - simulated (CHINOOK_TESTBENCH_MODE=simulated): no work; each benchmark reports a manual time
//     drawn from a seeded lognormal noise model with a per-round drift shared by both sides, so the
//     ab end-to-end test is deterministic and fast. The seed and the round come from the
//     --benchmark_out path that chinook-compare ab passes ("round03-base.json"), so base and head
//     get different noise and every round its own drift.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#ifndef CHINOOK_TESTBENCH_SLOWDOWN
#define CHINOOK_TESTBENCH_SLOWDOWN 1.0
#endif

namespace {

// Per-repetition noise (lognormal sigma) and the amplitude of the per-round drift in simulated
// mode: 3% noise within a run and +-25% drift across rounds, the drift as bad as the issue measured.
constexpr double kSimulatedNoise = 0.03;
constexpr double kSimulatedDrift = 0.25;

bool simulated = false;
uint64_t rng_state = 0;
double round_drift = 1.0;

uint64_t NextRandom() {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double NextNormal() {
  const double u1 = (static_cast<double>(NextRandom() >> 11) + 1) * 0x1.0p-53;
  const double u2 = static_cast<double>(NextRandom() >> 11) * 0x1.0p-53;
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * 3.14159265358979323846 * u2);
}

// Integer work whose result the compiler cannot drop: `units` rounds of a xorshift.
uint64_t Spin(uint64_t units) {
  uint64_t x = 88172645463325252ULL;
  for (uint64_t i = 0; i < units; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

void RunSpin(benchmark::State& state, uint64_t units, double factor) {
  const uint64_t work = static_cast<uint64_t>(static_cast<double>(units) * factor);
  if (simulated) {
    // About 1 ns per unit, the speed of the real spin on this kind of machine.
    const double seconds = static_cast<double>(work) * 1e-9 * round_drift * std::exp(kSimulatedNoise * NextNormal());
    for (auto _ : state) state.SetIterationTime(seconds);
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(Spin(work));
}

void BM_SpinSmall(benchmark::State& state) { RunSpin(state, 1000, 1.0); }
void BM_SpinMedium(benchmark::State& state) { RunSpin(state, 5000, 1.0); }
void BM_SpinLarge(benchmark::State& state) { RunSpin(state, 20000, 1.0); }
void BM_Target(benchmark::State& state) { RunSpin(state, 3000, CHINOOK_TESTBENCH_SLOWDOWN); }
void BM_Neighbour(benchmark::State& state) { RunSpin(state, 3000, 1.0); }
void BM_Args(benchmark::State& state) { RunSpin(state, static_cast<uint64_t>(state.range(0)), 1.0); }

// Registered at run time: simulated runs report manual time (names end in /manual_time), real
// runs are timed by the library as any benchmark is.
void Register() {
  std::vector<benchmark::internal::Benchmark*> all = {
      benchmark::RegisterBenchmark("BM_SpinSmall", BM_SpinSmall),
      benchmark::RegisterBenchmark("BM_SpinMedium", BM_SpinMedium),
      benchmark::RegisterBenchmark("BM_SpinLarge", BM_SpinLarge),
      benchmark::RegisterBenchmark("BM_Target", BM_Target),
      benchmark::RegisterBenchmark("BM_Neighbour", BM_Neighbour),
      benchmark::RegisterBenchmark("BM_Args", BM_Args)->Arg(2000)->Arg(8000),
  };
  if (simulated) {
    for (benchmark::internal::Benchmark* b : all) b->UseManualTime();
  }
}

// Seeds the simulation from the --benchmark_out path: FNV-1a of the file name, and the round
// number after "round" for the drift.
void ConfigureSimulation(int argc, char** argv) {
  const char* mode = std::getenv("CHINOOK_TESTBENCH_MODE");
  simulated = mode != nullptr && std::string_view(mode) == "simulated";
  if (!simulated) return;
  std::string_view out;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind("--benchmark_out=", 0) == 0) out = a.substr(std::strlen("--benchmark_out="));
  }
  const size_t slash = out.rfind('/');
  const std::string_view file = slash == std::string_view::npos ? out : out.substr(slash + 1);
  uint64_t h = 1469598103934665603ULL;
  for (char c : file) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  rng_state = h;
  const size_t at = file.find("round");
  const int round = at == std::string_view::npos ? 0 : std::atoi(std::string(file.substr(at + 5)).c_str());
  round_drift = 1 + kSimulatedDrift * std::sin(1.7 * round);
}

}  // namespace

int main(int argc, char** argv) {
  ConfigureSimulation(argc, argv);
  Register();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
