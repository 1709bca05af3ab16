// The rival policies of chinook-cachesim: published eviction algorithms, replayed beside
// LocalCache's own policies so that a user sees where W-TinyLFU stands on their trace. They are
// simulators (a key set and its metadata, no values), written from the papers and checked against
// libCacheSim's implementations where the papers leave a detail open (noted in each file):
//
//   ARC      Megiddo & Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST 2003
//   LIRS     Jiang & Zhang, "LIRS: An Efficient Low Inter-reference Recency Set Replacement
//            Policy", SIGMETRICS 2002
//   S3-FIFO  Yang, Zhang, Qiu, Yue, Rashmi, "FIFO queues are all you need for cache eviction",
//            SOSP 2023
//   SIEVE    Zhang, Yang, Yue, Vigfusson, Rashmi, "SIEVE is Simpler than LRU: an Efficient
//            Turn-Key Eviction Algorithm for Web Caches", NSDI 2024
//
// Every request is a lookup that, on a miss, inserts the key (demand paging, as in the papers).
//
// Thread safety: not thread-safe; a replay owns its policy.
#ifndef CHINOOK_CACHE_SIM_RIVAL_POLICIES_H_
#define CHINOOK_CACHE_SIM_RIVAL_POLICIES_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace chinook::cache::sim {

class KeyPolicy {
 public:
  virtual ~KeyPolicy() = default;
  // One request for `key`; returns whether it hit. On a miss the key is inserted (evicting as the
  // policy decides), so that the cache never holds more than its capacity.
  virtual bool Access(uint64_t key) = 0;
  // Keys resident now.
  virtual size_t size() const = 0;
};

// REQUIRES: capacity >= 1 (each factory raises smaller values to 1).
std::unique_ptr<KeyPolicy> NewArcPolicy(size_t capacity);
std::unique_ptr<KeyPolicy> NewLirsPolicy(size_t capacity);
std::unique_ptr<KeyPolicy> NewS3FifoPolicy(size_t capacity);
std::unique_ptr<KeyPolicy> NewSievePolicy(size_t capacity);

}  // namespace chinook::cache::sim

#endif  // CHINOOK_CACHE_SIM_RIVAL_POLICIES_H_
