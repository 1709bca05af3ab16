#include "testing/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

namespace chinook::testing {
namespace {

int ListenLoopback(int port, int* bound_port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *bound_port = ntohs(addr.sin_port);
  return fd;
}

int ConnectTarget(const ServerAddress& target) {
  if (!target.host.empty() && target.host[0] == '/') {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = target.host + "/.s.PGSQL." + std::to_string(target.port);
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(target.host.c_str(), std::to_string(target.port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  return fd;
}

}  // namespace

SilentListener::SilentListener() { fd_ = ListenLoopback(0, &port_); }
SilentListener::~SilentListener() {
  if (fd_ >= 0) close(fd_);
}

int ClosedPort() {
  int port = 0;
  const int fd = ListenLoopback(0, &port);
  close(fd);  // nothing listens there now; the kernel will not hand it out again at once
  return port;
}

TcpProxy::TcpProxy(ServerAddress target) : target_(std::move(target)) {}

TcpProxy::~TcpProxy() { Stop(); }

Status TcpProxy::Start() {
  if (thread_.joinable()) return Status::Ok();
  int bound = 0;
  for (int attempt = 0; attempt < 50 && listen_fd_ < 0; ++attempt) {
    listen_fd_ = ListenLoopback(port_, &bound);
    // The old port may linger briefly in the kernel after Stop; try again.
    if (listen_fd_ < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (listen_fd_ < 0) return UnavailableError("proxy: cannot listen: " + std::string(std::strerror(errno)));
  port_ = bound;
  if (pipe2(wake_pipe_, O_CLOEXEC) != 0) return InternalError("proxy: pipe");
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void TcpProxy::Stop() {
  if (!thread_.joinable()) return;
  (void)!write(wake_pipe_[1], "x", 1);
  thread_.join();
  close(wake_pipe_[0]);
  close(wake_pipe_[1]);
  close(listen_fd_);
  listen_fd_ = -1;
}

void TcpProxy::Run() {
  struct Link {
    int client;
    int server;
  };
  std::vector<Link> links;
  char buf[64 * 1024];
  for (;;) {
    std::vector<pollfd> fds = {{wake_pipe_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const Link& l : links) {
      const short ev = black_hole_ ? 0 : POLLIN;
      fds.push_back({l.client, ev, 0});
      fds.push_back({l.server, ev, 0});
    }
    if (poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) break;
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        const int server = ConnectTarget(target_);
        if (server < 0) {
          close(client);
        } else {
          links.push_back({client, server});
        }
      }
    }
    // Only the links polled above; one accepted just now waits for the next round.
    const size_t polled = (fds.size() - 2) / 2;
    std::vector<Link> alive(links.begin() + polled, links.end());
    for (size_t i = 0; i < polled; ++i) {
      bool open = true;
      for (int side = 0; side < 2 && open; ++side) {
        const pollfd& p = fds[2 + 2 * i + side];
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const int from = side == 0 ? links[i].client : links[i].server;
        const int to = side == 0 ? links[i].server : links[i].client;
        const ssize_t n = read(from, buf, sizeof buf);
        if (n <= 0) {
          open = false;
          break;
        }
        for (ssize_t off = 0; off < n;) {
          const ssize_t w = write(to, buf + off, n - off);
          if (w <= 0) {
            open = false;
            break;
          }
          off += w;
        }
      }
      if (open) {
        alive.push_back(links[i]);
      } else {
        close(links[i].client);
        close(links[i].server);
      }
    }
    links.swap(alive);
  }
  for (const Link& l : links) {
    close(l.client);
    close(l.server);
  }
}

}  // namespace chinook::testing
