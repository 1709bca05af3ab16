// Serves GET /metrics on loopback (127.0.0.1) while a tool runs, on prometheus-cpp's Exposer
// (civetweb underneath): two worker threads, requests bounded in header size (civetweb answers
// 400) and in time (a client that sends nothing is cut off after 2 s), other paths and methods
// answered 404. Each scrape calls `fill` for a fresh set of families; the Exposer adds its own
// exposer_* families (scrapes, bytes, request latency).
//
// Thread safety: Start and the destructor belong to one thread; `fill` is called on the server's
// threads, possibly two at once, and must be safe to call concurrently with the caller's work.
#ifndef CHINOOK_METRICS_METRICS_SERVER_H_
#define CHINOOK_METRICS_METRICS_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "chinook/status.h"
#include "metrics/prometheus.h"

namespace prometheus {
class Exposer;
class Collectable;
}  // namespace prometheus

namespace chinook::metrics {

class MetricsServer {
 public:
  using Fill = std::function<void(PrometheusWriter*)>;

  // Listens on 127.0.0.1:`port` (0: a free port, see port()). Unavailable, naming the address,
  // when the port cannot be bound.
  [[nodiscard]] static Result<std::unique_ptr<MetricsServer>> Start(uint16_t port, Fill fill);

  // Stops listening and joins the server's threads, after the requests in progress.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const { return port_; }

 private:
  MetricsServer(std::unique_ptr<prometheus::Exposer> exposer, std::shared_ptr<prometheus::Collectable> collectable,
                uint16_t port);

  // Held here: the Exposer keeps only a weak_ptr to it. Declared first, so destroyed after the
  // Exposer's threads have stopped.
  std::shared_ptr<prometheus::Collectable> collectable_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  uint16_t port_;
};

}  // namespace chinook::metrics

#endif  // CHINOOK_METRICS_METRICS_SERVER_H_
