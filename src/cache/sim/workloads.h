// Synthetic workloads of the kinds that separate eviction policies, beside trace.h's Zipf, scan
// and loop generators: recency-biased (a drifting hot set), phase changes, and mixtures of two
// pools. All are deterministic for a seed (std::mt19937_64 and trace.h's Zipf sampler, both
// specified bit for bit), so a table built from them can be rebuilt anywhere.
//
// Thread safety: pure functions.
#ifndef CHINOOK_CACHE_SIM_WORKLOADS_H_
#define CHINOOK_CACHE_SIM_WORKLOADS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chinook::cache::sim {

// Recency-biased: requests are Zipf(s) over a window of `working_set` keys, the newest key the
// hottest, and the window slides forward by one new key every `drift_every` requests. A key is
// hot when it is new and cools as it ages, so recency predicts reuse better than frequency (the
// pattern of feeds, sessions, logs). REQUIRES: working_set >= 1, drift_every >= 1.
std::vector<uint64_t> RecencyTrace(size_t working_set, size_t requests, double s, size_t drift_every,
                                   uint64_t seed);

// `phases` consecutive Zipf(s) workloads over disjoint key sets of `num_keys` keys each, every
// phase `requests / phases` long: the popular set changes at once (a deploy, a batch job).
std::vector<uint64_t> PhasedZipfTrace(size_t num_keys, size_t requests, double s, size_t phases, uint64_t seed);

// Interleaves two workloads over disjoint key spaces (b's keys are offset past a's): each request
// comes from `a` with probability a.size() / (a.size() + b.size()) of what remains, so both end
// together and each keeps its own order.
std::vector<uint64_t> InterleaveTraces(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b, uint64_t seed);

}  // namespace chinook::cache::sim

#endif  // CHINOOK_CACHE_SIM_WORKLOADS_H_
