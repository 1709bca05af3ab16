#include "pg/pool_metrics.h"

#include <chrono>

namespace chinook::pg {

void WritePoolMetrics(const ConnectionPool& pool, metrics::PrometheusWriter* writer, const metrics::Labels& labels) {
  const PoolStats s = pool.Stats();
  const auto n = [](uint64_t v) { return static_cast<double>(v); };
  writer->Gauge("chinook_pg_pool_open_connections", "Connections that exist now, lent or idle.", labels, s.open);
  writer->Gauge("chinook_pg_pool_idle_connections", "Open connections not lent now.", labels, s.idle);
  writer->Gauge("chinook_pg_pool_max_open_connections", "The pool's bound on open connections.", labels,
                pool.options().max_open);
  writer->Counter("chinook_pg_pool_acquired_total", "Successful Acquire calls.", labels, n(s.acquired));
  writer->Counter("chinook_pg_pool_waits_total", "Acquire calls that had to wait for a connection.", labels,
                  n(s.waits));
  writer->Counter("chinook_pg_pool_wait_seconds_total", "Time spent waiting in Acquire.", labels,
                  std::chrono::duration<double>(s.wait_time).count());
  writer->Counter("chinook_pg_pool_acquire_timeouts_total",
                  "Acquire calls that found no free connection within acquire_timeout.", labels, n(s.timeouts));
  writer->Counter("chinook_pg_pool_connects_total", "Connections opened.", labels, n(s.connects));
  writer->Counter("chinook_pg_pool_connect_failures_total", "Connection attempts that failed.", labels,
                  n(s.connect_failures));
  writer->Counter("chinook_pg_pool_discarded_total",
                  "Connections closed as broken, expired, unhealthy or stuck in a transaction.", labels,
                  n(s.discarded));
  writer->Counter("chinook_pg_pool_health_checks_total", "Pings of connections idle for a while.", labels,
                  n(s.health_checks));
}

}  // namespace chinook::pg
