#include "customer/service_metrics.h"

#include "pg/pool_metrics.h"

namespace chinook::customer {

void WriteServiceMetrics(const CustomerService& service, metrics::PrometheusWriter* writer) {
  const CustomerServiceStats s = service.Stats();
  const auto n = [](uint64_t v) { return static_cast<double>(v); };

  constexpr const char* kHitsHelp = "Cache lookups answered by the tier.";
  constexpr const char* kMissesHelp = "Cache lookups the tier could not answer.";
  constexpr const char* kRatioHelp = "Hits / lookups of the tier since start (0 before any lookup).";
  writer->Counter("chinook_customer_cache_hits_total", kHitsHelp, {{"tier", "l1"}}, n(s.l1_hits));
  writer->Counter("chinook_customer_cache_hits_total", kHitsHelp, {{"tier", "l2"}}, n(s.l2_hits));
  writer->Counter("chinook_customer_cache_misses_total", kMissesHelp, {{"tier", "l1"}}, n(s.l1_misses));
  writer->Counter("chinook_customer_cache_misses_total", kMissesHelp, {{"tier", "l2"}}, n(s.l2_misses));
  writer->Gauge("chinook_customer_cache_hit_ratio", kRatioHelp, {{"tier", "l1"}}, s.l1_hit_rate);
  writer->Gauge("chinook_customer_cache_hit_ratio", kRatioHelp, {{"tier", "l2"}}, s.l2_hit_rate);
  writer->Counter("chinook_customer_loader_calls_total", "Cache misses that reached the repository.", {},
                  n(s.loader_calls));
  writer->Counter("chinook_customer_list_page_hits_total", "List pages answered from Redis.", {},
                  n(s.list_page_hits));
  writer->Counter("chinook_customer_list_page_misses_total", "List pages read from the repository.", {},
                  n(s.list_page_misses));
  writer->Counter("chinook_customer_redis_errors_total", "Failed Redis commands (reads became misses).", {},
                  n(s.redis_errors));
  writer->Counter("chinook_customer_invalidation_errors_total",
                  "Writes whose cache invalidation failed (stale until TTL).", {}, n(s.invalidation_errors));
  // A Redis outage in four numbers: errors climb while it is away, reconnects count its returns,
  // and while the invalidation subscription is down L1 is flushed and bypassed.
  writer->Counter("chinook_customer_redis_reconnects_total",
                  "Redis connections opened again after a failure (the server came back).", {},
                  n(s.redis_reconnects));
  writer->Counter("chinook_customer_invalidation_reconnects_total",
                  "Invalidation subscriptions re-established after a drop.", {}, n(s.cache.listener.reconnects));
  writer->Counter("chinook_customer_l1_bypassed_total",
                  "Reads that skipped L1 because cross-process invalidation was down.", {}, n(s.cache.l1_bypassed));
  writer->Gauge("chinook_customer_l1_coherent",
                "1 while L1 is used, 0 while it is bypassed (Redis invalidations cannot reach it).", {},
                s.l1_coherent ? 1 : 0);

  writer->Counter("chinook_repository_calls_total", "Repository calls that went to the server.", {},
                  n(s.repository.calls));
  writer->Counter("chinook_repository_statements_total", "SQL statements sent, COPY included.", {},
                  n(s.repository.statements));
  writer->Counter("chinook_repository_round_trips_total", "Waits for the server.", {}, n(s.repository.round_trips));
  writer->Counter("chinook_repository_rows_written_total", "Rows written.", {}, n(s.repository.rows_written));
  writer->Counter("chinook_repository_rows_read_total", "Rows read.", {}, n(s.repository.rows_read));

  for (int i = 0; i < kServiceOpCount; ++i) {
    const auto op = static_cast<ServiceOp>(i);
    writer->Summary("chinook_customer_operation_duration_seconds",
                    "Latency of CustomerService calls, failed ones included.", {{"op", ServiceOpName(op)}},
                    service.Latency(op).Take());
  }
}

std::string ExportPrometheus(const CustomerService& service, const pg::ConnectionPool* pool) {
  metrics::PrometheusWriter writer;
  WriteServiceMetrics(service, &writer);
  if (pool != nullptr) pg::WritePoolMetrics(*pool, &writer);
  return writer.Take();
}

}  // namespace chinook::customer
