// Trace replay: the hit rate of LocalCache's real policies on a request sequence, of published
// rivals (ARC, LIRS, S3-FIFO, SIEVE), and of Belady's offline optimum (MIN with bypass: evict, or
// do not admit, whatever is next used furthest in the future) as the ceiling no online policy can
// pass.
//
// Thread safety: pure functions.
#ifndef CHINOOK_CACHE_SIMULATION_H_
#define CHINOOK_CACHE_SIMULATION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/status.h"

namespace chinook::cache {

enum class SimulatedPolicy {
  kLru,            // LocalCache with EvictionPolicyKind::kLru
  kWTinyLfu,       // LocalCache as in production (adaptive window)
  kWTinyLfuFixed,  // W-TinyLFU with the hill climber off (1% window), to show what it adds
  kBelady,         // offline optimum
  // Rivals from the literature (cache/sim/rival_policies.h), simulated on keys alone.
  kArc,
  kLirs,
  kS3Fifo,
  kSieve,
};

// "lru", "wtinylfu", "wtinylfu-fixed", "belady", "arc", "lirs", "s3fifo", "sieve".
Result<SimulatedPolicy> ParseSimulatedPolicy(std::string_view name);
std::string_view SimulatedPolicyName(SimulatedPolicy policy);
// Every policy above, in the order of the enum ("--policy all").
const std::vector<SimulatedPolicy>& AllSimulatedPolicies();

struct SimulationOptions {
  // log2 of LocalCache's shard count; -1 replays through the production default.
  int num_shard_bits = -1;
};

struct SimulationResult {
  uint64_t requests = 0;
  uint64_t hits = 0;
  double hit_rate() const { return requests == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(requests); }
};

// Replays `trace` (each request a Get, then a Put on a miss) through a cache of `capacity`
// entries. REQUIRES: capacity >= 1.
SimulationResult Simulate(const std::vector<uint64_t>& trace, SimulatedPolicy policy, size_t capacity,
                          const SimulationOptions& options = {});

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_SIMULATION_H_
