#include "testing/subprocess.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

extern char** environ;

namespace chinook::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// This process's environment with `overrides` replacing or adding variables.
std::vector<std::string> Environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (overrides.count(entry.substr(0, entry.find('='))) == 0) environment.push_back(entry);
  }
  for (const auto& [name, value] : overrides) environment.push_back(name + "=" + value);
  return environment;
}

// The NULL-terminated char* array exec wants; points into `strings`, which must outlive it.
std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

CommandRun RunCommand(const std::string& command) {
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

void ExpectUsageError(const CommandRun& run, const std::string& tool, const std::string& message,
                      const std::string& args) {
  EXPECT_EQ(run.exit_code, 2) << args << "\n" << run.output;
  EXPECT_NE(run.output.find(tool + ": " + message), std::string::npos) << args << "\n" << run.output;
  EXPECT_NE(run.output.find("usage: " + tool), std::string::npos) << args << "\n" << run.output;
}

Result<pid_t> Spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) return InvalidArgumentError("spawn: no program");
  std::vector<std::string> args_storage = argv;
  std::vector<char*> args = CStrings(args_storage);
  std::vector<std::string> env_storage = Environment(options.env);
  std::vector<char*> envp = CStrings(env_storage);

  const int flags = O_WRONLY | O_CREAT | (options.append ? O_APPEND : O_TRUNC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.stdout_path.c_str(), flags, 0644);
  if (options.stderr_path.empty()) {
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, options.stderr_path.c_str(), flags, 0644);
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (options.own_process_group) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);  // a group of its own: pgid = pid
  }
  pid_t pid = -1;
  const int rc = options.search_path ? posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data())
                                     : posix_spawn(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return UnavailableError("cannot start " + argv[0]);
  return pid;
}

ToolProcess::~ToolProcess() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

Status ToolProcess::Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const std::string& dir) {
  stdout_path_ = dir + "/stdout";
  stderr_path_ = dir + "/stderr";
  CHINOOK_ASSIGN_OR_RETURN(pid_, Spawn(argv, {.stdout_path = stdout_path_,
                                              .stderr_path = stderr_path_,
                                              .own_process_group = true,
                                              .env = env}));
  return Status();
}

bool ToolProcess::Running() {
  if (pid_ <= 0) return false;
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

int ToolProcess::Wait(SteadyClock::time_point deadline) {
  if (pid_ <= 0) return exit_code_;
  while (Running() && SteadyClock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (Running()) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return exit_code_ = -1;
  }
  // Exited but not reaped: whatever it started and left running is still in its group.
  processes_left_ = ProcessesInGroup(pid_);
  int wstatus = 0;
  waitpid(pid_, &wstatus, 0);
  if (processes_left_ > 0) kill(-pid_, SIGKILL);
  pid_ = -1;
  return exit_code_ = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

std::string ToolProcess::Stdout() const { return ReadFile(stdout_path_); }
std::string ToolProcess::Stderr() const { return ReadFile(stderr_path_); }

int ProcessesInGroup(pid_t pgid) {
  int count = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return -1;
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    // /proc/<pid>/stat: pid (comm) state ppid pgrp ...; comm may hold spaces, so parse after ')'.
    const std::string stat = ReadFile(std::string("/proc/") + e->d_name + "/stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z') ++count;
  }
  closedir(proc);
  return count;
}

}  // namespace chinook::testing
