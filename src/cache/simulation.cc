#include "cache/simulation.h"

#include <limits>
#include <memory>
#include <queue>
#include <unordered_map>
#include <utility>

#include "cache/local_cache.h"
#include "cache/sim/rival_policies.h"

namespace chinook::cache {
namespace {

SimulationResult SimulateLocalCache(const std::vector<uint64_t>& trace, LocalCacheOptions options) {
  options.default_ttl = nanoseconds(0);  // a trace has no notion of time
  LocalCache<uint64_t, bool> cache(options);
  SimulationResult result;
  for (uint64_t key : trace) {
    ++result.requests;
    if (cache.Get(key).has_value()) {
      ++result.hits;
    } else {
      cache.Put(key, true);
    }
  }
  return result;
}

SimulationResult SimulateBelady(const std::vector<uint64_t>& trace, size_t capacity) {
  constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
  // next_use[i]: index of the next request for trace[i]'s key, or kNever.
  std::vector<uint64_t> next_use(trace.size());
  {
    std::unordered_map<uint64_t, uint64_t> seen;
    for (size_t i = trace.size(); i-- > 0;) {
      auto [it, inserted] = seen.try_emplace(trace[i], kNever);
      next_use[i] = it->second;
      it->second = i;
    }
  }
  // Resident keys with their next use; the heap holds (next use, key) with stale pairs skipped.
  std::unordered_map<uint64_t, uint64_t> resident;
  std::priority_queue<std::pair<uint64_t, uint64_t>> furthest;
  SimulationResult result;
  for (size_t i = 0; i < trace.size(); ++i) {
    const uint64_t key = trace[i];
    ++result.requests;
    auto it = resident.find(key);
    if (it != resident.end()) {
      ++result.hits;
      it->second = next_use[i];
      furthest.emplace(next_use[i], key);
      continue;
    }
    if (next_use[i] == kNever) continue;  // never used again: caching it cannot help
    if (resident.size() >= capacity) {
      while (true) {
        const auto [use, victim] = furthest.top();
        auto v = resident.find(victim);
        if (v != resident.end() && v->second == use) break;
        furthest.pop();  // stale pair from an earlier access
      }
      const auto [use, victim] = furthest.top();
      if (use <= next_use[i]) continue;  // bypass: everything resident is needed sooner
      furthest.pop();
      resident.erase(victim);
    }
    resident.emplace(key, next_use[i]);
    furthest.emplace(next_use[i], key);
  }
  return result;
}

SimulationResult SimulateRival(const std::vector<uint64_t>& trace, sim::KeyPolicy& policy) {
  SimulationResult result;
  for (uint64_t key : trace) {
    ++result.requests;
    result.hits += policy.Access(key) ? 1 : 0;
  }
  return result;
}

// Every policy once, in the order of the enum: its name and, for the rivals simulated on keys
// alone, their factory. The one place a policy is named, listed and (if a rival) built.
struct PolicyEntry {
  SimulatedPolicy policy;
  std::string_view name;
  std::unique_ptr<sim::KeyPolicy> (*new_rival)(size_t capacity);  // nullptr: not a rival
};
constexpr PolicyEntry kPolicies[] = {
    {SimulatedPolicy::kLru, "lru", nullptr},
    {SimulatedPolicy::kWTinyLfu, "wtinylfu", nullptr},
    {SimulatedPolicy::kWTinyLfuFixed, "wtinylfu-fixed", nullptr},
    {SimulatedPolicy::kBelady, "belady", nullptr},
    {SimulatedPolicy::kArc, "arc", &sim::NewArcPolicy},
    {SimulatedPolicy::kLirs, "lirs", &sim::NewLirsPolicy},
    {SimulatedPolicy::kS3Fifo, "s3fifo", &sim::NewS3FifoPolicy},
    {SimulatedPolicy::kSieve, "sieve", &sim::NewSievePolicy},
};

// The entry of `policy`, or nullptr for a value outside the enum.
const PolicyEntry* FindPolicy(SimulatedPolicy policy) {
  for (const PolicyEntry& entry : kPolicies) {
    if (entry.policy == policy) return &entry;
  }
  return nullptr;
}

}  // namespace

const std::vector<SimulatedPolicy>& AllSimulatedPolicies() {
  static const std::vector<SimulatedPolicy> kAll = [] {
    std::vector<SimulatedPolicy> all;
    for (const PolicyEntry& entry : kPolicies) all.push_back(entry.policy);
    return all;
  }();
  return kAll;
}

Result<SimulatedPolicy> ParseSimulatedPolicy(std::string_view name) {
  std::string expected;
  for (SimulatedPolicy policy : AllSimulatedPolicies()) {
    if (name == SimulatedPolicyName(policy)) return policy;
    expected += expected.empty() ? "" : ", ";
    expected += SimulatedPolicyName(policy);
  }
  return InvalidArgumentError("unknown policy \"" + std::string(name) + "\" (expected " + expected + ")");
}

std::string_view SimulatedPolicyName(SimulatedPolicy policy) {
  const PolicyEntry* entry = FindPolicy(policy);
  return entry != nullptr ? entry->name : "unknown";
}

SimulationResult Simulate(const std::vector<uint64_t>& trace, SimulatedPolicy policy, size_t capacity,
                          const SimulationOptions& options) {
  if (const PolicyEntry* entry = FindPolicy(policy); entry != nullptr && entry->new_rival != nullptr) {
    return SimulateRival(trace, *entry->new_rival(capacity));
  }
  LocalCacheOptions cache_options;
  cache_options.max_entries = capacity;
  cache_options.num_shard_bits = options.num_shard_bits;
  switch (policy) {
    case SimulatedPolicy::kBelady:
      return SimulateBelady(trace, capacity);
    case SimulatedPolicy::kLru:
      cache_options.policy = EvictionPolicyKind::kLru;
      break;
    case SimulatedPolicy::kWTinyLfu:
      break;
    case SimulatedPolicy::kWTinyLfuFixed:
      cache_options.tinylfu.adaptive_window = false;
      break;
    case SimulatedPolicy::kArc:
    case SimulatedPolicy::kLirs:
    case SimulatedPolicy::kS3Fifo:
    case SimulatedPolicy::kSieve:
      break;  // the rivals, replayed above
  }
  return SimulateLocalCache(trace, cache_options);
}

}  // namespace chinook::cache
