#include "metrics_server.h"

#include <httplib.h>

#include <chrono>
#include <utility>

namespace chinook::profile {
namespace {

// A client gets this long to send its request (and to take the response), so a silent or stalled
// one cannot hold the only worker.
constexpr int kRequestDeadlineSeconds = 2;

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(uint16_t port, std::function<std::string()> body) {
  auto server = std::make_unique<httplib::Server>();
  // One worker, as a scrape endpoint needs: a second scrape waits for the first.
  server->new_task_queue = [] { return new httplib::ThreadPool(1); };
  server->set_keep_alive_max_count(1);  // one request per connection: every response closes
  server->set_read_timeout(kRequestDeadlineSeconds, 0);
  server->set_write_timeout(kRequestDeadlineSeconds, 0);
  server->set_payload_max_length(0);  // a scrape has no body
  // Only GET (and HEAD, which httplib answers from the GET handler without the body).
  server->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
    res.status = 405;
    res.set_content("only GET /metrics\n", "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  });
  server->Get("/metrics", [body = std::move(body)](const httplib::Request&, httplib::Response& res) {
    res.set_content(body(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404) res.set_content("only /metrics is served here\n", "text/plain");
  });
  const int bound_port = port == 0 ? server->bind_to_any_port("127.0.0.1")
                                    : (server->bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound_port <= 0) return UnavailableError("metrics server: cannot listen on 127.0.0.1:" + std::to_string(port));
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(server), static_cast<uint16_t>(bound_port)));
}

MetricsServer::MetricsServer(std::unique_ptr<httplib::Server> server, uint16_t port)
    : server_(std::move(server)), port_(port) {
  // httplib calls its logger once per answered request, whatever the status.
  server_->set_logger([this](const httplib::Request&, const httplib::Response&) {
    responses_.fetch_add(1, std::memory_order_relaxed);
  });
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_returned_.store(true);
  });
}

MetricsServer::~MetricsServer() {
  // httplib's stop() only acts on a running accept loop: wait until the thread has entered it (or
  // left it, after an error), so that a server destroyed right after Start cannot keep running.
  while (!server_->is_running() && !listen_returned_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_->stop();
  thread_.join();
}

}  // namespace chinook::profile
