// Interleaved runs of two benchmark programs (ab mode).
//
// On a shared machine the speed of the machine drifts by tens of percent over minutes, so two
// suites run one after the other differ for reasons that have nothing to do with the code. ab mode
// runs the base and head programs alternately, A B B A A B B A ..., each round both programs with
// the same arguments, and the comparison pairs round i of one with round i of the other: what the
// machine did during a round hits both sides of the pair, and the ABBA order cancels a steady
// trend and any first-or-second position effect.
//
// Thread safety: RunInterleaved runs child processes one at a time from the calling thread.
#ifndef CHINOOK_TOOLS_COMPARE_AB_H_
#define CHINOOK_TOOLS_COMPARE_AB_H_

#include <functional>
#include <string>
#include <vector>

#include "chinook/status.h"
#include "gbench.h"

namespace chinook::compare {

struct AbOptions {
  // Rounds of (base, head). 15 gives the signed-rank test a smallest p-value of 2/2^15 = 6e-5, so
  // that even after a Holm correction over several hundred tests a consistent change can be
  // significant; fewer rounds make significance impossible beyond about 2^(rounds-1)/20 tests.
  int rounds = 15;
  // Arguments for both programs (e.g. --benchmark_filter, --benchmark_min_time). The tool adds
  // --benchmark_out and --benchmark_out_format=json after them.
  std::vector<std::string> benchmark_args;
  // Where per-round JSON and console logs go; created if needed and kept. Empty: a temporary
  // directory, removed afterwards unless a run failed (then its path is in the error).
  std::string work_dir;
  // Deadline for one run of one program; a run past it is killed and the comparison fails.
  double run_timeout_seconds = 1800;
  // Receives progress lines ("round 3/15: base 12.1 s, head 12.4 s"); may be empty.
  std::function<void(const std::string&)> progress;
};

struct AbRuns {
  std::vector<BenchmarkRun> base;  // round i of base ran next to round i of head
  std::vector<BenchmarkRun> head;
};

// Runs both programs for options.rounds rounds. Errors name the program, the round and the log
// with its last lines (a crash, a non-zero exit, a timeout, unreadable JSON).
Result<AbRuns> RunInterleaved(const std::string& base_binary, const std::string& head_binary,
                              const AbOptions& options);

// Runs argv[0] with argv, stdout and stderr to `log_path`, stdin from /dev/null, and waits at most
// `timeout_seconds` (then SIGTERM, and SIGKILL 5 s later). OK only for exit status 0.
Status RunProgram(const std::vector<std::string>& argv, const std::string& log_path, double timeout_seconds);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_AB_H_
