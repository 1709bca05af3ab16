// The limits of one chinook-cachesim run (its --max-* flags) and what they bound.
//
// A run reads a trace (src/cache/trace.h) and replays it through R = capacities x policies
// simulations, one after another. Its memory is the larger of
//   reading    24 B x requests + 80 B x distinct keys
//   replaying  16 B x requests (the trace) + the largest footprint of the chosen policies,
//              ReplayFootprint() below (Belady: 56 B x requests + 112 B x keys)
// plus the reader's buffer (2 x (--max-line-bytes + 64 KiB)); the reader refuses, at the line
// that asks for it, a trace whose requests or keys would take that past --max-memory-mb, or past
// --max-requests / --max-keys / --max-blocks-per-line / --max-line-bytes. Its time is
// O(input bytes + requests) to read plus R x requests replayed (~0.1-0.5 us each here: LocalCache
// policies at the low end, Belady's heap at the high end); --max-replayed bounds R x requests by
// lowering the request limit to --max-replayed / R (less each simulation's shard set-up).
//
// Thread safety: pure functions.
#ifndef CHINOOK_TOOLS_CACHESIM_RUN_LIMITS_H_
#define CHINOOK_TOOLS_CACHESIM_RUN_LIMITS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cache/simulation.h"
#include "cache/trace.h"
#include "chinook/status.h"

namespace chinook::cachesim {

struct RunLimits {
  // --max-requests, --max-keys, --max-blocks-per-line, --max-line-bytes: the reader's defaults.
  cache::TraceLimits trace;
  // --max-memory-mb: what the model above may reach. 4 GiB admits P2/P6 of the ARC set with every
  // policy (~1 GiB by the model, 0.5 GiB measured) and a trace of 40 million requests over a
  // few million keys without Belady.
  uint64_t max_memory_mb = 4096;
  // --max-replayed: requests x simulations, the run's time. 2^30 is about 2 to 9 minutes here,
  // 9 simulations of P6 (12.7 million requests) use a tenth of it.
  uint64_t max_replayed_requests = uint64_t{1} << 30;
};

// The names of the limit flags, without "--".
std::vector<std::string_view> LimitFlagNames();

// The limits from flag values (name without "--" -> value); absent flags keep their defaults.
// Each value must be a positive integer in a range that keeps the model's arithmetic exact.
Result<RunLimits> ParseRunLimits(const std::map<std::string, std::string>& values);

// Parses a flag value: an integer in [min, max], else an error naming the flag and the range
// (tools::ParseInteger's, after "--flag: ").
Result<uint64_t> ParseFlagInteger(std::string_view flag, std::string_view text, uint64_t min, uint64_t max);

// What one simulation of `policy` holds beyond the trace itself, per request and per distinct
// key (see simulation.cc): an upper bound, counting each container at its worst moment (a
// vector while it doubles, a hash table while it rehashes). `shard_count`: LocalCache's shards.
cache::MemoryModel ReplayFootprint(cache::SimulatedPolicy policy, uint64_t shard_count);

// The requests each of `runs` simulations may replay under --max-replayed: its share, less what
// building its `shard_count` LocalCache shards costs (counted as kShardSetupRequests each, so that
// 2^16 shards x many capacities is bounded too). 0: not even one request fits.
uint64_t RequestsPerSimulation(const RunLimits& limits, uint64_t runs, uint64_t shard_count);
// Building one shard (its maps, policy, sketch header) takes about as long as replaying this many
// requests here: 65,536 shards took 0.27 s.
inline constexpr uint64_t kShardSetupRequests = 16;

// The reader's limits for a run of `runs` simulations through `policies`: the request limit
// lowered to RequestsPerSimulation, the memory budget applied to the policies' largest footprint.
cache::TraceLimits ReaderLimits(const RunLimits& limits, const std::vector<cache::SimulatedPolicy>& policies,
                                uint64_t runs, uint64_t shard_count);

// "limits: --max-requests 67108864 (29826161 for 36 simulations under --max-replayed ...), ...":
// printed under a refusal so that it says which flag to raise.
std::string DescribeLimits(const RunLimits& limits, uint64_t runs, uint64_t shard_count);

// The limit flags' part of the usage text.
extern const char kLimitsUsage[];

}  // namespace chinook::cachesim

#endif  // CHINOOK_TOOLS_CACHESIM_RUN_LIMITS_H_
