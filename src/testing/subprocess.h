// For tests that run programs (the built tools, the servers a test owns), one home for the ways
// they are started:
//
//   RunCommand   a shell command to completion: its exit code and what it printed;
//                ExpectUsageError, the check of a tool refusing its command line.
//   Spawn        a program started with posix_spawn, stdout and stderr in files, optionally with
//                extra environment and in a process group of its own.
//   ToolProcess  a Spawn'ed program a test watches: still running?, wait with a deadline, what it
//                left running in its process group, what it printed.
//
// Test-only (linked into chinook-tests through chinook_testing; no library or tool uses it).
// Thread safety: RunCommand and Spawn are thread-safe functions; a ToolProcess is not thread-safe
// except for Stdout() and Stderr(), which only read its files.
#ifndef CHINOOK_SRC_TESTING_SUBPROCESS_H_
#define CHINOOK_SRC_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "chinook/status.h"

namespace chinook::testing {

struct CommandRun {
  int exit_code = -1;  // -1: killed by a signal (an abort is SIGABRT), or popen failed
  std::string output;  // stdout, and stderr when the command redirects it (2>&1)
};

// Runs `command` with /bin/sh -c and waits for it.
// REQUIRES: `command` is trusted shell text (tests build it from their own paths).
CommandRun RunCommand(const std::string& command);

// Expects `run` to be `tool` (e.g. "chinook-soak") refusing the command line `args` as every tool
// does (tools/common/flags.h): exit status 2, "<tool>: <message>" in the output, and the usage.
// `args` only names the case in failure messages.
void ExpectUsageError(const CommandRun& run, const std::string& tool, const std::string& message,
                      const std::string& args);

struct SpawnOptions {
  // Where stdout goes (required); stderr goes to `stderr_path`, or to the same file when empty.
  std::string stdout_path;
  std::string stderr_path;
  // Append to the files instead of truncating them (a log shared by several commands).
  bool append = false;
  // Look argv[0] up in PATH (posix_spawnp) instead of taking it as a path.
  bool search_path = false;
  // A process group of its own (pgid = pid), so that whatever it starts can be found and killed.
  bool own_process_group = false;
  // Variables that override or add to this process's environment.
  std::map<std::string, std::string> env;
};

// Starts argv[0] with `argv`; its pid, or Unavailable when it cannot be started.
[[nodiscard]] Result<pid_t> Spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

// A tool run as a child process in a process group of its own, stdout and stderr in `dir`.
class ToolProcess {
 public:
  ToolProcess() = default;
  ~ToolProcess();  // kills the process group if it still runs
  ToolProcess(const ToolProcess&) = delete;
  ToolProcess& operator=(const ToolProcess&) = delete;

  // `env` overrides or adds variables of this process's environment.
  [[nodiscard]] Status Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                             const std::string& dir);
  pid_t pid() const { return pid_; }
  // Whether it still runs (not reaped yet).
  bool Running();
  // Waits for the exit until `deadline`, then kills the group; the exit code, or -1 when killed or
  // signalled. Before returning it counts the processes left in the tool's process group.
  int Wait(std::chrono::steady_clock::time_point deadline);
  int processes_left() const { return processes_left_; }
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  int processes_left_ = 0;
  std::string stdout_path_, stderr_path_;
};

// Processes in process group `pgid` (from /proc), not counting zombies.
int ProcessesInGroup(pid_t pgid);

}  // namespace chinook::testing

#endif  // CHINOOK_SRC_TESTING_SUBPROCESS_H_
