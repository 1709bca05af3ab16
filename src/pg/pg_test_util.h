// Test support for code that talks to PostgreSQL (compiled into chinook-tests only).
//
//   UniqueSchema      a schema name no other test process uses, so tests may run in parallel
//                     against one database (CTest -j) and clean up after themselves.
//   AdminExec         runs SQL on a fresh connection of its own (dropping schemas, terminating
//                     backends) outside any pool under test.
//   TcpProxy          a loopback TCP forwarder in front of the real server that a test can stop
//                     (server down), restart (server restarted: every connection cut) or turn into
//                     a black hole (server hung). It works whatever CHINOOK_PG_DSN points at.
//
// Thread safety: TcpProxy's methods may be called from any thread; the rest are functions.
#ifndef CHINOOK_PG_PG_TEST_UTIL_H_
#define CHINOOK_PG_PG_TEST_UTIL_H_

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "chinook/status.h"

namespace chinook::pg::testing {

// "<prefix>_<pid>_<counter>_<random>", a valid lower-case identifier.
std::string UniqueSchema(std::string_view prefix);

// Runs `sql` (simple protocol) on a new connection; returns the first column of the first row
// of the last result ("" when none).
[[nodiscard]] Result<std::string> AdminExec(const std::string& dsn, const std::string& sql);

// `dsn` with host and port replaced (other settings kept), as a key=value string.
[[nodiscard]] Result<std::string> WithHostPort(const std::string& dsn, const std::string& host, int port);

// The server address `dsn` names: host (or unix socket directory) and port.
struct ServerAddress {
  std::string host = "localhost";
  int port = 5432;
};
[[nodiscard]] Result<ServerAddress> ServerOf(const std::string& dsn);

// A socket bound to 127.0.0.1 and listening, but never accepted or answered: connections to it
// complete the TCP handshake and then hear nothing, as with a hung server.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A free loopback port with nothing listening on it (connections are refused).
int ClosedPort();

class TcpProxy {
 public:
  explicit TcpProxy(ServerAddress target);
  ~TcpProxy();

  // Listens on 127.0.0.1 (on the same port as before after a Stop) and forwards.
  [[nodiscard]] Status Start();
  // Closes the listener and every forwarded connection, like a server going away.
  void Stop();
  // While on, new connections are accepted but nothing is forwarded either way.
  void SetBlackHole(bool on) { black_hole_ = on; }
  int port() const { return port_; }

 private:
  void Run();

  const ServerAddress target_;
  int port_ = 0;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  std::atomic<bool> black_hole_{false};
  std::thread thread_;
};

}  // namespace chinook::pg::testing

#endif  // CHINOOK_PG_PG_TEST_UTIL_H_
