#include "metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace chinook::profile {
namespace {

// A GET request line and a few headers fit easily; anything larger is not a scrape.
constexpr size_t kMaxRequestBytes = 8 * 1024;
// A client gets this long to send its request (and to take the response), so a silent or stalled
// one cannot hold the only thread.
constexpr std::chrono::milliseconds kRequestDeadline(2000);
// How often the accept loop looks at the stop flag.
constexpr int kAcceptPollMillis = 100;

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; nothing to tell it
    sent += static_cast<size_t>(n);
  }
}

std::string Response(const char* status, const char* content_type, const std::string& body) {
  std::string r = std::string("HTTP/1.0 ") + status + "\r\nContent-Type: " + content_type +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return r + body;
}

// Ends our side and reads what the client still sends (briefly, boundedly) before the close:
// closing a socket with unread input sends a reset, which can destroy the response in flight
// (the 431 answer to an oversized request, say).
void Drain(int fd) {
  constexpr size_t kMaxDrainBytes = 1 << 20;
  constexpr int kDrainMillis = 200;
  shutdown(fd, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kDrainMillis);
  char buf[4096];
  size_t drained = 0;
  while (drained < kMaxDrainBytes) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    drained += static_cast<size_t>(n);
  }
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(uint16_t port, std::function<std::string()> body) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return UnavailableError(std::string("metrics server: socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 16) != 0) {
    const std::string reason = std::strerror(errno);
    close(fd);
    return UnavailableError("metrics server: cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + reason);
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return std::unique_ptr<MetricsServer>(new MetricsServer(fd, ntohs(addr.sin_port), std::move(body)));
}

MetricsServer::MetricsServer(int listen_fd, uint16_t port, std::function<std::string()> body)
    : listen_fd_(listen_fd), port_(port), body_(std::move(body)), thread_([this] { Run(); }) {}

MetricsServer::~MetricsServer() {
  stop_.store(true);
  thread_.join();
  close(listen_fd_);
}

void MetricsServer::Run() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, kAcceptPollMillis) <= 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // A client that stops reading cannot hold the thread (and the destructor) past the deadline.
    const timeval send_timeout{kRequestDeadline.count() / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
    Serve(fd);
    Drain(fd);
    close(fd);
    responses_.fetch_add(1, std::memory_order_relaxed);
  }
}

void MetricsServer::Serve(int fd) {
  std::string request;
  const auto deadline = std::chrono::steady_clock::now() + kRequestDeadline;
  char buf[1024];
  while (request.find("\r\n\r\n") == std::string::npos && request.find("\n\n") == std::string::npos) {
    if (request.size() > kMaxRequestBytes) {
      return SendAll(fd, Response("431 Request Header Fields Too Large", "text/plain", "request too large\n"));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return SendAll(fd, Response("408 Request Timeout", "text/plain", "no complete request within 2 s\n"));
    }
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // closed before a full request: nobody to answer
    request.append(buf, static_cast<size_t>(n));
  }
  const std::string line = request.substr(0, request.find_first_of("\r\n"));
  if (line.rfind("GET ", 0) != 0 && line.rfind("HEAD ", 0) != 0) {
    return SendAll(fd, Response("405 Method Not Allowed", "text/plain", "only GET /metrics\n"));
  }
  const size_t path_start = line.find(' ') + 1;
  const std::string path = line.substr(path_start, line.find(' ', path_start) - path_start);
  if (path != "/metrics" && path.rfind("/metrics?", 0) != 0) {
    return SendAll(fd, Response("404 Not Found", "text/plain", "only /metrics is served here\n"));
  }
  std::string response = Response("200 OK", "text/plain; version=0.0.4; charset=utf-8", body_());
  if (line.rfind("HEAD ", 0) == 0) response.resize(response.find("\r\n\r\n") + 4);
  SendAll(fd, response);
}

}  // namespace chinook::profile
