// The text and JSON reports of profile_report.h.
#include "profile_report.h"

#include <cstdio>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "memory/jemalloc_stats.h"
#include "workload/service_env.h"

namespace chinook::profile {

using tools::JsonNumber;

std::string SchemaContents(int64_t rows) { return std::to_string(rows) + " customers written by this run"; }

std::string JsonReport(const RunSettings& settings, const std::vector<OpResult>& ops,
                       const std::vector<Recommendation>& recs, const RunOutcome& outcome, int64_t rows) {
  const bool cpu = settings.cpu_profiles, heap = settings.heap_profiles;
  std::string j = "{\n  \"iterations\": " + std::to_string(settings.iterations) +
                  ",\n  \"batch_size\": " + std::to_string(settings.batch_size) +
                  ",\n  \"jemalloc\": " + (memory::Available() ? "true" : "false") +
                  ",\n  \"cpu_profiles\": " + (cpu ? "true" : "false") +
                  ",\n  \"heap_profiles\": " + (heap ? "true" : "false") + ",\n  \"profile_dir\": ";
  AppendJsonString(settings.profile_dir, &j);
  j += ",\n  \"completed\": " + std::string(outcome.completed ? "true" : "false") + ",\n  \"stop_reason\": ";
  if (outcome.completed) j += "null"; else AppendJsonString(outcome.stop_reason, &j);
  j += ",\n  \"failed_operations\": " + std::to_string(outcome.failed_operations);
  j += ",\n  \"faults\": " + tools::FaultsJson(outcome.faults);
  j += ",\n  \"cleanup\": " + outcome.cleanup.Json(SchemaContents(rows));
  j += ",\n  \"operations\": [";
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpResult& op = ops[i];
    j += i ? ",\n    {" : "\n    {";
    j += "\"name\": ";
    AppendJsonString(op.name, &j);
    j += ", \"iterations\": " + std::to_string(op.iterations) + ", \"done\": " + std::to_string(op.done) +
         ", \"failed\": " + std::to_string(op.failed) + ", \"customers_per_op\": " + std::to_string(op.items_per_op) +
         ", \"wall_seconds\": " + JsonNumber(op.wall_seconds) + ", \"ops_per_sec\": " + JsonNumber(op.ops_per_sec()) +
         ", \"allocs_per_op\": " + JsonNumber(op.allocs_per_op) + ", \"bytes_per_op\": " + JsonNumber(op.bytes_per_op) +
         ", \"heap_change_bytes\": " + std::to_string(op.heap_change_bytes) +
         ", \"queries_per_op\": " + JsonNumber(op.queries_per_op) + ", \"pool_wait_share\": " +
         JsonNumber(op.pool_wait_share) + ", \"cache_hit_rate\": " +
         (op.cache_hit_rate ? JsonNumber(*op.cache_hit_rate) : "null") +
         ", \"db_failed_attempts\": " + std::to_string(op.faults.db_failed_attempts) +
         ", \"db_retries\": " + std::to_string(op.faults.db_retries) +
         ", \"retry_seconds\": " + JsonNumber(op.faults.retry_seconds) +
         ", \"redis_errors\": " + std::to_string(op.faults.redis_errors) +
         ", \"l1_bypassed\": " + std::to_string(op.faults.l1_bypassed) + ", \"first_failure\": ";
    if (op.first_failure.empty()) j += "null"; else AppendJsonString(op.first_failure, &j);
    j += ", \"cpu_profile\": ";
    if (op.cpu_profile.empty()) j += "null"; else AppendJsonString(op.cpu_profile, &j);
    j += ", \"heap_profile\": ";
    if (op.heap_profile.empty()) j += "null"; else AppendJsonString(op.heap_profile, &j);
    j += "}";
  }
  j += "\n  ],\n  \"recommendations\": [";
  for (size_t i = 0; i < recs.size(); ++i) {
    j += i ? ",\n    {" : "\n    {";
    j += "\"operation\": ";
    AppendJsonString(recs[i].operation, &j);
    j += ", \"metric\": ";
    AppendJsonString(recs[i].metric, &j);
    j += ", \"value\": " + JsonNumber(recs[i].value) + ", \"threshold\": " + JsonNumber(recs[i].threshold) +
         ", \"message\": ";
    AppendJsonString(recs[i].message, &j);
    j += "}";
  }
  j += recs.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return j;
}

void PrintText(const RunSettings& settings, const std::vector<OpResult>& ops,
               const std::vector<Recommendation>& recs, const RunOutcome& outcome, int64_t rows) {
  const bool cpu = settings.cpu_profiles, heap = settings.heap_profiles;
  std::printf("chinook-profile: %d iterations per operation, batches of %d customers\n", settings.iterations,
              settings.batch_size);
  std::printf("jemalloc counters: %s; CPU profiles: %s; jemalloc heap profiles: %s\n",
              memory::Available() ? "on" : "off (not running on jemalloc: allocation figures are 0)",
              cpu ? ("on, in " + settings.profile_dir).c_str() : "off",
              heap ? "on (MALLOC_CONF=prof:true)" : "off (run with MALLOC_CONF=prof:true to write them)");
  if (!outcome.completed) {
    std::printf("STOPPED EARLY: %s\n(the figures below cover the iterations done until then)\n",
                outcome.stop_reason.c_str());
  }
  std::printf("\n%-24s %10s %12s %12s %12s %12s %9s %9s %9s %8s %8s\n", "operation", "wall s", "ops/s", "allocs/op",
              "bytes/op", "heap change", "sql/op", "pool wait", "hit rate", "failed", "retries");
  for (const OpResult& op : ops) {
    char hit[16] = "-";
    if (op.cache_hit_rate) std::snprintf(hit, sizeof(hit), "%.1f%%", 100 * *op.cache_hit_rate);
    std::printf("%-24s %10.3f %12.0f %12.1f %12.0f %12lld %9.2f %8.1f%% %9s %8d %8lu\n", op.name.c_str(),
                op.wall_seconds, op.ops_per_sec(), op.allocs_per_op, op.bytes_per_op,
                static_cast<long long>(op.heap_change_bytes), op.queries_per_op, 100 * op.pool_wait_share, hit,
                op.failed, static_cast<unsigned long>(op.faults.db_retries));
  }
  std::printf("\n");
  tools::PrintFaultsText(outcome.faults, stdout);
  const std::vector<std::string> left = outcome.cleanup.Leftovers(workload::kPgDsnVar, SchemaContents(rows));
  if (left.empty()) {
    std::printf("cleanup: schema %s dropped, %lu Redis keys removed (%.2f s)\n", outcome.cleanup.schema.c_str(),
                static_cast<unsigned long>(outcome.cleanup.redis_keys), outcome.cleanup.seconds);
  } else {
    std::printf("cleanup: %s\n", outcome.cleanup.clean() ? "schema dropped; Redis keys not removed" : "INCOMPLETE");
    for (const std::string& line : left) std::printf("  %s\n", line.c_str());
  }
  if (cpu || heap) {
    std::printf("\nprofiles:\n");
    for (const OpResult& op : ops) {
      if (!op.cpu_profile.empty()) std::printf("  google-pprof --text <chinook-profile> %s\n", op.cpu_profile.c_str());
      if (!op.heap_profile.empty()) std::printf("  jeprof --text <chinook-profile> %s\n", op.heap_profile.c_str());
    }
  }
  std::printf("\nrecommendations:\n");
  if (recs.empty()) {
    std::printf("  none: every figure is within its threshold (allocations <= %.0f and bytes <= %.0f per customer, "
                "pool wait <= %.0f%%, statements per op <= %.0f single / %.0f batch, hit rate >= %.0f%%)\n",
                kMaxAllocsPerItem, kMaxBytesPerItem, 100 * kMaxPoolWaitShare, kMaxQueriesPerSingleOp,
                kMaxQueriesPerBatchOp, 100 * kMinCacheHitRate);
  }
  for (const Recommendation& r : recs) std::printf("  - %s\n", r.message.c_str());
}

}  // namespace chinook::profile
