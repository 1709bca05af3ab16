// The reference benchmarks' way of running the tools they measure us against (psql, pgbench,
// redis-benchmark, gzip, pigz): find the program, run it to completion with stdin and stdout
// redirected, keep what it printed. A reference whose tool is missing fails with an error naming
// the tool and the package that brings it (ci/install-deps.sh), never skips in silence.
//
// Thread safety: thread-safe functions.
#ifndef CHINOOK_BENCHMARKS_REFERENCE_TOOL_H_
#define CHINOOK_BENCHMARKS_REFERENCE_TOOL_H_

#include <string>
#include <vector>

#include "chinook/status.h"

namespace chinook::bench {

// The path of the executable `name`: the first of `dirs` holding it, else the first directory of
// PATH. NotFound naming the places looked in and `package` (the Debian package of
// ci/install-deps.sh that installs it) when there is none.
Result<std::string> FindProgram(const std::string& name, const std::string& package,
                                const std::vector<std::string>& dirs = {});

// PostgreSQL's client tools: $CHINOOK_PG_BIN first (ci/services.sh's servers), then Debian 12's
// PostgreSQL 15, then PATH.
Result<std::string> FindPgProgram(const std::string& name);

struct ToolRunOptions {
  std::string stdin_path = "/dev/null";
  // Where stdout goes; empty: captured into ToolRun::output (with stderr).
  std::string stdout_path;
};

struct ToolRun {
  std::string output;  // stdout (when captured) and stderr
};

// Runs argv[0] (a path, from FindProgram) with `argv` and waits for it. Internal naming the
// command, its exit status and the tail of what it printed when it does not exit with 0.
Result<ToolRun> RunTool(const std::vector<std::string>& argv, const ToolRunOptions& options = {});

// The number after `key` in `text` (e.g. "tps = " in pgbench's report), or InvalidArgument quoting
// `what` and the text when it is not there.
Result<double> NumberAfter(const std::string& text, const std::string& key, const std::string& what);

}  // namespace chinook::bench

#endif  // CHINOOK_BENCHMARKS_REFERENCE_TOOL_H_
