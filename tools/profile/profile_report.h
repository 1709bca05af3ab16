// chinook-profile's report: the run's figures, recommendations, faults and clean-up as text
// for a person or as JSON (--json) for a program.
//
// Thread safety: pure functions (PrintText writes to stdout).
#ifndef CHINOOK_TOOLS_PROFILE_PROFILE_REPORT_H_
#define CHINOOK_TOOLS_PROFILE_PROFILE_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/fault_tolerance.h"
#include "op_result.h"
#include "recommendations.h"

namespace chinook::profile {

// How the run was set up, as the report's header states it.
struct RunSettings {
  int iterations = 0;  // per operation
  int batch_size = 0;  // customers per batch operation
  std::string profile_dir;
  bool cpu_profiles = false;
  bool heap_profiles = false;
};

// What the whole run came to, besides the operations.
struct RunOutcome {
  bool completed = true;
  std::string stop_reason;  // "" when completed
  int failed_operations = 0;
  tools::FaultSnapshot faults;
  tools::CleanupReport cleanup;
};

// What a left-over schema of the run holds (`rows` customers), for the message that names it.
std::string SchemaContents(int64_t rows);

// The report of a run that stored `rows` customers.
std::string JsonReport(const RunSettings& settings, const std::vector<OpResult>& ops,
                       const std::vector<Recommendation>& recs, const RunOutcome& outcome, int64_t rows);
void PrintText(const RunSettings& settings, const std::vector<OpResult>& ops,
               const std::vector<Recommendation>& recs, const RunOutcome& outcome, int64_t rows);

}  // namespace chinook::profile

#endif  // CHINOOK_TOOLS_PROFILE_PROFILE_REPORT_H_
