// chinook-profile run as a subprocess against the test servers: the JSON report, the /metrics
// endpoint while it runs, and the error for a missing service variable.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <utility>
#include <thread>

#include "testing/loopback_http.h"
#include "testing/subprocess.h"
#include "testing/service_env.h"
#include "testing/subprocess.h"
#include "testing/tcp_proxy.h"

namespace {

using ToolRun = ::chinook::testing::CommandRun;

// Runs `<prefix>chinook-profile <args>` through the shell (the prefix may be another command that
// takes the binary as an argument).
ToolRun RunTool(const std::string& args, const std::string& prefix = "") {
  return ::chinook::testing::RunCommand(prefix + CHINOOK_PROFILE_BINARY + " " + args);
}

std::string TempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

using ::chinook::testing::HttpGet;

TEST(ProfileToolTest, JsonReportHasEveryOperationAndProfiles) {
  CHINOOK_REQUIRE_ENV(dsn, chinook::workload::kPgDsnVar);
  CHINOOK_REQUIRE_ENV(redis, chinook::workload::kRedisUrlVar);
  const std::string dir = TempDir("chinook-profile-json");
  const ToolRun run = RunTool("--iterations 30 --batch-size 5 --json --profile-dir " + dir);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const char* op : {"Create", "Batch Create", "Query Single", "Query Batch", "Protobuf Serialization",
                         "Memory Allocation"}) {
    const std::regex entry("\"name\": \"" + std::string(op) +
                           "\", \"iterations\": 30, [^}]*\"ops_per_sec\": ([0-9.e+]+), \"allocs_per_op\": ([0-9.e+]+)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(run.output, m, entry)) << op << "\n" << run.output;
    EXPECT_GT(std::stod(m[1]), 0) << op;
#ifndef CHINOOK_SANITIZE_BUILD  // a sanitizer's malloc has no jemalloc counters
    EXPECT_GT(std::stod(m[2]), 0) << op << ": every operation allocates (jemalloc counters on)";
#endif
  }
#ifndef CHINOOK_SANITIZE_BUILD
  EXPECT_NE(run.output.find("\"jemalloc\": true"), std::string::npos) << run.output;
#else
  EXPECT_NE(run.output.find("\"jemalloc\": false"), std::string::npos) << run.output;
#endif
  // Query Batch draws from 180 customers of which at most the 30 Query Single read are cached,
  // so its hit rate is far below 80%: the recommendation must name it with the measured figure.
  std::smatch measured;
  ASSERT_TRUE(std::regex_search(run.output, measured,
                                std::regex("\"name\": \"Query Batch\"[^}]*\"cache_hit_rate\": ([0-9.e+-]+)")))
      << run.output;
  EXPECT_LT(std::stod(measured[1]), 0.8);
  const std::string recs = run.output.substr(run.output.find("\"recommendations\": ["));
  std::smatch rec;
  ASSERT_TRUE(std::regex_search(recs, rec,
                                std::regex("\\{\"operation\": \"Query Batch\", \"metric\": \"cache_hit_rate\", "
                                           "\"value\": ([0-9.e+-]+), \"threshold\": 0.8, \"message\": \"([^\"]*)\"")))
      << recs;
  EXPECT_EQ(rec[1].str(), measured[1].str());
  EXPECT_NE(rec[2].str().find("Query Batch: cache hit rate"), std::string::npos) << rec[2];
  for (const char* stem : {"create", "batch_create", "query_single", "query_batch"}) {
    const auto file = std::filesystem::path(dir) / (std::string(stem) + ".prof");
    EXPECT_TRUE(std::filesystem::exists(file)) << file;
  }
  // The CPU profiles are pprof's format: google-pprof reads one (it exits 1 on a file that is not;
  // a run this short may hold no samples, which it prints as an empty table).
  const ToolRun pprof = RunTool(dir + "/batch_create.prof 2>&1", "google-pprof --text ");
  EXPECT_EQ(pprof.exit_code, 0) << pprof.output;
  std::filesystem::remove_all(dir);
}

TEST(ProfileToolTest, ServesMetricsOnLoopbackWhileRunning) {
  CHINOOK_REQUIRE_ENV(dsn, chinook::workload::kPgDsnVar);
  CHINOOK_REQUIRE_ENV(redis, chinook::workload::kRedisUrlVar);
  const std::string dir = TempDir("chinook-profile-serve");
  const std::string out = TempDir("chinook-profile-serve-out");
  std::filesystem::create_directories(out);
  ::chinook::testing::ToolProcess tool;
  ASSERT_TRUE(tool.Start({CHINOOK_PROFILE_BINARY, "--iterations", "20", "--batch-size", "5", "--json", "--serve", "0",
                          "--serve-linger", "1", "--profile-dir", dir},
                         {}, out)
                  .ok());
  // The tool names its /metrics address once it listens; it serves while it runs and lingers 1 s.
  int port = 0;
  const std::regex address("http://127\\.0\\.0\\.1:([0-9]+)/metrics");
  for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       port == 0 && tool.Running() && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(5))) {
    std::smatch m;
    const std::string printed = tool.Stdout() + tool.Stderr();
    if (std::regex_search(printed, m, address)) port = std::stoi(m[1]);
  }
  ASSERT_GT(port, 0) << tool.Stdout() << tool.Stderr();
  const std::string metrics = HttpGet(port, "/metrics");
  const std::string other = HttpGet(port, "/elsewhere");
  const int exit_code = tool.Wait(std::chrono::steady_clock::now() + std::chrono::seconds(120));
  EXPECT_EQ(exit_code, 0) << tool.Stdout() << tool.Stderr();
  EXPECT_EQ(::chinook::testing::HttpStatus(metrics), 200) << metrics;
  EXPECT_NE(metrics.find("Content-Type: text/plain"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("# TYPE chinook_customer_operation_duration_seconds summary"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("chinook_pg_pool_open_connections "), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("chinook_customer_cache_hits_total{tier=\"l1\"} "), std::string::npos) << metrics;
  EXPECT_EQ(::chinook::testing::HttpStatus(other), 404) << other;
  // Served only while running: the port is closed once the tool has exited.
  EXPECT_EQ(HttpGet(port, "/metrics"), "");
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(out);
}

// Every Redis down from the start: the run still completes (reads from PostgreSQL), counts the
// Redis errors, and attributes the low hit rates to Redis rather than to the L1 size or TTL.
TEST(ProfileToolTest, RedisDownFromTheStartIsReportedAsRedisNotAsAnL1TooSmall) {
  CHINOOK_REQUIRE_ENV(dsn, chinook::workload::kPgDsnVar);
  const std::string dir = TempDir("chinook-profile-noredis");
  const std::string closed = "redis://127.0.0.1:" + std::to_string(::chinook::testing::ClosedPort());
  const ToolRun run = RunTool("--iterations 20 --batch-size 5 --json --cleanup-timeout 10 --profile-dir " + dir +
                                  " 2>/dev/null",
                              "env CHINOOK_REDIS_NODES=" + closed + " CHINOOK_REDIS_URL=" + closed + " ");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::smatch errors;
  ASSERT_TRUE(std::regex_search(run.output, errors, std::regex("\"redis_errors\": ([0-9]+)"))) << run.output;
  EXPECT_GT(std::stoll(errors[1]), 0) << run.output;
  EXPECT_NE(run.output.find("\"l1_coherent\": false"), std::string::npos) << run.output;
  for (const char* op : {"Query Single", "Query Batch"}) {
    EXPECT_NE(run.output.find("{\"operation\": \"" + std::string(op) + "\", \"metric\": \"redis_unavailable\""),
              std::string::npos)
        << op << "\n" << run.output;
  }
  EXPECT_EQ(run.output.find("\"metric\": \"cache_hit_rate\""), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("larger L1"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("\"schema_dropped\": true"), std::string::npos) << run.output;
  std::filesystem::remove_all(dir);
}

TEST(ProfileToolTest, MissingDsnIsNamed) {
  const ToolRun run = RunTool("--iterations 1 2>&1", "env -u CHINOOK_PG_DSN ");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("CHINOOK_PG_DSN is not set"), std::string::npos) << run.output;
}

TEST(ProfileToolTest, BadArgumentsExitTwo) {
  for (const char* args : {"--iterations 0", "--serve 70000", "--bogus", "--retry-for -1", "--cleanup-timeout x"}) {
    EXPECT_EQ(RunTool(std::string(args) + " 2>/dev/null").exit_code, 2) << args;
  }
  // Each named, with the usage on stderr, before any server is touched.
  const std::pair<const char*, const char*> cases[] = {
      {"--iterations 0", "--iterations: '0' is not an integer in [1, 10000000]"},
      {"--serve=70000", "--serve: '70000' is not an integer in [0, 65535]"},
      {"--iterations", "--iterations needs a value"},
      {"--profile-dir --json", "--profile-dir needs a value"},
      {"--profile-dir ''", "--profile-dir: an empty directory name"},
      {"--serve-linger 5", "--serve-linger needs --serve"},
      {"--bogus", "unknown option --bogus"},
  };
  for (const auto& [args, message] : cases) {
    const ToolRun run = RunTool(std::string(args) + " 2>&1 >/dev/null", "env -u CHINOOK_PG_DSN ");
    ::chinook::testing::ExpectUsageError(run, "chinook-profile", message, args);
  }
}

}  // namespace
