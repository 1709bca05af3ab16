// ConnectionPool's counters in the Prometheus text exposition format, for a host service's
// /metrics page (families chinook_pg_pool_*).
//
// Thread safety: WritePoolMetrics may be called concurrently with any use of the pool (it reads
// one Stats() snapshot); the writer belongs to the caller.
#ifndef CHINOOK_PG_POOL_METRICS_H_
#define CHINOOK_PG_POOL_METRICS_H_

#include "metrics/prometheus.h"
#include "pg/connection_pool.h"

namespace chinook::pg {

// Appends the pool's gauges (open, idle) and counters (acquired, waits, wait seconds, timeouts,
// connects, connect failures, discarded, health checks). `labels` go on every sample, e.g.
// {{"pool", "customers"}} when a process has several pools.
void WritePoolMetrics(const ConnectionPool& pool, metrics::PrometheusWriter* writer,
                      const metrics::Labels& labels = {});

}  // namespace chinook::pg

#endif  // CHINOOK_PG_POOL_METRICS_H_
