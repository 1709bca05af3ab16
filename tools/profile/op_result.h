// What chinook-profile measures of one operation (OpResult): filled in by the profiler
// (profiler.h), judged by the recommendations (recommendations.h), printed by the report
// (profile_report.h).
//
// Thread safety: a value.
#ifndef CHINOOK_TOOLS_PROFILE_OP_RESULT_H_
#define CHINOOK_TOOLS_PROFILE_OP_RESULT_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "common/fault_tolerance.h"

namespace chinook::profile {

// What one operation measured.
struct OpResult {
  std::string name;
  std::string file_stem;  // profile file names
  int iterations = 0;     // planned
  int items_per_op = 1;   // customers each iteration handles
  bool is_read = false;
  bool uses_database = false;
  int done = 0;    // iterations run (succeeded or failed); < iterations when the run stopped
  int failed = 0;  // of which failed for good
  double wall_seconds = 0;
  double allocs_per_op = 0;
  double bytes_per_op = 0;
  int64_t heap_change_bytes = 0;
  double queries_per_op = 0;
  double pool_wait_share = 0;
  std::optional<double> cache_hit_rate = std::nullopt;  // reads only
  tools::FaultCounts faults = {};
  std::string first_failure = "";  // the first iteration's error that was not retried away
  std::string cpu_profile = "";    // "" when not written
  std::string heap_profile = "";
  double ops_per_sec() const { return wall_seconds > 0 ? done / wall_seconds : 0; }
  // Share of the iterations that met Redis trouble (a failed command or a bypassed L1), at most 1.
  double redis_trouble_share() const {
    if (done == 0) return 0;
    return std::min(1.0, static_cast<double>(std::max(faults.redis_errors, faults.l1_bypassed)) / done);
  }
  bool database_faults() const { return faults.db_failed_attempts > 0; }
};

}  // namespace chinook::profile

#endif  // CHINOOK_TOOLS_PROFILE_OP_RESULT_H_
