// CustomerService's counters and latency histograms in the Prometheus text exposition format,
// for a host service to serve on /metrics:
//
//   std::string body = customer::ExportPrometheus(service, pool.get());
//   // respond with Content-Type: text/plain; version=0.0.4
//
// Families: chinook_customer_cache_{hits,misses}_total and _hit_ratio per tier (l1, l2),
// chinook_customer_{loader_calls,list_page_hits,list_page_misses,redis_errors,redis_reconnects,
// invalidation_errors,invalidation_reconnects,l1_bypassed}_total, chinook_customer_l1_coherent,
// chinook_repository_{calls,statements,round_trips,rows_written,rows_read}_total,
// chinook_customer_operation_duration_seconds (a summary with the 0.5, 0.9 and 0.99 quantiles per
// op), and the pool's chinook_pg_pool_* (pg/pool_metrics.h).
//
// Thread safety: may be called concurrently with any use of the service and the pool.
#ifndef CHINOOK_CUSTOMER_SERVICE_METRICS_H_
#define CHINOOK_CUSTOMER_SERVICE_METRICS_H_

#include <string>

#include "customer/customer_service.h"
#include "metrics/prometheus.h"
#include "pg/connection_pool.h"

namespace chinook::customer {

// Appends the service's families to `writer`.
void WriteServiceMetrics(const CustomerService& service, metrics::PrometheusWriter* writer);

// The whole exposition: the service's families, then the pool's when `pool` is not null.
std::string ExportPrometheus(const CustomerService& service, const pg::ConnectionPool* pool);

}  // namespace chinook::customer

#endif  // CHINOOK_CUSTOMER_SERVICE_METRICS_H_
