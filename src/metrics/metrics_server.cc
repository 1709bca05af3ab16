#include "metrics/metrics_server.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <exception>
#include <string>
#include <vector>

namespace chinook::metrics {
namespace {

// civetweb's request timeout: how long a client gets to send its request, so that a silent or
// stalled one cannot hold a worker thread (or the destructor) for longer.
constexpr const char* kRequestTimeoutMillis = "2000";
// Two workers: a scrape is answered while one silent client waits out its timeout.
constexpr const char* kWorkerThreads = "2";

class FillCollectable : public prometheus::Collectable {
 public:
  explicit FillCollectable(MetricsServer::Fill fill) : fill_(std::move(fill)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    PrometheusWriter writer;
    fill_(&writer);
    return writer.TakeFamilies();
  }

 private:
  const MetricsServer::Fill fill_;
};

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(uint16_t port, Fill fill) {
  const std::string address = "127.0.0.1:" + std::to_string(port);
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(std::vector<std::string>{
        "listening_ports", address, "num_threads", kWorkerThreads, "request_timeout_ms", kRequestTimeoutMillis});
  } catch (const std::exception& e) {
    // civetweb's message ("null context when constructing CivetServer...") names no address.
    return UnavailableError("metrics server: cannot listen on " + address + ": " + e.what());
  }
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) return UnavailableError("metrics server: no listening port on " + address);
  auto collectable = std::make_shared<FillCollectable>(std::move(fill));
  exposer->RegisterCollectable(collectable);
  return std::unique_ptr<MetricsServer>(
      new MetricsServer(std::move(exposer), std::move(collectable), static_cast<uint16_t>(ports.front())));
}

MetricsServer::MetricsServer(std::unique_ptr<prometheus::Exposer> exposer,
                             std::shared_ptr<prometheus::Collectable> collectable, uint16_t port)
    : collectable_(std::move(collectable)), exposer_(std::move(exposer)), port_(port) {}

MetricsServer::~MetricsServer() = default;

}  // namespace chinook::metrics
