// Fault drills of the tools (issue 11): chinook-profile and chinook-soak run as processes against
// a PostgreSQL cluster and a redis-server that the test owns (tests/fault_servers.h), and the test
// kills Redis and crashes PostgreSQL for ~3 s while they run, or crashes it for good. What must
// hold, from the outside: the documented exit status; failed attempts, retries and Redis errors
// counted in the JSON report and on /metrics; no recommendation blaming the L1 size or TTL for
// misses Redis's absence caused; and nothing left behind: no schema in pg_namespace, no process
// in the tool's process group, no file in its TMPDIR or beside its profiles. When the server never
// comes back, the tool stops with a partial report and names the schema it left and the command
// that drops it. The 15 s outages are for ci/fault_drill.sh, not for make test.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <regex>
#include <string>
#include <thread>

#include "fault_servers.h"
#include "pg/pg_test_util.h"
#include "testing/loopback_http.h"
#include "testing/subprocess.h"

namespace chinook {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using fault_testing::OwnRedis;
using fault_testing::ThrowawayPostgres;
using ::chinook::testing::ToolProcess;

// The first `"key": <integer>` of a JSON text, or -1.
long long JsonInt(const std::string& json, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + key + "\": (-?[0-9]+)"))) return -1;
  return std::stoll(m[1]);
}
bool JsonTrue(const std::string& json, const std::string& key) {
  return json.find("\"" + key + "\": true") != std::string::npos;
}

// The value of the Prometheus sample `series` (name with labels, as written), or -1.
double SampleValue(const std::string& text, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  const size_t at = ("\n" + text).find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size() - 1));
}

// Polls `pred` every 20 ms until it holds or the deadline passes; whether it held.
template <typename Pred>
bool WaitFor(Pred pred, SteadyClock::time_point deadline) {
  while (!pred()) {
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// A directory of the test's own with `profile/` and `tmp/` (the tool's TMPDIR).
class DrillDir {
 public:
  DrillDir() {
    char tmpl[] = "/tmp/chinook-drill-test.XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
    fs::create_directories(path_ + "/profile");
    fs::create_directories(path_ + "/tmp");
  }
  ~DrillDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  // Files the tool left: anything in its TMPDIR, anything beside the CPU profiles.
  std::vector<std::string> Leftovers() const {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(path_ + "/tmp")) out.push_back(e.path().string());
    for (const auto& e : fs::directory_iterator(path_ + "/profile")) {
      if (e.path().extension() != ".prof") out.push_back(e.path().string());
    }
    return out;
  }

 private:
  std::string path_;
};

// Scrapes the tool's /metrics (its port read from its stderr) every 100 ms while it runs and
// keeps the last answer.
class MetricsScraper {
 public:
  explicit MetricsScraper(ToolProcess* tool) : tool_(tool), thread_([this] { Loop(); }) {}
  ~MetricsScraper() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::string Last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

 private:
  void Loop() {
    int port = 0;
    while (!stop_) {
      if (port == 0) {
        std::smatch m;
        const std::string err = tool_->Stderr();
        if (std::regex_search(err, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)/metrics"))) port = std::stoi(m[1]);
      } else if (std::string r = ::chinook::testing::HttpGet(port, "/metrics"); ::chinook::testing::HttpStatus(r) == 200) {
        std::lock_guard<std::mutex> lock(mu_);
        last_ = r.substr(r.find("\r\n\r\n") + 4);
      }
      std::this_thread::sleep_for(100ms);
    }
  }

  ToolProcess* const tool_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string last_;  // GUARDED_BY(mu_)
  std::thread thread_;
};

class ToolFaultDrill : public ::testing::Test {
 protected:
  void SetUp() override {
    bool skip = false;
    if (const std::string why = ThrowawayPostgres::Unusable(&skip); !why.empty()) {
      if (skip) GTEST_SKIP() << why;
      FAIL() << why;
    }
    ASSERT_TRUE(pg_.Init().ok()) << "initdb failed; see " << pg_.log();
    ASSERT_TRUE(pg_.Start().ok()) << "the throwaway server did not start; see " << pg_.log();
    ASSERT_TRUE(redis_.Start(dir_.path() + "/redis.log").ok()) << "see " << dir_.path() << "/redis.log";
  }

  std::map<std::string, std::string> Env() const {
    return {{"CHINOOK_PG_DSN", pg_.dsn()},
            {"CHINOOK_REDIS_URL", redis_.url()},
            {"CHINOOK_REDIS_NODES", redis_.url()},
            {"TMPDIR", dir_.path() + "/tmp"}};
  }
  // Rows of `schema`.customers, or -1 before the table exists or while the server is away.
  long long Rows(const std::string& schema) const {
    auto n = pg::testing::AdminExec(pg_.dsn(), "SELECT count(*) FROM \"" + schema + "\".customers");
    return n.ok() ? std::stoll(*n) : -1;
  }
  long long SchemasNamed(const std::string& schema) const {
    auto n = pg::testing::AdminExec(pg_.dsn(), "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'");
    return n.ok() ? std::stoll(*n) : -1;
  }
  // What a drill that cleaned up leaves: its schema dropped (reported and true), no process of its
  // group running, no file in its directory.
  void ExpectNothingLeftBehind(const std::string& report, const std::string& schema, const ToolProcess& tool) {
    EXPECT_TRUE(JsonTrue(report, "schema_dropped")) << report;
    EXPECT_EQ(SchemasNamed(schema), 0) << "the run's schema is still there";
    EXPECT_EQ(tool.processes_left(), 0);
    EXPECT_EQ(dir_.Leftovers(), std::vector<std::string>{});
  }
  // The PostgreSQL outage of the drills: a crash, 3 s away, a restart on the same port.
  void RestartAfterThreeSeconds() {
    ASSERT_TRUE(pg_.Crash().ok()) << "see " << pg_.log();
    std::this_thread::sleep_for(3s);
    ASSERT_TRUE(pg_.Start().ok()) << "restart failed; see " << pg_.log();
  }

  // What a ride-through drill ends with: the tool's exit status, its JSON report and stderr, and
  // the last /metrics answer scraped before it exited.
  struct Outcome {
    int code = -1;
    std::string report;
    std::string stderr_text;
    std::string metrics;
  };
  // The second half of every ride-through drill, once Redis is gone and the tool has gone on:
  // the 3 s PostgreSQL outage, then the tool's end and the scraping stopped.
  Outcome RestartThenAwaitTheEnd(ToolProcess& tool, MetricsScraper& scraper) {
    RestartAfterThreeSeconds();
    Outcome out;
    out.code = tool.Wait(SteadyClock::now() + 45s);  // a guard against a hang, not a timing
    scraper.Stop();
    out.report = tool.Stdout();
    out.stderr_text = tool.Stderr();
    out.metrics = scraper.Last();
    return out;
  }
  // What every ride-through drill must show: exit 0, complete, no operation failed for good, and
  // the crash and Redis's absence counted, retried and recovered from, in the report and on
  // /metrics alike.
  static void ExpectRodeThrough(const Outcome& out) {
    const std::string& report = out.report;
    EXPECT_EQ(out.code, 0) << out.stderr_text << report;
    EXPECT_TRUE(JsonTrue(report, "completed")) << report;
    EXPECT_EQ(JsonInt(report, "failed_operations"), 0) << report;
    EXPECT_GT(JsonInt(report, "db_failed_attempts"), 0) << "the crash was not seen:\n" << report;
    EXPECT_GT(JsonInt(report, "recovered"), 0) << report;
    EXPECT_GT(JsonInt(report, "redis_errors"), 0) << report;

    const std::string& metrics = out.metrics;
    ASSERT_FALSE(metrics.empty()) << "no /metrics answer was scraped\n" << out.stderr_text;
    EXPECT_GT(SampleValue(metrics, "chinook_customer_redis_errors_total"), 0) << metrics;
    EXPECT_GT(SampleValue(metrics, "chinook_run_db_failed_attempts_total"), 0) << metrics;
    EXPECT_GT(SampleValue(metrics, "chinook_run_db_retries_total"), 0) << metrics;
  }

  DrillDir dir_;
  ThrowawayPostgres pg_;
  OwnRedis redis_;
};

TEST_F(ToolFaultDrill, ProfileRidesThroughRedisKilledAndPostgresDownThreeSecondsAndLeavesNothing) {
  ToolProcess tool;
  ASSERT_TRUE(tool.Start({CHINOOK_PROFILE_BINARY, "--iterations", "1500", "--batch-size", "5", "--json", "--serve",
                          "0", "--serve-linger", "1", "--profile-dir", dir_.path() + "/profile", "--retry-for", "20",
                          "--cleanup-timeout", "20"},
                         Env(), dir_.path())
                  .ok());
  MetricsScraper scraper(&tool);
  const std::string schema = "chinook_profile_" + std::to_string(tool.pid());
  ASSERT_TRUE(WaitFor([&] { return Rows(schema) >= 100; }, SteadyClock::now() + 15s)) << tool.Stderr();
  redis_.Kill();  // every Redis the tool knows: it is the only one
  ASSERT_TRUE(WaitFor([&] { return Rows(schema) >= 300; }, SteadyClock::now() + 15s)) << tool.Stderr();
  const Outcome out = RestartThenAwaitTheEnd(tool, scraper);
  const std::string& report = out.report;

  // Exit 0: complete, every operation succeeded in the end (the outage was retried away).
  ASSERT_NO_FATAL_FAILURE(ExpectRodeThrough(out));
  EXPECT_GT(JsonInt(report, "db_retries"), 0) << report;
  EXPECT_GT(JsonInt(report, "l1_bypassed"), 0) << report;
  // The reads' misses are Redis's absence: said so, and the L1 size and TTL are not blamed.
  EXPECT_NE(report.find("\"metric\": \"redis_unavailable\""), std::string::npos) << report;
  EXPECT_EQ(report.find("\"metric\": \"cache_hit_rate\""), std::string::npos) << report;
  EXPECT_EQ(report.find("larger L1"), std::string::npos) << report;
  EXPECT_NE(report.find("\"metric\": \"database_faults\""), std::string::npos) << report;

  const std::string& metrics = out.metrics;
  EXPECT_EQ(SampleValue(metrics, "chinook_customer_l1_coherent"), 0) << metrics;
  EXPECT_EQ(SampleValue(metrics, "chinook_run_db_failed_operations_total"), 0) << metrics;
  EXPECT_GT(SampleValue(metrics, "chinook_pg_pool_connect_failures_total"), 0) << metrics;

  ExpectNothingLeftBehind(report, schema, tool);
}

TEST_F(ToolFaultDrill, SoakRidesThroughRedisKilledAndPostgresDownThreeSecondsAndLeavesNothing) {
  ToolProcess tool;
  ASSERT_TRUE(tool.Start({CHINOOK_SOAK_BINARY, "--threads", "2", "--ops", "100000000", "--seconds", "10", "--warmup",
                          "1000", "--max-rss-slope", "1e15", "--interval-ms", "50", "--json", "--serve", "0",
                          "--retry-for", "20", "--cleanup-timeout", "20"},
                         Env(), dir_.path())
                  .ok());
  MetricsScraper scraper(&tool);
  const std::string schema = "chinook_soak_" + std::to_string(tool.pid());
  const auto ops = [&] { return SampleValue(scraper.Last(), "chinook_run_db_operations_total"); };
  ASSERT_TRUE(WaitFor([&] { return ops() >= 2000; }, SteadyClock::now() + 15s)) << tool.Stderr();
  redis_.Kill();
  const double before_crash = ops() + 1000;
  ASSERT_TRUE(WaitFor([&] { return ops() >= before_crash; }, SteadyClock::now() + 15s)) << tool.Stderr();
  const Outcome out = RestartThenAwaitTheEnd(tool, scraper);

  // Exit 0: the run went on until its time limit, no operation failed for good, memory bound met.
  ASSERT_NO_FATAL_FAILURE(ExpectRodeThrough(out));
  EXPECT_TRUE(JsonTrue(out.report, "ended_by_time_limit")) << out.report;
  EXPECT_GT(JsonInt(out.report, "ops_done"), before_crash) << "operations did not resume after the restart";

  ExpectNothingLeftBehind(out.report, schema, tool);
}

TEST_F(ToolFaultDrill, ProfileStopsWithAPartialReportAndNamesTheSchemaWhenPostgresStaysAway) {
  ToolProcess tool;
  ASSERT_TRUE(tool.Start({CHINOOK_PROFILE_BINARY, "--iterations", "100000", "--batch-size", "5", "--json",
                          "--profile-dir", dir_.path() + "/profile", "--retry-for", "2", "--cleanup-timeout", "2"},
                         Env(), dir_.path())
                  .ok());
  const std::string schema = "chinook_profile_" + std::to_string(tool.pid());
  ASSERT_TRUE(WaitFor([&] { return Rows(schema) >= 50; }, SteadyClock::now() + 15s)) << tool.Stderr();
  ASSERT_TRUE(pg_.Crash().ok()) << "see " << pg_.log();
  const int code = tool.Wait(SteadyClock::now() + 45s);  // a guard against a hang, not a timing
  const std::string report = tool.Stdout();
  const std::string stderr_text = tool.Stderr();

  // Exit 1: stopped early, with the report of what was done and what was left.
  EXPECT_EQ(code, 1) << stderr_text << report;
  EXPECT_NE(report.find("\"completed\": false"), std::string::npos) << report;
  EXPECT_NE(report.find("still failing after"), std::string::npos) << report;
  EXPECT_NE(report.find("\"name\": \"Create\""), std::string::npos) << "no partial figures:\n" << report;
  EXPECT_GT(JsonInt(report, "gave_up"), 0) << report;
  EXPECT_NE(report.find("\"schema_dropped\": false"), std::string::npos) << report;
  const std::string drop = "DROP SCHEMA IF EXISTS \\\"" + schema + "\\\" CASCADE";  // as escaped in JSON
  EXPECT_NE(report.find(drop), std::string::npos) << report;
  EXPECT_NE(stderr_text.find("left schema \"" + schema + "\""), std::string::npos) << stderr_text;
  EXPECT_NE(stderr_text.find("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE"), std::string::npos) << stderr_text;
  EXPECT_EQ(tool.processes_left(), 0);
  EXPECT_EQ(dir_.Leftovers(), std::vector<std::string>{});

  // What it said it left is there, and the command it gave removes it.
  ASSERT_TRUE(pg_.Start().ok()) << "see " << pg_.log();
  EXPECT_EQ(SchemasNamed(schema), 1);
  ASSERT_TRUE(pg::testing::AdminExec(pg_.dsn(), "DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE").ok());
  EXPECT_EQ(SchemasNamed(schema), 0);
}

}  // namespace
}  // namespace chinook
