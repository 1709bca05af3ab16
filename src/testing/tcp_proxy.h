// Network faults for tests, in front of any TCP server (PostgreSQL, Redis) and compiled into
// chinook-tests only:
//
//   TcpProxy          a loopback TCP forwarder in front of the real server that a test can stop
//                     (server down), restart (server restarted: every connection cut) or turn into
//                     a black hole (server hung).
//   SilentListener    a port that accepts connections and never answers (a hung server).
//   ClosedPort        a port nothing listens on (a server that is not there).
//
// Thread safety: TcpProxy's methods may be called from any thread; the rest are functions.
#ifndef CHINOOK_SRC_TESTING_TCP_PROXY_H_
#define CHINOOK_SRC_TESTING_TCP_PROXY_H_

#include <atomic>
#include <string>
#include <thread>

#include "chinook/status.h"

namespace chinook::testing {

// Where a server listens: a host name or address, or (PostgreSQL) a unix socket directory, which
// starts with '/'.
struct ServerAddress {
  std::string host = "localhost";
  int port = 5432;
};

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

}  // namespace chinook::testing

#endif  // CHINOOK_SRC_TESTING_TCP_PROXY_H_
