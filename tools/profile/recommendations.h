// chinook-profile's recommendations: pure logic that turns the figures of each operation
// (op_result.h) into advice naming the operation, the figure and the threshold it crossed. No
// server, no clock: recommendations_test.cc pins each rule on hand-made figures.
//
// Thread safety: pure functions.
#ifndef CHINOOK_TOOLS_PROFILE_RECOMMENDATIONS_H_
#define CHINOOK_TOOLS_PROFILE_RECOMMENDATIONS_H_

#include <string>
#include <vector>

#include "op_result.h"

namespace chinook::profile {

// Recommendation thresholds. Each is a level past which the figure is worth a look, not a law.
// Protobuf's arena-less parse of one customer with a few metadata entries makes about 10
// allocations; the service path adds the cache entry and the driver's buffers. Past 50 per
// customer something allocates per field or per row that could reuse a buffer.
inline constexpr double kMaxAllocsPerItem = 50;
// A customer is a few hundred bytes; 16 KiB allocated per customer means copies of copies.
inline constexpr double kMaxBytesPerItem = 16 * 1024;
// Waiting for a connection for more than 5% of the wall time: the pool is the bottleneck.
inline constexpr double kMaxPoolWaitShare = 0.05;
// A single-customer call needs one statement; a batch call a couple (COPY, or one ANY($1)
// SELECT), whatever its size. More suggests N+1 queries.
inline constexpr double kMaxQueriesPerSingleOp = 1.0;
inline constexpr double kMaxQueriesPerBatchOp = 2.0;
// The lab's victory condition: a cache hit rate of at least 80%.
inline constexpr double kMinCacheHitRate = 0.80;
// A low hit rate is Redis's absence, not the cache's size, when at least this share of the
// operation's calls met a failed Redis command or a bypassed L1. One slow command in a run
// (a 100 ms timeout on a loaded machine) stays below it and does not change the advice.
inline constexpr double kMinRedisTroubleShare = 0.10;

struct Recommendation {
  std::string operation;
  std::string metric;
  double value = 0;
  double threshold = 0;
  std::string message;
};

// The advice for `ops`, in operation order: database faults first (an outage explains the other
// figures of that operation), then allocations, bytes, pool wait, statements and cache hit rate
// past their thresholds. Operations that did no iteration give none.
std::vector<Recommendation> Recommend(const std::vector<OpResult>& ops);

}  // namespace chinook::profile

#endif  // CHINOOK_TOOLS_PROFILE_RECOMMENDATIONS_H_
