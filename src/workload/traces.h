// Synthetic key traces, the workloads of the cache tests, benchmarks, chinook-cachesim
// --generate and the service mix: Zipf, Zipf polluted by scans, loops, and the kinds that
// separate eviction policies: recency-biased (a drifting hot set), phase changes, and mixtures
// of two pools. All are deterministic for a seed (a fixed SplitMix64 and std::mt19937_64, both
// specified bit for bit), so a table built from them can be rebuilt anywhere. Reading traces of
// the literature is cache/trace.h's.
//
// Thread safety: pure functions.
#ifndef CHINOOK_WORKLOAD_TRACES_H_
#define CHINOOK_WORKLOAD_TRACES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chinook::workload {

// Zipf-distributed requests over keys 0..num_keys-1 (key k has weight 1/(k+1)^s), drawn by
// inverse CDF from a fixed 64-bit generator, so a seed gives the same trace everywhere.
// Memory: 8 B per key (the CDF) + 8 B per request.
std::vector<uint64_t> ZipfTrace(size_t num_keys, size_t requests, double s, uint64_t seed);

// A Zipf trace polluted by scans: after every `scan_every` requests, `scan_length` requests for
// keys never seen before (as a batch job or a crawler reads cold rows once). Frequency-aware
// policies keep the hot set through the scans; LRU loses it. The trace has
// requests + requests / scan_every x scan_length requests (scan_every 0: no scans).
std::vector<uint64_t> ScanPollutedZipfTrace(size_t num_keys, size_t requests, double s, uint64_t seed,
                                            size_t scan_every, size_t scan_length);

// `repeats` passes over keys 0..loop_length-1 in order: the looping pattern on which LRU gets
// nothing once loop_length exceeds the capacity.
std::vector<uint64_t> LoopTrace(size_t loop_length, size_t repeats);

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

}  // namespace chinook::workload

#endif  // CHINOOK_WORKLOAD_TRACES_H_
