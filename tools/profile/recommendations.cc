// The recommendation rules of recommendations.h.
#include "recommendations.h"

#include <cstdio>
#include <string>
#include <vector>

namespace chinook::profile {

std::vector<Recommendation> Recommend(const std::vector<OpResult>& ops) {
  std::vector<Recommendation> out;
  char buf[768];
  for (const OpResult& op : ops) {
    if (op.done == 0) continue;
    if (op.database_faults() || op.failed > 0) {
      // Before anything else: an outage inside the timed loop explains its wall time and pool wait.
      std::snprintf(buf, sizeof(buf),
                    "%s: %lu database attempts failed during the run (%lu retried, %.1f s spent retrying), %d of %d "
                    "iterations failed for good: its wall time and pool wait include the outage, so they are not "
                    "judged; first error: %s",
                    op.name.c_str(), static_cast<unsigned long>(op.faults.db_failed_attempts),
                    static_cast<unsigned long>(op.faults.db_retries), op.faults.retry_seconds, op.failed, op.done,
                    op.first_failure.empty() ? "(retried away)" : op.first_failure.c_str());
      out.push_back({op.name, "database_faults", static_cast<double>(op.faults.db_failed_attempts), 0, buf});
    }
    const double allocs_per_item = op.allocs_per_op / op.items_per_op;
    if (allocs_per_item > kMaxAllocsPerItem) {
      std::snprintf(buf, sizeof(buf),
                    "%s: %.1f allocations per customer (%.1f per op), above %.0f: look for per-field copies "
                    "and buffers that could be reused (CPU profile: %s)",
                    op.name.c_str(), allocs_per_item, op.allocs_per_op, kMaxAllocsPerItem,
                    op.cpu_profile.empty() ? "not written" : op.cpu_profile.c_str());
      out.push_back({op.name, "allocs_per_customer", allocs_per_item, kMaxAllocsPerItem, buf});
    }
    const double bytes_per_item = op.bytes_per_op / op.items_per_op;
    if (bytes_per_item > kMaxBytesPerItem) {
      std::snprintf(buf, sizeof(buf),
                    "%s: %.0f bytes allocated per customer, above %.0f: a customer is a few hundred bytes, "
                    "so something copies it many times or reserves too much",
                    op.name.c_str(), bytes_per_item, kMaxBytesPerItem);
      out.push_back({op.name, "bytes_per_customer", bytes_per_item, kMaxBytesPerItem, buf});
    }
    if (op.uses_database && !op.database_faults() && op.pool_wait_share > kMaxPoolWaitShare) {
      std::snprintf(buf, sizeof(buf),
                    "%s: %.1f%% of the wall time waiting for a pooled connection, above %.0f%%: raise "
                    "PoolOptions::max_open or hold connections for less time",
                    op.name.c_str(), 100 * op.pool_wait_share, 100 * kMaxPoolWaitShare);
      out.push_back({op.name, "pool_wait_share", op.pool_wait_share, kMaxPoolWaitShare, buf});
    }
    const double max_queries = op.items_per_op > 1 ? kMaxQueriesPerBatchOp : kMaxQueriesPerSingleOp;
    if (op.queries_per_op > max_queries) {
      std::snprintf(buf, sizeof(buf),
                    "%s: %.2f SQL statements per op (%d customers each), above %.0f: statements per customer "
                    "instead of per call (N+1); batch them",
                    op.name.c_str(), op.queries_per_op, op.items_per_op, max_queries);
      out.push_back({op.name, "queries_per_op", op.queries_per_op, max_queries, buf});
    }
    if (op.cache_hit_rate && *op.cache_hit_rate < kMinCacheHitRate) {
      if (op.redis_trouble_share() >= kMinRedisTroubleShare) {
        // The misses are Redis's absence, not the cache's size: L1 is bypassed while the
        // invalidation subscription is down, and L2 cannot answer. Growing L1 would change nothing.
        std::snprintf(buf, sizeof(buf),
                      "%s: cache hit rate %.1f%%, below %.0f%%, because Redis was unavailable for %.0f%% of the "
                      "calls: %lu Redis commands failed and %lu reads bypassed L1 (its invalidations could not "
                      "arrive), so %.2f statements per op reached PostgreSQL; bring Redis back (CHINOOK_REDIS_URL / "
                      "CHINOOK_REDIS_NODES) before judging the L1 size or TTL",
                      op.name.c_str(), 100 * *op.cache_hit_rate, 100 * kMinCacheHitRate,
                      100 * op.redis_trouble_share(), static_cast<unsigned long>(op.faults.redis_errors),
                      static_cast<unsigned long>(op.faults.l1_bypassed), op.queries_per_op);
        out.push_back({op.name, "redis_unavailable", *op.cache_hit_rate, kMinCacheHitRate, buf});
      } else {
        std::snprintf(buf, sizeof(buf),
                      "%s: cache hit rate %.1f%%, below %.0f%%: %.2f statements per op reached PostgreSQL; "
                      "a larger L1 (TieredCacheOptions) or a longer TTL would keep more of the working set",
                      op.name.c_str(), 100 * *op.cache_hit_rate, 100 * kMinCacheHitRate, op.queries_per_op);
        out.push_back({op.name, "cache_hit_rate", *op.cache_hit_rate, kMinCacheHitRate, buf});
      }
    }
  }
  return out;
}

}  // namespace chinook::profile
