// A minimal HTTP/1.0 server for a quick look at /metrics while a tool runs: loopback only
// (127.0.0.1), one blocking connection at a time on its own thread, requests bounded in size and
// time, every connection closed after its response. Not for production serving: a host service
// puts customer::ExportPrometheus behind its own HTTP stack.
//
// Thread safety: Start and the destructor belong to one thread; `body` is called on the server
// thread and must be safe to call concurrently with the caller's work.
#ifndef CHINOOK_TOOLS_PROFILE_METRICS_SERVER_H_
#define CHINOOK_TOOLS_PROFILE_METRICS_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "chinook/status.h"

namespace chinook::profile {

class MetricsServer {
 public:
  // Listens on 127.0.0.1:`port` (0: a free port, see port()) and serves GET /metrics with the
  // text `body` returns. Unavailable when the port cannot be bound.
  [[nodiscard]] static Result<std::unique_ptr<MetricsServer>> Start(uint16_t port, std::function<std::string()> body);

  // Stops accepting, finishes the connection in progress (bounded by the request deadline) and
  // joins the thread.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const { return port_; }
  // Responses sent so far (any status).
  uint64_t responses() const { return responses_.load(std::memory_order_relaxed); }

 private:
  MetricsServer(int listen_fd, uint16_t port, std::function<std::string()> body);
  void Run();
  void Serve(int fd);

  const int listen_fd_;
  const uint16_t port_;
  const std::function<std::string()> body_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> responses_{0};
  std::thread thread_;  // started last, in the constructor
};

}  // namespace chinook::profile

#endif  // CHINOOK_TOOLS_PROFILE_METRICS_SERVER_H_
