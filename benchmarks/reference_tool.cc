#include "reference_tool.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace chinook::bench {
namespace {

bool Executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Result<std::string> FindProgram(const std::string& name, const std::string& package,
                                const std::vector<std::string>& dirs) {
  std::string looked;
  auto found_in = [&](const std::string& dir) {
    if (dir.empty()) return false;
    looked += (looked.empty() ? "" : ":") + dir;
    return Executable(dir + "/" + name);
  };
  for (const std::string& dir : dirs) {
    if (found_in(dir)) return dir + "/" + name;
  }
  const char* path = std::getenv("PATH");
  std::stringstream entries(path ? path : "");
  for (std::string dir; std::getline(entries, dir, ':');) {
    if (found_in(dir)) return dir + "/" + name;
  }
  return NotFoundError(name + " not found in " + looked + " (ci/install-deps.sh installs it: Debian package " +
                       package + ")");
}

Result<std::string> FindPgProgram(const std::string& name) {
  const char* bin = std::getenv("CHINOOK_PG_BIN");
  return FindProgram(name, "postgresql-client-15", {bin ? bin : "", "/usr/lib/postgresql/15/bin"});
}

Result<ToolRun> RunTool(const std::vector<std::string>& argv, const ToolRunOptions& options) {
  if (argv.empty()) return InvalidArgumentError("RunTool: empty command");
  char out_template[] = "/tmp/chinook-tool-XXXXXX";
  const int out_fd = mkstemp(out_template);
  if (out_fd < 0) return InternalError(std::string("RunTool: cannot create a file in /tmp for ") + argv[0]);
  close(out_fd);
  const std::string captured = out_template;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, options.stdin_path.c_str(), O_RDONLY, 0);
  const std::string& stdout_path = options.stdout_path.empty() ? captured : options.stdout_path;
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, captured.c_str(), O_WRONLY | O_APPEND, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  const bool waited = spawned == 0 && waitpid(pid, &status, 0) == pid;
  ToolRun run{ReadFileOrEmpty(captured)};
  std::remove(captured.c_str());
  if (spawned != 0) return UnavailableError("cannot start " + argv[0]);
  if (!waited || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = !waited               ? "could not be waited for"
                            : WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                                  : "exited with status " + std::to_string(WEXITSTATUS(status));
    constexpr size_t kTail = 400;
    const std::string tail = run.output.size() > kTail ? run.output.substr(run.output.size() - kTail) : run.output;
    return InternalError(argv[0] + " " + how + ": " + tail);
  }
  return run;
}

Result<double> NumberAfter(const std::string& text, const std::string& key, const std::string& what) {
  const size_t at = text.find(key);
  if (at != std::string::npos) {
    const char* start = text.c_str() + at + key.size();
    char* end = nullptr;
    const double value = std::strtod(start, &end);
    if (end != start) return value;
  }
  return InvalidArgumentError("no \"" + key + "\" figure in " + what + "'s output: " + text.substr(0, 400));
}

}  // namespace chinook::bench
