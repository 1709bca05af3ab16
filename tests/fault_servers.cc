#include "fault_servers.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cache/redis_cache.h"
#include "pg/pg_test_util.h"
#include "testing/service_env.h"

extern char** environ;

namespace chinook::fault_testing {
namespace {

using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::vector<std::string> AsPostgres(std::vector<std::string> argv) {
  if (geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

Status Run(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = Spawn(argv, log);
  if (pid < 0) return UnavailableError("cannot start " + argv[0]);
  int wstatus = 0;
  if (waitpid(pid, &wstatus, 0) != pid || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return InternalError(argv[0] + " " + (argv.size() > 1 ? argv[1] : "") + " failed; see " + log);
  }
  return Status();
}

std::string ThrowawayPostgres::BinDir() {
  const std::string dir = testing::EnvOrEmpty("CHINOOK_PG_BIN");
  return dir.empty() ? "/usr/lib/postgresql/15/bin" : dir;
}

std::string ThrowawayPostgres::Unusable(bool* skip) {
  *skip = false;
  if (fs::exists(BinDir() + "/initdb")) return "";
  const std::string build = testing::EnvOrEmpty("CHINOOK_BUILD_DIR");
  if (build.empty() || !fs::exists(build + "/services/pg.dir")) {
    *skip = true;
    return "no PostgreSQL server binaries in " + BinDir() +
           " (set CHINOOK_PG_BIN) and the tests use an external server: this test needs a local cluster of its "
           "own to crash";
  }
  return "PostgreSQL server binaries not found in " + BinDir() +
         " although ci/services.sh runs a local server: set CHINOOK_PG_BIN";
}

ThrowawayPostgres::~ThrowawayPostgres() {
  if (dir_.empty()) return;
  (void)Ctl({"stop", "-m", "immediate"});
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

Status ThrowawayPostgres::Init() {
  char tmpl[] = "/tmp/chinook-pgfault.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return InternalError("mkdtemp failed");
  dir_ = tmpl;
  chmod(dir_.c_str(), 0755);
  if (geteuid() == 0) {
    if (Status s = Run({"chown", "postgres:postgres", dir_}, log()); !s.ok()) {
      return s.Annotate("as root the cluster belongs to the 'postgres' user");
    }
  }
  // -N: no fsync of the new files; the crash staged here kills processes, not the machine,
  // so the page cache keeps everything a commit wrote.
  return Run(AsPostgres({BinDir() + "/initdb", "-D", dir_ + "/data", "-U", "postgres", "--auth=trust", "-N",
                         "--encoding=UTF8", "--locale=C.UTF-8"}),
             log());
}

Status ThrowawayPostgres::Start() {
  if (port_ == 0) port_ = pg::testing::ClosedPort();
  return Ctl({"start", "-w", "-t", "30", "-o",
              "-p " + std::to_string(port_) + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir_ +
                  " -c fsync=off -c max_connections=20",
              "-l", dir_ + "/server.log"});
}

Status ThrowawayPostgres::Crash() { return Ctl({"stop", "-m", "immediate", "-w", "-t", "30"}); }

std::string ThrowawayPostgres::dsn() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

Status ThrowawayPostgres::Ctl(std::vector<std::string> args) {
  args.insert(args.begin(), {BinDir() + "/pg_ctl", "-D", dir_ + "/data"});
  return Run(AsPostgres(std::move(args)), log());
}

Status OwnRedis::Start(const std::string& log) {
  port_ = pg::testing::ClosedPort();
  pid_ = Spawn({"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"},
               log);
  if (pid_ < 0) return UnavailableError("cannot start redis-server (is it installed? ci/install-deps.sh)");
  auto probe = cache::NewRedisCache(endpoint());
  for (auto deadline = SteadyClock::now() + std::chrono::seconds(5); SteadyClock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
    if (probe->Set("chinook:v1:probe", "1", std::chrono::seconds(1)).ok()) return Status();
  }
  return UnavailableError("redis-server on port " + std::to_string(port_) + " did not answer; see " + log);
}

void OwnRedis::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

cache::RedisEndpoint OwnRedis::endpoint() const {
  cache::RedisEndpoint e;
  e.port = port_;
  return e;
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
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (env.count(entry.substr(0, entry.find('='))) == 0) environment.push_back(entry);
  }
  for (const auto& [name, value] : env) environment.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // a group of its own: pgid = pid
  const int rc = posix_spawn(&pid_, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return UnavailableError("cannot start " + argv[0]);
  }
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

}  // namespace chinook::fault_testing
