// Servers a test owns, so that it may crash or kill them without disturbing tests running in
// parallel on the shared servers of ci/services.sh, and tool processes a test starts and watches.
// Test-only (linked into chinook-tests).
//
//   ThrowawayPostgres  initdb into a temporary directory, own port, fsync off; Crash() is
//                      pg_ctl -m immediate, Start() again reuses the port. As root every command
//                      runs as the 'postgres' user (PostgreSQL refuses root), as ci/services.sh.
//   OwnRedis           a foreground redis-server on a free port; Kill() is SIGKILL.
// The tool processes the tests start and watch are testing/subprocess.h's ToolProcess.
//
// Thread safety: none of these is thread-safe; use each from one thread.
#ifndef CHINOOK_TESTS_FAULT_SERVERS_H_
#define CHINOOK_TESTS_FAULT_SERVERS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "cache/redis_client.h"
#include "chinook/status.h"

namespace chinook::fault_testing {

class ThrowawayPostgres {
 public:
  // The server binaries: CHINOOK_PG_BIN, default that of ci/services.sh.
  static std::string BinDir();
  // "" when the tests can use a cluster of their own, else why not; `skip` is set when the
  // reason is an external server without local binaries (a skip), clear when it is a failure.
  static std::string Unusable(bool* skip);

  ~ThrowawayPostgres();
  Status Init();
  // Starts the server; on a port of its own the first time, on the same port afterwards.
  Status Start();
  // Kills the server the way a crash does: no checkpoint, connections cut.
  Status Crash();

  std::string dsn() const;
  std::string log() const { return dir_ + "/ctl.log"; }

 private:
  Status Ctl(std::vector<std::string> args);

  std::string dir_;
  int port_ = 0;
};

// A redis-server of the test's own, run in the foreground so that its pid is ours to kill.
class OwnRedis {
 public:
  ~OwnRedis() { Kill(); }
  Status Start(const std::string& log);
  void Kill();
  cache::RedisEndpoint endpoint() const;
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace chinook::fault_testing

#endif  // CHINOOK_TESTS_FAULT_SERVERS_H_
