// MetricsServer on loopback: what it answers to a scrape, to other methods and paths, to an
// oversized request, and that it closes its port when destroyed.
#include "metrics_server.h"
#include "testing/loopback_http.h"
#include "testing/status_matchers.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace chinook::profile {
namespace {

std::string Exchange(uint16_t port, const std::string& request) {
  return ::chinook::testing::ExchangeOnLoopback(port, request);
}

TEST(MetricsServerTest, ServesMetricsAndRefusesEverythingElse) {
  int scrapes = 0;
  auto server = MetricsServer::Start(0, [&scrapes] { return "up " + std::to_string(++scrapes) + "\n"; });
  CHINOOK_ASSERT_OK(server);
  const uint16_t port = (*server)->port();
  ASSERT_NE(port, 0);

  const std::string ok = Exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << ok;
  EXPECT_NE(ok.find("Content-Length: 5\r\n"), std::string::npos) << ok;
  EXPECT_EQ(ok.substr(ok.size() - 5), "up 1\n");

  const std::string head = Exchange(port, "HEAD /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << "HEAD has no body";

  EXPECT_EQ(Exchange(port, "POST /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 405", 0), 0u);
  EXPECT_EQ(Exchange(port, "GET / HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 404", 0), 0u);
  // Headers that never end: cut off at the size bound, not read forever.
  const std::string huge = "GET /metrics HTTP/1.0\r\nX-Filler: " + std::string(64 * 1024, 'a');
  EXPECT_EQ(Exchange(port, huge).rfind("HTTP/1.0 431", 0), 0u);
  // A client that connects and leaves without a request does not stop the next scrape.
  EXPECT_EQ(Exchange(port, ""), "");
  EXPECT_EQ(Exchange(port, "GET /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 200 OK", 0), 0u);
  EXPECT_EQ(scrapes, 3);  // GET, HEAD, GET: only /metrics asks for the body

  server->reset();
  EXPECT_EQ(Exchange(port, "GET /metrics HTTP/1.0\r\n\r\n"), "") << "the port is closed once stopped";
}

TEST(MetricsServerTest, BusyPortIsAnError) {
  auto first = MetricsServer::Start(0, [] { return std::string(); });
  ASSERT_TRUE(first.ok());
  auto second = MetricsServer::Start((*first)->port(), [] { return std::string(); });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().ToString().find("127.0.0.1:" + std::to_string((*first)->port())), std::string::npos)
      << second.status().ToString();
}

}  // namespace
}  // namespace chinook::profile
