// What chinook-profile and chinook-soak share to ride through server faults and to leave nothing
// behind: a Retrier for the database calls of a run, a clean-up that drops the run's schema
// (and removes its Redis keys) with a deadline, and the report of both (text, JSON, Prometheus).
//
// Why retry at all: the service turns Redis trouble into misses, but a PostgreSQL restart reaches
// the caller as Unavailable (connection refused, "the database system is starting up", a
// connection cut mid-statement) and a stuck server as DeadlineExceeded. Those are the transient
// errors: retrying after a backoff succeeds once the server is back. Every other code
// (InvalidArgument, NotFound, DataLoss, Internal, ...) says retrying would give the same answer.
//
// Thread safety: a Retrier may be used from several threads at once. The free functions are
// thread-compatible.
#ifndef CHINOOK_TOOLS_COMMON_FAULT_TOLERANCE_H_
#define CHINOOK_TOOLS_COMMON_FAULT_TOLERANCE_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/status.h"
#include "common/mutex.h"
#include "customer/customer_service.h"
#include "metrics/prometheus.h"
#include "pg/connection_pool.h"

namespace chinook::tools {

// Unavailable or DeadlineExceeded: the server may answer differently later.
bool IsTransient(const Status& s);

struct RetryOptions {
  // How long one operation keeps retrying transient errors, from its first failed attempt, before
  // it fails for good. Longer than a PostgreSQL restart (seconds) and a 15 s drill, so that both
  // are ridden through; short enough that a server that is gone stops the run in bounded time.
  std::chrono::milliseconds retry_for{std::chrono::seconds(30)};
  // Backoff between attempts: doubles from min to max. 50 ms to 1 s: the first retries catch a
  // quick restart, later ones cost a server that is starting up little.
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{1000};
  // Polled before every attempt and while backing off; true ends the retries at once (a signal).
  std::function<bool()> cancelled = nullptr;
};

struct RetryStats {
  uint64_t operations = 0;          // Run calls
  uint64_t failed_operations = 0;   // Run calls that returned an error (retried out, or not transient)
  uint64_t failed_attempts = 0;     // attempts that returned an error
  uint64_t retries = 0;             // attempts after an operation's first
  uint64_t recovered = 0;           // operations that succeeded after at least one retry
  uint64_t gave_up = 0;             // operations still failing transiently after retry_for
  double longest_recovery_seconds = 0;  // first failed attempt -> success, the longest of the run
  double retry_seconds = 0;         // time spent between first failures and the operations' ends
  double last_failure_unix = 0;     // wall clock (s since 1970) of the last failed attempt; 0: none.
                                    // Against the time a server came back: how long failures went on
  std::string first_error;          // "" when none
  std::string last_error;
};

class Retrier {
 public:
  explicit Retrier(RetryOptions options = {}) : options_(std::move(options)) {}

  // Runs fn(attempt) (attempt 0 first) until it succeeds, fails with a non-transient error, is
  // cancelled, or fails transiently for options.retry_for after its first failure. Returns the
  // last attempt's Status; when the retries ran out it is annotated with how long and how often.
  // fn sees the attempt number so that it can recognise the answer of a write whose first
  // attempt committed but lost its reply (AlreadyExists on a retried Create).
  [[nodiscard]] Status Run(const std::function<Status(int attempt)>& fn);

  RetryStats Stats() const;
  const RetryOptions& options() const { return options_; }

 private:
  bool Cancelled() const { return options_.cancelled && options_.cancelled(); }

  const RetryOptions options_;
  mutable Mutex mu_;
  RetryStats stats_ CHINOOK_GUARDED_BY(mu_);
};

// The faults a run saw, from the retrier, the service and the pool; `b` minus `a` when given a
// start (per-operation figures) or totals when not.
struct FaultCounts {
  uint64_t db_retries = 0;
  uint64_t db_failed_attempts = 0;
  uint64_t failed_operations = 0;
  uint64_t redis_errors = 0;
  uint64_t redis_reconnects = 0;
  uint64_t invalidation_reconnects = 0;
  uint64_t l1_bypassed = 0;
  uint64_t pg_connect_failures = 0;
  uint64_t pg_discarded = 0;
  double retry_seconds = 0;
  bool any() const {
    return db_failed_attempts + failed_operations + redis_errors + l1_bypassed + pg_connect_failures > 0;
  }
};

// A snapshot of the counters FaultCounts is computed from.
struct FaultSnapshot {
  RetryStats retry;
  customer::CustomerServiceStats service;
  pg::PoolStats pool;
};
FaultSnapshot TakeFaultSnapshot(const Retrier& retrier, const customer::CustomerService& service,
                                const pg::ConnectionPool* pool);
FaultCounts FaultsBetween(const FaultSnapshot& from, const FaultSnapshot& to);
FaultCounts FaultsSince(const FaultSnapshot& to);  // since the start (every counter from zero)

// The run-level "faults" report: totals, whether L1 is coherent at the end, the longest time an
// operation needed to recover, the first and last database errors.
void PrintFaultsText(const FaultSnapshot& end, std::FILE* out);
// A JSON object (no trailing newline), for a "faults" member.
std::string FaultsJson(const FaultSnapshot& end);

// chinook_run_db_{operations,retries,failed_attempts,failed_operations,gave_up,recovered}_total and
// chinook_run_db_longest_recovery_seconds: what the retrier did (the service's and the pool's
// own families say what the servers did).
void WriteRetryMetrics(const RetryStats& stats, metrics::PrometheusWriter* writer);

// What the clean-up of a run did, and when it could not, exactly what is left and how to remove it.
struct CleanupReport {
  std::string schema;              // "" when the run owned none
  bool schema_dropped = false;
  int schema_attempts = 0;
  double seconds = 0;
  std::string schema_error;        // the last attempt's error when not dropped
  std::vector<std::string> redis_patterns;
  bool redis_keys_removed = false;  // true when there were none to remove
  uint64_t redis_keys = 0;
  std::string redis_error;
  // Nothing durable is left: the schema is gone. Redis keys that could not be removed are
  // reported (Leftovers) but do not count: they carry TTLs and vanish on their own.
  bool clean() const { return schema.empty() || schema_dropped; }
  // Lines naming what was left and the command that removes it (the schema, then Redis keys);
  // empty when nothing was left. `dsn_var` names the variable in the command; `contents` says what
  // the schema holds ("942 customers written by this run").
  std::vector<std::string> Leftovers(std::string_view dsn_var, std::string_view contents) const;
  std::string Json(std::string_view contents) const;  // a JSON object (no trailing newline)
};

struct CleanupOptions {
  // Longest time spent dropping the schema, retrying while the server is away (a restart takes
  // seconds; a server that stays away longer gets the message of what is left instead).
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // Longest time spent on the Redis keys: they carry TTLs (TieredCacheOptions::l2_ttl, 30 min),
  // so a Redis that stays away only delays their removal and is not worth a long wait.
  std::chrono::milliseconds redis_timeout{std::chrono::seconds(3)};
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
};

// Drops `schema` (CASCADE; "" skips it) on a fresh connection to `dsn` and removes the keys
// matching each of `redis_patterns` from `remote` (may be null), retrying failures with backoff
// until the options' deadlines.
CleanupReport CleanUp(const std::string& dsn, const std::string& schema, cache::RemoteCache* remote,
                      const std::vector<std::string>& redis_patterns, const CleanupOptions& options = {});

// JSON numbers for the tools' reports (strings: chinook::AppendJsonString, common/json_writer.h).
std::string JsonNumber(double v);  // "%.6g", or null when not finite

}  // namespace chinook::tools

#endif  // CHINOOK_TOOLS_COMMON_FAULT_TOLERANCE_H_
