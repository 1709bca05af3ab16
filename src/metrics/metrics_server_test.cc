// MetricsServer on loopback: what it answers to a scrape, to other methods and paths, to an
// oversized request and to a client that leaves, and that it closes its port when destroyed.
#include "metrics/metrics_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "testing/loopback_http.h"
#include "testing/status_matchers.h"

namespace chinook::metrics {
namespace {

using ::chinook::testing::ExchangeOnLoopback;
using ::chinook::testing::HttpStatus;

TEST(MetricsServerTest, ServesMetricsAndRefusesEverythingElse) {
  std::atomic<int> scrapes{0};
  auto server = MetricsServer::Start(0, [&scrapes](PrometheusWriter* w) {
    w->Counter("chinook_test_scrapes_total", "Scrapes so far.", {{"k", "v"}}, ++scrapes);
  });
  CHINOOK_ASSERT_OK(server);
  const uint16_t port = (*server)->port();
  ASSERT_NE(port, 0);

  const std::string ok = ExchangeOnLoopback(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(HttpStatus(ok), 200) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain"), std::string::npos) << ok;
  EXPECT_NE(ok.find("\r\n\r\n# HELP "), std::string::npos) << ok;
  EXPECT_NE(ok.find("# TYPE chinook_test_scrapes_total counter\nchinook_test_scrapes_total{k=\"v\"} 1\n"),
            std::string::npos)
      << ok;

  EXPECT_EQ(HttpStatus(ExchangeOnLoopback(port, "POST /metrics HTTP/1.0\r\n\r\n")), 404);
  EXPECT_EQ(HttpStatus(ExchangeOnLoopback(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")), 404);
  // Headers that never end: refused at civetweb's size bound, not read forever.
  const std::string huge = "GET /metrics HTTP/1.0\r\nX-Filler: " + std::string(64 * 1024, 'a');
  const std::string refused = ExchangeOnLoopback(port, huge);
  EXPECT_EQ(HttpStatus(refused), 400) << refused.substr(0, 80);
  // A client that connects and leaves without a request does not stop the next scrape.
  EXPECT_EQ(ExchangeOnLoopback(port, ""), "");
  const std::string again = ExchangeOnLoopback(port, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(again.find("chinook_test_scrapes_total{k=\"v\"} 2\n"), std::string::npos) << again;
  EXPECT_EQ(scrapes.load(), 2) << "only GET /metrics asks for the families";

  server->reset();
  EXPECT_EQ(ExchangeOnLoopback(port, "GET /metrics HTTP/1.0\r\n\r\n"), "") << "the port is closed once stopped";
}

TEST(MetricsServerTest, BusyPortIsAnErrorNamingTheAddress) {
  auto first = MetricsServer::Start(0, [](PrometheusWriter*) {});
  CHINOOK_ASSERT_OK(first);
  auto second = MetricsServer::Start((*first)->port(), [](PrometheusWriter*) {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().ToString().find("127.0.0.1:" + std::to_string((*first)->port())), std::string::npos)
      << second.status().ToString();
}

}  // namespace
}  // namespace chinook::metrics
