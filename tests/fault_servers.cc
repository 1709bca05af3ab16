#include "fault_servers.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cache/redis_cache.h"
#include "testing/subprocess.h"
#include "testing/tcp_proxy.h"
#include "workload/service_env.h"

namespace chinook::fault_testing {
namespace {

using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::vector<std::string> AsPostgres(std::vector<std::string> argv) {
  if (geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

// Starts argv[0] (looked up in PATH) with stdout and stderr appended to `log`.
Result<pid_t> SpawnLogged(const std::vector<std::string>& argv, const std::string& log) {
  ::chinook::testing::SpawnOptions options;
  options.stdout_path = log;
  options.append = true;
  options.search_path = true;
  return ::chinook::testing::Spawn(argv, options);
}

// Runs argv to completion (the commands used here bound their own time, pg_ctl by -t).
Status Run(const std::vector<std::string>& argv, const std::string& log) {
  CHINOOK_ASSIGN_OR_RETURN(const pid_t pid, SpawnLogged(argv, log));
  int wstatus = 0;
  if (waitpid(pid, &wstatus, 0) != pid || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return InternalError(argv[0] + " " + (argv.size() > 1 ? argv[1] : "") + " failed; see " + log);
  }
  return Status();
}

}  // namespace

std::string ThrowawayPostgres::BinDir() {
  const std::string dir = workload::EnvOrEmpty("CHINOOK_PG_BIN");
  return dir.empty() ? "/usr/lib/postgresql/15/bin" : dir;
}

std::string ThrowawayPostgres::Unusable(bool* skip) {
  *skip = false;
  if (fs::exists(BinDir() + "/initdb")) return "";
  const std::string build = workload::EnvOrEmpty("CHINOOK_BUILD_DIR");
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
  if (port_ == 0) port_ = ::chinook::testing::ClosedPort();
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
  port_ = ::chinook::testing::ClosedPort();
  auto pid = SpawnLogged({"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no"},
                         log);
  if (!pid.ok()) return UnavailableError("cannot start redis-server (is it installed? ci/install-deps.sh)");
  pid_ = *pid;
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

}  // namespace chinook::fault_testing
