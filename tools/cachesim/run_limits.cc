#include "run_limits.h"

#include <algorithm>

#include "common/flags.h"

namespace chinook::cachesim {
namespace {

// Upper ends of the flags' ranges: with counts below 2^40 and footprints below 2^10 B each, the
// model's products stay far inside 64 bits.
constexpr uint64_t kMaxCountFlag = uint64_t{1} << 40;
constexpr uint64_t kMaxMemoryMbFlag = uint64_t{1} << 30;  // 1 PiB
constexpr uint64_t kMaxLineBytesFlag = uint64_t{1} << 30;

// Footprints per simulated structure, each at its worst moment (see ReplayFootprint).
// std::unordered_map<uint64_t, uint64_t>: a 32-byte node (next, key, value, malloc rounding) and
// 8-byte buckets, 2 per key while the bucket array is rehashed: ~56 B.
constexpr uint64_t kHashEntryBytes = 56;
// A LocalCache entry: Entry (policy links, key, value, deadline, weight: 64 B) in an
// unordered_map node with its cached hash (96 B allocated), buckets as above (24 B), and the
// W-TinyLFU sketch, at most 4 words per resident entry once allocated (32 B): 152 B, and slack.
constexpr uint64_t kLocalCacheEntryBytes = 160;
// A LocalCache shard's fixed part: the aligned shard, its two maps, its policy and climber share.
constexpr uint64_t kLocalCacheShardBytes = 1024;
// A policy this file does not know yet (new ones should state theirs below): generous for a
// policy with ghost entries and per-request history.
constexpr cache::MemoryModel kUnknownPolicyFootprint{64, 256, 64 << 20};

struct LimitFlag {
  const char* name;
  uint64_t min, max;
};
constexpr LimitFlag kLimitFlags[] = {
    {"max-requests", 1, kMaxCountFlag},        {"max-keys", 1, kMaxCountFlag},
    {"max-blocks-per-line", 1, kMaxCountFlag}, {"max-line-bytes", 16, kMaxLineBytesFlag},
    {"max-memory-mb", 1, kMaxMemoryMbFlag},    {"max-replayed", 1, kMaxCountFlag * 1024},
};

}  // namespace

const char kLimitsUsage[] =
    "limits (what the run may allocate and replay; a trace that would pass one is refused at its line):\n"
    "  --max-requests N         requests after ARC expansion, summed over lines (default 67108864)\n"
    "  --max-keys N             distinct keys; also the largest --capacity (default 16777216)\n"
    "  --max-blocks-per-line N  blocks one ARC line may name (default 65536)\n"
    "  --max-line-bytes N       bytes of one line (default 4096)\n"
    "  --max-memory-mb N        memory by the model: max(24 B/request + 80 B/key while reading,\n"
    "                           16 B/request + the policies' largest footprint replaying; Belady's is\n"
    "                           56 B/request + 112 B/key, LocalCache's 160 B/key) (default 4096)\n"
    "  --max-replayed N         requests x simulations (capacities x policies), each simulation's\n"
    "                           shard set-up counted as 16 requests per shard: the run's time at\n"
    "                           ~0.1-0.5 us each (default 1073741824)\n";

std::vector<std::string_view> LimitFlagNames() {
  std::vector<std::string_view> names;
  for (const LimitFlag& f : kLimitFlags) names.emplace_back(f.name);
  return names;
}

Result<uint64_t> ParseFlagInteger(std::string_view flag, std::string_view text, uint64_t min, uint64_t max) {
  Result<uint64_t> v = tools::ParseInteger<uint64_t>(text, min, max);
  if (!v.ok()) return InvalidArgumentError("--" + std::string(flag) + ": " + v.status().message());
  return v;
}

Result<RunLimits> ParseRunLimits(const std::map<std::string, std::string>& values) {
  RunLimits limits;
  for (const LimitFlag& flag : kLimitFlags) {
    const auto it = values.find(flag.name);
    if (it == values.end()) continue;
    CHINOOK_ASSIGN_OR_RETURN(auto v, ParseFlagInteger(flag.name, it->second, flag.min, flag.max));
    const std::string_view name = flag.name;
    if (name == "max-requests") limits.trace.max_requests = v;
    if (name == "max-keys") limits.trace.max_distinct_keys = v;
    if (name == "max-blocks-per-line") limits.trace.max_blocks_per_line = v;
    if (name == "max-line-bytes") limits.trace.max_line_bytes = v;
    if (name == "max-memory-mb") limits.max_memory_mb = v;
    if (name == "max-replayed") limits.max_replayed_requests = v;
  }
  return limits;
}

cache::MemoryModel ReplayFootprint(cache::SimulatedPolicy policy, uint64_t shard_count) {
  switch (policy) {
    case cache::SimulatedPolicy::kBelady:
      // next_use: 8 B per request; the heap of (next use, key): a 16-byte pair per hit or
      // admission, at most one per request, x 3 while its vector doubles; the `seen` table and
      // the resident table, one entry per key each.
      return {.bytes_per_request = 8 + 3 * 16, .bytes_per_key = 2 * kHashEntryBytes, .fixed_bytes = 0};
    case cache::SimulatedPolicy::kLru:
    case cache::SimulatedPolicy::kWTinyLfu:
    case cache::SimulatedPolicy::kWTinyLfuFixed:
      // Resident entries only: at most min(capacity, keys); the sketch is allocated when a shard
      // is half full, so it too grows with the keys, not with the capacity.
      return {.bytes_per_request = 0,
              .bytes_per_key = kLocalCacheEntryBytes,
              .fixed_bytes = shard_count * kLocalCacheShardBytes};
    default:
      return kUnknownPolicyFootprint;
  }
}

uint64_t RequestsPerSimulation(const RunLimits& limits, uint64_t runs, uint64_t shard_count) {
  const uint64_t share = limits.max_replayed_requests / std::max<uint64_t>(runs, 1);
  const uint64_t setup = shard_count * kShardSetupRequests;  // shard_count <= 2^16
  return share > setup ? share - setup : 0;
}

cache::TraceLimits ReaderLimits(const RunLimits& limits, const std::vector<cache::SimulatedPolicy>& policies,
                                uint64_t runs, uint64_t shard_count) {
  cache::TraceLimits reader = limits.trace;
  reader.max_requests = std::min(reader.max_requests, RequestsPerSimulation(limits, runs, shard_count));
  reader.max_memory_bytes = limits.max_memory_mb << 20;
  // Simulations run one after another, so the largest footprint is the one that counts; the
  // per-request and per-key maxima may come from different policies, which only overestimates.
  for (cache::SimulatedPolicy policy : policies) {
    const cache::MemoryModel m = ReplayFootprint(policy, shard_count);
    reader.replay.bytes_per_request = std::max(reader.replay.bytes_per_request, m.bytes_per_request);
    reader.replay.bytes_per_key = std::max(reader.replay.bytes_per_key, m.bytes_per_key);
    reader.replay.fixed_bytes = std::max(reader.replay.fixed_bytes, m.fixed_bytes);
  }
  return reader;
}

std::string DescribeLimits(const RunLimits& limits, uint64_t runs, uint64_t shard_count) {
  const uint64_t by_time = RequestsPerSimulation(limits, runs, shard_count);
  std::string s = "limits: --max-requests " + std::to_string(limits.trace.max_requests);
  if (by_time < limits.trace.max_requests) {
    s += " (" + std::to_string(by_time) + " for " + std::to_string(runs) + " simulations under --max-replayed " +
         std::to_string(limits.max_replayed_requests) + ")";
  }
  s += ", --max-keys " + std::to_string(limits.trace.max_distinct_keys) + ", --max-blocks-per-line " +
       std::to_string(limits.trace.max_blocks_per_line) + ", --max-line-bytes " +
       std::to_string(limits.trace.max_line_bytes) + ", --max-memory-mb " + std::to_string(limits.max_memory_mb) +
       "; raise the one the message names, or use fewer capacities or policies";
  return s;
}

}  // namespace chinook::cachesim
