#include "common/fault_tolerance.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "cache/redis_cache.h"
#include "common/json_writer.h"
#include "pg/connection.h"

namespace chinook::tools {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

// Sleeps until `until` in short slices, so that a cancellation is seen within 50 ms.
void SleepUntil(SteadyClock::time_point until, const std::function<bool()>& cancelled) {
  constexpr auto kSlice = std::chrono::milliseconds(50);
  while (SteadyClock::now() < until && !(cancelled && cancelled())) {
    std::this_thread::sleep_for(std::min<SteadyClock::duration>(kSlice, until - SteadyClock::now()));
  }
}

std::chrono::milliseconds NextBackoff(std::chrono::milliseconds current, std::chrono::milliseconds min,
                                      std::chrono::milliseconds max) {
  return current.count() == 0 ? min : std::min(current * 2, max);
}

std::string OneDecimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

std::string Quoted(std::string_view identifier) {
  std::string out = "\"";
  for (const char c : identifier) {
    if (c == '"') out += '"';  // SQL doubles a quote inside a quoted identifier
    out += c;
  }
  return out + "\"";
}

}  // namespace

bool IsTransient(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded;
}

Status Retrier::Run(const std::function<Status(int attempt)>& fn) {
  SteadyClock::time_point first_failure{};
  std::chrono::milliseconds backoff{0};
  Status s;
  int attempt = 0;
  bool gave_up = false;
  for (;; ++attempt) {
    if (attempt > 0 && Cancelled()) {
      s = s.Annotate("interrupted while retrying");
      break;
    }
    s = fn(attempt);
    if (!s.ok()) {
      MutexLock lock(&mu_);
      ++stats_.failed_attempts;
      stats_.last_failure_unix =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      if (stats_.first_error.empty()) stats_.first_error = s.ToString();
      stats_.last_error = s.ToString();
    }
    if (s.ok() || !IsTransient(s)) break;
    const SteadyClock::time_point now = SteadyClock::now();
    if (attempt == 0) first_failure = now;
    if (now - first_failure >= options_.retry_for) {
      gave_up = true;
      s = s.Annotate("still failing after " + JsonNumber(Seconds(now - first_failure)) + " s and " +
                     std::to_string(attempt) + " retries (retry limit " +
                     JsonNumber(static_cast<double>(options_.retry_for.count()) / 1000) + " s)");
      break;
    }
    backoff = NextBackoff(backoff, options_.min_backoff, options_.max_backoff);
    SleepUntil(std::min(now + backoff, first_failure + options_.retry_for), options_.cancelled);
  }
  const SteadyClock::time_point end = SteadyClock::now();
  MutexLock lock(&mu_);
  ++stats_.operations;
  stats_.retries += static_cast<uint64_t>(attempt);
  if (!s.ok()) ++stats_.failed_operations;
  if (gave_up) ++stats_.gave_up;
  if (attempt > 0 && first_failure != SteadyClock::time_point{}) {
    const double waited = Seconds(end - first_failure);
    stats_.retry_seconds += waited;
    if (s.ok()) {
      ++stats_.recovered;
      stats_.longest_recovery_seconds = std::max(stats_.longest_recovery_seconds, waited);
    }
  }
  return s;
}

RetryStats Retrier::Stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

FaultSnapshot TakeFaultSnapshot(const Retrier& retrier, const customer::CustomerService& service,
                                const pg::ConnectionPool* pool) {
  return {retrier.Stats(), service.Stats(), pool != nullptr ? pool->Stats() : pg::PoolStats{}};
}

FaultCounts FaultsBetween(const FaultSnapshot& a, const FaultSnapshot& b) {
  FaultCounts f;
  f.db_retries = b.retry.retries - a.retry.retries;
  f.db_failed_attempts = b.retry.failed_attempts - a.retry.failed_attempts;
  f.failed_operations = b.retry.failed_operations - a.retry.failed_operations;
  f.retry_seconds = b.retry.retry_seconds - a.retry.retry_seconds;
  f.redis_errors = b.service.redis_errors - a.service.redis_errors;
  f.redis_reconnects = b.service.redis_reconnects - a.service.redis_reconnects;
  f.invalidation_reconnects = b.service.cache.listener.reconnects - a.service.cache.listener.reconnects;
  f.l1_bypassed = b.service.cache.l1_bypassed - a.service.cache.l1_bypassed;
  f.pg_connect_failures = b.pool.connect_failures - a.pool.connect_failures;
  f.pg_discarded = b.pool.discarded - a.pool.discarded;
  return f;
}

FaultCounts FaultsSince(const FaultSnapshot& to) {
  return FaultsBetween(FaultSnapshot{}, to);
}

void PrintFaultsText(const FaultSnapshot& end, std::FILE* out) {
  const FaultCounts f = FaultsSince(end);
  std::fprintf(out, "faults: %s\n", f.any() ? "" : "none (no failed database attempt, no Redis error)");
  if (!f.any()) return;
  std::fprintf(out,
               "  database: %lu failed attempts, %lu retries, %lu operations failed for good (%lu after exhausting "
               "the retry limit), %lu recovered after retries, longest recovery %.2f s, %.2f s spent retrying\n",
               static_cast<unsigned long>(f.db_failed_attempts), static_cast<unsigned long>(f.db_retries),
               static_cast<unsigned long>(f.failed_operations), static_cast<unsigned long>(end.retry.gave_up),
               static_cast<unsigned long>(end.retry.recovered), end.retry.longest_recovery_seconds, f.retry_seconds);
  std::fprintf(out, "  pool: %lu failed connection attempts, %lu connections discarded\n",
               static_cast<unsigned long>(f.pg_connect_failures), static_cast<unsigned long>(f.pg_discarded));
  std::fprintf(out,
               "  redis: %lu failed commands, %lu reconnects, %lu invalidation resubscriptions, %lu reads bypassed "
               "L1; L1 %s at the end\n",
               static_cast<unsigned long>(f.redis_errors), static_cast<unsigned long>(f.redis_reconnects),
               static_cast<unsigned long>(f.invalidation_reconnects), static_cast<unsigned long>(f.l1_bypassed),
               end.service.l1_coherent ? "coherent" : "bypassed (invalidation subscription down)");
  if (!end.retry.first_error.empty()) std::fprintf(out, "  first database error: %s\n", end.retry.first_error.c_str());
  if (!end.retry.last_error.empty() && end.retry.last_error != end.retry.first_error) {
    std::fprintf(out, "  last database error: %s\n", end.retry.last_error.c_str());
  }
  if (!end.service.cache.listener.last_error.empty() && !end.service.l1_coherent) {
    std::fprintf(out, "  invalidation subscription: %s\n", end.service.cache.listener.last_error.c_str());
  }
}

std::string FaultsJson(const FaultSnapshot& end) {
  const FaultCounts f = FaultsSince(end);
  const auto u = [](uint64_t v) { return std::to_string(v); };
  std::string j = "{\"db_failed_attempts\": " + u(f.db_failed_attempts) + ", \"db_retries\": " + u(f.db_retries) +
                  ", \"failed_operations\": " + u(f.failed_operations) + ", \"gave_up\": " + u(end.retry.gave_up) +
                  ", \"recovered\": " + u(end.retry.recovered) +
                  ", \"longest_recovery_seconds\": " + JsonNumber(end.retry.longest_recovery_seconds) +
                  ", \"retry_seconds\": " + JsonNumber(f.retry_seconds) +
                  ", \"last_failure_unix\": " + std::to_string(end.retry.last_failure_unix) +
                  ", \"pg_connect_failures\": " + u(f.pg_connect_failures) +
                  ", \"pg_discarded\": " + u(f.pg_discarded) + ", \"redis_errors\": " + u(f.redis_errors) +
                  ", \"redis_reconnects\": " + u(f.redis_reconnects) +
                  ", \"invalidation_reconnects\": " + u(f.invalidation_reconnects) +
                  ", \"l1_bypassed\": " + u(f.l1_bypassed) +
                  ", \"l1_coherent\": " + (end.service.l1_coherent ? "true" : "false") + ", \"first_error\": ";
  if (end.retry.first_error.empty()) j += "null"; else AppendJsonString(end.retry.first_error, &j);
  j += ", \"last_error\": ";
  if (end.retry.last_error.empty()) j += "null"; else AppendJsonString(end.retry.last_error, &j);
  return j + "}";
}

void WriteRetryMetrics(const RetryStats& s, metrics::PrometheusWriter* writer) {
  const auto n = [](uint64_t v) { return static_cast<double>(v); };
  writer->Counter("chinook_run_db_operations_total", "Operations run through the retrier (retries not counted).", {},
                  n(s.operations));
  writer->Counter("chinook_run_db_retries_total", "Database calls attempted again after a transient error.", {},
                  n(s.retries));
  writer->Counter("chinook_run_db_failed_attempts_total", "Database call attempts that returned an error.", {},
                  n(s.failed_attempts));
  writer->Counter("chinook_run_db_failed_operations_total",
                  "Operations that failed for good (error not transient, or the retry limit passed).", {},
                  n(s.failed_operations));
  writer->Counter("chinook_run_db_gave_up_total", "Operations still failing transiently after the retry limit.", {},
                  n(s.gave_up));
  writer->Counter("chinook_run_db_recovered_total", "Operations that succeeded after retries.", {}, n(s.recovered));
  writer->Gauge("chinook_run_db_longest_recovery_seconds",
                "Longest time from an operation's first failed attempt to its success.", {},
                s.longest_recovery_seconds);
}

CleanupReport CleanUp(const std::string& dsn, const std::string& schema, cache::RemoteCache* remote,
                      const std::vector<std::string>& redis_patterns, const CleanupOptions& options) {
  CleanupReport report;
  report.schema = schema;
  report.redis_patterns = redis_patterns;
  const SteadyClock::time_point start = SteadyClock::now();
  // Each attempt gets at most this long, so that a hung server still leaves time to try again,
  // and at least this long, so that a timeout of 0 still means one real attempt.
  constexpr auto kAttemptLimit = std::chrono::seconds(5);
  constexpr auto kAttemptMinimum = std::chrono::seconds(2);
  std::chrono::milliseconds backoff{0};
  const SteadyClock::time_point schema_deadline = start + options.timeout;
  while (!schema.empty()) {
    ++report.schema_attempts;
    const SteadyClock::duration left = schema_deadline - SteadyClock::now();
    const SteadyClock::time_point attempt_deadline =
        SteadyClock::now() + std::clamp<SteadyClock::duration>(left, kAttemptMinimum, kAttemptLimit);
    Status s;
    auto conn = pg::Connection::Open(dsn, attempt_deadline);
    if (!conn.ok()) {
      s = conn.status();
    } else {
      auto dropped = (*conn)->Exec("DROP SCHEMA IF EXISTS " + Quoted(schema) + " CASCADE", attempt_deadline);
      s = dropped.ok() ? Status::Ok() : dropped.status();
    }
    if (s.ok()) {
      report.schema_dropped = true;
      report.schema_error.clear();
      break;
    }
    report.schema_error = s.ToString();
    backoff = NextBackoff(backoff, options.min_backoff, options.max_backoff);
    if (!IsTransient(s) || SteadyClock::now() + backoff >= schema_deadline) break;
    SleepUntil(SteadyClock::now() + backoff, nullptr);
  }
  report.redis_keys_removed = true;
  if (remote != nullptr) {
    const SteadyClock::time_point redis_deadline = SteadyClock::now() + options.redis_timeout;
    for (const std::string& pattern : redis_patterns) {
      backoff = std::chrono::milliseconds(0);
      while (true) {
        auto removed = remote->DeleteMatching(pattern);
        if (removed.ok()) {
          report.redis_keys += *removed;
          break;
        }
        report.redis_error = removed.status().ToString();
        backoff = NextBackoff(backoff, options.min_backoff, options.max_backoff);
        if (SteadyClock::now() + backoff >= redis_deadline) {
          report.redis_keys_removed = false;
          break;
        }
        SleepUntil(SteadyClock::now() + backoff, nullptr);
      }
    }
    if (report.redis_keys_removed) report.redis_error.clear();
  }
  report.seconds = Seconds(SteadyClock::now() - start);
  return report;
}

std::vector<std::string> CleanupReport::Leftovers(std::string_view dsn_var, std::string_view contents) const {
  std::vector<std::string> out;
  if (!schema.empty() && !schema_dropped) {
    out.push_back("left schema " + Quoted(schema) + " (" + std::string(contents) + ") in the database: " +
                  std::to_string(schema_attempts) +
                  " attempts to drop it failed within " + OneDecimal(seconds) + " s, the last with: " + schema_error +
                  "; drop it with: psql \"$" + std::string(dsn_var) + "\" -c 'DROP SCHEMA IF EXISTS " + Quoted(schema) +
                  " CASCADE'");
  }
  if (!redis_keys_removed) {
    for (const std::string& pattern : redis_patterns) {
      out.push_back("may have left Redis keys matching '" + pattern + "' (" + redis_error +
                    "); they expire within 30 min, or remove them on each server with: redis-cli -u URL --scan "
                    "--pattern '" + pattern + "' | xargs -r redis-cli -u URL UNLINK");
    }
  }
  return out;
}

std::string CleanupReport::Json(std::string_view contents) const {
  std::string j = "{\"schema\": ";
  if (schema.empty()) j += "null"; else AppendJsonString(schema, &j);
  j += std::string(", \"schema_dropped\": ") + (schema_dropped ? "true" : "false") +
       ", \"schema_attempts\": " + std::to_string(schema_attempts) + ", \"seconds\": " + JsonNumber(seconds) +
       ", \"redis_keys_removed\": " + (redis_keys_removed ? "true" : "false") +
       ", \"redis_keys\": " + std::to_string(redis_keys) + ", \"clean\": " + (clean() ? "true" : "false") +
       ", \"left\": [";
  const std::vector<std::string> left = Leftovers("CHINOOK_PG_DSN", contents);
  for (size_t i = 0; i < left.size(); ++i) {
    if (i) j += ", ";
    AppendJsonString(left[i], &j);
  }
  return j + "]}";
}

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

}  // namespace chinook::tools
