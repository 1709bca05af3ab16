// Interleaved runs of two benchmark programs (ab mode).
//
// Where the variance of realistic benchmarks lives decides the design (tools/compare/README.md has
// the measurements): the median of one process varies 2-10x more between processes than between
// repetitions within a process (allocation layout, ASLR, page placement, what the neighbours do
// during those seconds), and a machine's speed drifts over minutes. So the unit of sampling is a
// process, and the two sides of a sample run seconds apart, not a whole suite apart:
//
//   - each round runs every benchmark that is still unsettled, one short process per benchmark
//     and side (--benchmark_filter=^name$), base and head back to back, in A B / B A order
//     alternating by round and benchmark, the benchmarks in a fresh random order each round;
//   - round i of the base is paired with round i of the head, so whatever the machine did during
//     those seconds hits both sides of the pair;
//   - after each round the caller's `settled` callback (the comparison engine with its sequential
//     plan) says which benchmarks need no more rounds; the others keep sampling, until every
//     benchmark is settled, `max_rounds` is reached, or the time budget would be exceeded.
//
// Child processes run in a process group of their own: a timeout, SIGINT/SIGTERM/SIGHUP to the
// tool, or the end of a run kills the whole group, grandchildren included, and a temporary work
// directory is removed whatever happens.
//
// Thread safety: RunInterleaved runs child processes one at a time from the calling thread, and
// installs process-wide signal handlers for its duration (restored before it returns): call it
// from one thread at a time.
#ifndef CHINOOK_TOOLS_COMPARE_AB_H_
#define CHINOOK_TOOLS_COMPARE_AB_H_

#include <array>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "chinook/status.h"
#include "gbench.h"

namespace chinook::compare {

struct AbRuns;

struct AbOptions {
  // Arguments for both programs (e.g. --benchmark_filter, --benchmark_min_time). The tool adds
  // --benchmark_out and --benchmark_out_format=json, and in per-benchmark mode replaces the
  // filter by one naming a single benchmark (the given filter chooses which are listed).
  std::vector<std::string> benchmark_args;
  // One process per benchmark and side (the default), or the whole program per process.
  bool per_benchmark = true;
  // Added when benchmark_args do not set them. Short repetitions in many processes beat few long
  // ones: the between-process variance dominates, so samples of processes are what count, and the
  // median of three repetitions per process shrugs off one disturbed repetition.
  int default_repetitions = 3;
  std::string default_min_time = "0.05";  // seconds; a plain number, which GB 1.5 to 1.9 read
  // Wall-clock budget for the whole run, listing included. No new pair of processes starts when
  // the time measured for that benchmark's last pair would overrun it; 0 means no budget. The
  // first round always runs in full: without it nothing can be said.
  double budget_seconds = 300;
  // Rounds per benchmark: at most max_rounds; with `settled` unset (or fixed_rounds), exactly
  // max_rounds.
  int max_rounds = 100;
  bool fixed_rounds = false;
  // Under a budget, cheap benchmarks get more pairs than costly ones: after the first round a
  // benchmark whose pair of processes costs c seconds runs in a share sqrt(c_min / c) of the
  // rounds, c_min the cheapest unsettled pair (the optimal allocation of a sampling budget with
  // unequal costs per sample, Neyman's with equal variances). A suite whose database benchmarks
  // take 7 s a process then still gives its 0.3 s CPU-bound benchmarks enough pairs to resolve
  // a 10% change. Off: every unsettled benchmark runs every round.
  bool cost_weighted = true;
  // Duet runs (per-benchmark mode): base and head of a pair start at the same moment, both pinned
  // to one CPU, so that they share whatever the machine does meanwhile. On a shared runner the
  // speed of a virtual CPU changes by up to 1.6x for seconds at a time (the host's other tenants);
  // processes run one after the other land in different such periods, processes sharing one CPU
  // in the same. Measured on a 2-core VM: the log ratio of identical binaries had a standard
  // deviation of 1.6% in duets against 9.8% back to back on one pinned CPU and 22-26% unpinned
  // (BM_Serialize_Naive, 20 pairs each). kAuto runs as duets the benchmarks judged on CPU time
  // that run one thread; real-time benchmarks (two processes would wait on each other) and
  // multi-threaded ones (one CPU removes the contention they measure) run back to back.
  enum class Duet { kAuto, kOff };
  Duet duet = Duet::kAuto;
  // ECMAScript regex: matching benchmarks never run as duets (they share state outside the
  // process, e.g. a database table both sides would write). Empty: none.
  std::string sequential;
  // Where per-round JSON and console logs go; created if needed and kept. Empty: a temporary
  // directory, removed afterwards, also when a run failed (the error carries the log's last lines).
  std::string work_dir;
  // Deadline for one run of one program; a run past it is killed (its process group).
  double run_timeout_seconds = 1800;
  uint64_t seed = 20240501;  // the order of benchmarks within rounds
  // Receives progress lines; may be empty.
  std::function<void(const std::string&)> progress;
  // Called after every round with the rounds so far; returns the benchmarks that need no more
  // rounds (decided, failed, only on one side). Unset: every benchmark runs max_rounds rounds.
  std::function<std::set<std::string>(const AbRuns&)> settled;
};

struct AbRuns {
  // Round i of base ran next to round i of head. In per-benchmark mode a round holds the
  // benchmarks that were still sampled in it; a benchmark whose process failed appears with its
  // error on that side (and is not sampled again).
  std::vector<BenchmarkRun> base;
  std::vector<BenchmarkRun> head;
  std::vector<std::string> benchmarks;  // listed by either program, base order first
  double seconds = 0;                   // wall time of the whole run
  bool budget_exhausted = false;        // stopped by the budget with benchmarks unsettled
  std::vector<std::string> unsettled;   // benchmarks still sampling when the run stopped
  std::vector<std::string> notes;       // for the report
};

// Runs both programs. Errors name the program, the round and the log with its last lines (a
// program that cannot be listed or run at all, an interrupted run, unreadable JSON in
// whole-program mode); in per-benchmark mode the failure of one benchmark's process is recorded
// as that benchmark's error and the others go on.
Result<AbRuns> RunInterleaved(const std::string& base_binary, const std::string& head_binary,
                              const AbOptions& options);

// Runs argv[0] with argv in a process group of its own, stdout and stderr to `log_path`, stdin
// from /dev/null, and waits at most `timeout_seconds` (then SIGTERM to the group, and SIGKILL 5 s
// later). OK only for exit status 0. Whatever is left of the group afterwards is killed. A
// SIGINT, SIGTERM or SIGHUP that reaches the tool meanwhile (while RunInterleaved's handlers are
// installed) stops the group and returns an error naming the signal.
// `stderr_path`, when given, receives stderr apart from stdout.
Status RunProgram(const std::vector<std::string>& argv, const std::string& log_path, double timeout_seconds,
                  const std::string& stderr_path = "");

// Runs two programs at once (RunProgram each), both pinned to `cpu` when it is >= 0; the
// statuses of both.
std::array<Status, 2> RunDuet(const std::array<const std::vector<std::string>*, 2>& argv,
                              const std::array<std::string, 2>& log_path, double timeout_seconds, int cpu);

// The CPU duets run on: the highest-numbered one the tool may use, or -1.
int DuetCpu();

// Whether ab runs this benchmark's pairs as duets under `options` (see AbOptions::duet).
bool RunsAsDuet(const std::string& name, const AbOptions& options);

// The signal that interrupted the last RunInterleaved, or 0.
int InterruptSignal();

// "90" "90s" "1.5m" "5m" "1h30m" "2m30s" -> seconds; errors name the text.
Result<double> ParseDuration(const std::string& text);

// A POSIX extended regular expression matching exactly `name` (for --benchmark_filter).
std::string ExactFilter(const std::string& name);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_AB_H_
