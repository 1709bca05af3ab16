// For tests of the built tools: runs a shell command and collects what it printed and how it
// exited. Test-only (no library or tool includes it).
//
// Thread safety: a pure function (popen runs /bin/sh -c COMMAND).
#ifndef CHINOOK_TESTING_RUN_COMMAND_H_
#define CHINOOK_TESTING_RUN_COMMAND_H_

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace chinook::testing {

struct CommandRun {
  int exit_code = -1;  // -1: killed by a signal (an abort is SIGABRT), or popen failed
  std::string output;  // stdout, and stderr when the command redirects it (2>&1)
};

// REQUIRES: `command` is trusted shell text (tests build it from their own paths).
inline CommandRun RunCommand(const std::string& command) {
  CommandRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) run.output.append(buf, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace chinook::testing

#endif  // CHINOOK_TESTING_RUN_COMMAND_H_
