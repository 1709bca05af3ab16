#include "cachesim.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <unistd.h>

#include "testing/subprocess.h"

namespace chinook::cachesim {
namespace {

struct ToolRun {
  int code;
  std::string out;
  std::string err;
};

ToolRun Cachesim(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunCachesim(args, out, err);
  return {code, out.str(), err.str()};
}

class CachesimTest : public ::testing::Test {
 protected:
  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = ::testing::TempDir() + "cachesim_" + std::to_string(getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary) << content;
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& p : paths_) std::remove(p.c_str());
  }
  std::vector<std::string> paths_;
};

double HitRate(const std::string& json, const std::string& policy, int capacity) {
  const std::regex row("\"policy\": \"" + policy + "\", \"capacity\": " + std::to_string(capacity) +
                       ", \"requests\": [0-9]+, \"hits\": [0-9]+, \"hit_rate\": ([0-9.]+)");
  std::smatch m;
  if (!std::regex_search(json, m, row)) return -1;
  return std::stod(m[1]);
}

TEST_F(CachesimTest, GeneratedScanTraceRanksThePolicies) {
  const ToolRun gen = Cachesim({"--generate", "scan", "--keys", "20000", "--requests", "200000", "--seed", "7"});
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string trace = WriteFile("scan.lirs", gen.out);
  const ToolRun sim = Cachesim({"--trace", trace, "--format", "lirs", "--capacity", "1000,4000", "--policy",
                            "lru,wtinylfu,belady", "--json"});
  ASSERT_EQ(sim.code, 0) << sim.err;
  for (int capacity : {1000, 4000}) {
    const double lru = HitRate(sim.out, "lru", capacity);
    const double tlfu = HitRate(sim.out, "wtinylfu", capacity);
    const double opt = HitRate(sim.out, "belady", capacity);
    ASSERT_GE(lru, 0) << sim.out;
    EXPECT_GT(tlfu, lru + 0.03) << sim.out;
    EXPECT_GE(opt, tlfu) << sim.out;
  }
  EXPECT_NE(sim.out.find("\"distinct_keys\": "), std::string::npos);
}

TEST_F(CachesimTest, PrintsATableForEachFormat) {
  const std::string keys = WriteFile("t.keys", "a\nb\na\nc\na\nb\n");
  const ToolRun k = Cachesim({"--trace", keys, "--capacity", "2", "--policy", "lru"});
  ASSERT_EQ(k.code, 0) << k.err;
  EXPECT_NE(k.out.find("6 requests, 3 distinct keys"), std::string::npos) << k.out;
  EXPECT_NE(k.out.find("lru"), std::string::npos);

  const std::string arc = WriteFile("t.arc", "0 4 0 0\n0 4 0 1\n");
  const ToolRun a = Cachesim({"--trace", arc, "--format", "arc", "--capacity", "4", "--policy", "belady", "--json"});
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_DOUBLE_EQ(HitRate(a.out, "belady", 4), 0.5);
}

TEST_F(CachesimTest, PolicyAllPrintsEveryPolicyAgainstTheBestRivalAndWritesAChart) {
  const ToolRun gen = Cachesim({"--generate", "recency", "--keys", "2000", "--requests", "20000", "--seed", "3"});
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string trace = WriteFile("recency.lirs", gen.out);
  const std::string svg = ::testing::TempDir() + "cachesim_" + std::to_string(getpid()) + "_chart.svg";
  paths_.push_back(svg);
  const ToolRun sim = Cachesim({"--trace", trace, "--format", "lirs", "--capacities", "200,800", "--policy", "all",
                                "--svg", svg});
  ASSERT_EQ(sim.code, 0) << sim.err;
  for (const char* name : {"lru", "wtinylfu", "wtinylfu-fixed", "belady", "arc", "lirs", "s3fifo", "sieve",
                           "best_rival", "vs_best", "vs_lru"}) {
    EXPECT_NE(sim.out.find(name), std::string::npos) << name << "\n" << sim.out;
  }
  EXPECT_NE(sim.out.find("\n       200 "), std::string::npos) << sim.out;
  EXPECT_NE(sim.out.find("\n       800 "), std::string::npos) << sim.out;
  std::ifstream in(svg);
  const std::string chart((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(chart.rfind("<svg", 0), 0u);
  EXPECT_NE(chart.find("</svg>"), std::string::npos);
  size_t lines = 0;
  for (size_t at = chart.find("<polyline"); at != std::string::npos; at = chart.find("<polyline", at + 1)) ++lines;
  EXPECT_EQ(lines, 8u);  // one per policy
  EXPECT_NE(chart.find("<title>s3fifo 800: "), std::string::npos);
}

TEST_F(CachesimTest, UnwritableChartFailsNamingThePathAndLeavesNothing) {
  const std::string trace = WriteFile("tiny.lirs", "1\n2\n1\n");
  const std::string svg = "/nonexistent-dir/chart.svg";
  const ToolRun r = Cachesim({"--trace", trace, "--format", "lirs", "--capacity", "2", "--svg", svg});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(svg), std::string::npos) << r.err;
  EXPECT_FALSE(std::ifstream(svg).good());
  EXPECT_EQ(Cachesim({"--trace", trace, "--format", "lirs", "--capacity", "2", "--svg="}).code, 2);
}

TEST_F(CachesimTest, GarbageInTheTraceNamesTheLine) {
  const std::string bad = WriteFile("bad.lirs", "1\n2\n3\nfour\n5\n");
  const ToolRun r = Cachesim({"--trace", bad, "--format", "lirs", "--capacity", "10"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.lirs:4: expected one non-negative block number: \"four\""), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(CachesimTest, UsageErrorsExitWithTwo) {
  const std::string ok = WriteFile("ok.lirs", "1\n");
  const std::vector<std::vector<std::string>> bad_invocations = {
      {},
      {"--trace", ok},
      {"--trace", ok, "--capacity", "0"},
      {"--trace", ok, "--capacity", "10,abc"},
      {"--trace", ok, "--capacity", "10", "--policy", "fifo"},
      {"--trace", ok, "--capacity", "10", "--format", "csv"},
      {"--trace", ok, "--capacity", "10", "--bogus", "1"},
      {"--trace", ok, "--capacity"},
      {"--trace", "--capacity", "10"},
      {"--trace", ok, "--capacity", "99999999999999999999"},
      {"--trace", ok, "--capacity", "16777217"},  // over --max-keys
      {"--trace", ok, "--capacity", "10", "--shard-bits", "17"},
      {"--trace", ok, "--capacity", "10", "--max-requests", "0"},
      {"--trace", ok, "--capacity", "10", "--max-memory-mb", "lots"},
      {"--trace", ok, "--capacity", "10", "--max-line-bytes"},
      {"--trace", ok, "--capacity", "10", "--max-replayed", "2"},  // 3 policies
      {"--generate", "pareto"},
      {"--generate", "zipf", "--zipf-s", "nan"},
      {"--generate", "zipf", "--requests", "-5"},
      {"--trace=" + ok, "--capacity=0"},
      {"--trace", ok, "--capacity", "10", "--svg="},
      {"--trace", ok, "stray"},
      {"--trace", ok, "--capacity", "10", "--json=yes"},
  };
  for (const auto& args : bad_invocations) {
    const ToolRun r = Cachesim(args);
    EXPECT_EQ(r.code, 2) << ::testing::PrintToString(args);
    EXPECT_NE(r.err.find("chinook-cachesim: "), std::string::npos);
    EXPECT_NE(r.err.find("usage: chinook-cachesim"), std::string::npos) << ::testing::PrintToString(args);
    EXPECT_TRUE(r.out.empty());
  }
  EXPECT_NE(Cachesim({"--trace", "--capacity", "10"}).err.find("chinook-cachesim: --trace needs a value"),
            std::string::npos);
  EXPECT_NE(Cachesim({"--trace", ok, "--capacity", "10", "--bogus", "1"}).err.find("chinook-cachesim: unknown option --bogus"),
            std::string::npos);
  EXPECT_NE(Cachesim({"--trace", ok, "--capacity", "0"}).err.find("--capacity: '0' is not an integer in [1, 16777216]"),
            std::string::npos);
  EXPECT_NE(Cachesim({"--generate", "zipf", "--zipf-s", "nan"}).err.find("--zipf-s: 'nan' is not a finite number in (0, 10]"),
            std::string::npos);
  EXPECT_NE(Cachesim({"--trace", ok, "stray"}).err.find("unexpected argument 'stray'"), std::string::npos);
  EXPECT_NE(Cachesim({"--trace", ok, "--capacity", "10", "--json=yes"}).err.find("--json takes no value"), std::string::npos);
  EXPECT_NE(Cachesim({"--trace", ok, "--capacity", "16777217"}).err.find("[1, 16777216] (the upper end is --max-keys)"),
            std::string::npos);
  const ToolRun missing = Cachesim({"--trace", "/nonexistent/x.lirs", "--capacity", "10"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/x.lirs"), std::string::npos);
  const ToolRun empty = Cachesim({"--trace", WriteFile("empty.keys", "# nothing\n"), "--capacity", "10"});
  EXPECT_EQ(empty.code, 1);
  EXPECT_NE(empty.err.find("no requests"), std::string::npos);
}

TEST_F(CachesimTest, HelpPrintsTheUsageAndTheLimits) {
  for (const char* flag : {"--help", "-h"}) {
    const ToolRun r = Cachesim({flag});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("usage: chinook-cachesim"), std::string::npos);
    EXPECT_NE(r.out.find("--max-memory-mb N"), std::string::npos);
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
  // Wherever it stands, even where a value was due (it used to be taken for --trace's value).
  EXPECT_EQ(Cachesim({"--trace", "--help"}).code, 0);
  EXPECT_EQ(Cachesim({"--trace", "x.lirs", "--capacity", "10", "-h"}).code, 0);
}

// The 171-byte trace of issue 11 (eight ARC lines of 2^24 blocks: 134 million requests, 6.9 GB and
// 28 s before the limits) is refused at its first line, before one block is expanded.
TEST_F(CachesimTest, ArcExpansionBombIsRefusedAtItsLine) {
  std::string bomb;
  for (uint64_t i = 0; i < 8; ++i) bomb += std::to_string(i << 24) + " 16777216 0 " + std::to_string(i) + "\n";
  const std::string path = WriteFile("bomb.arc", bomb);
  const ToolRun r = Cachesim({"--trace", path, "--format", "arc", "--capacity", "10"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bomb.arc:1: block count 16777216 is over the limit of 65536 blocks per line"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("limits: --max-requests 67108864, --max-keys 16777216, --max-blocks-per-line 65536"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty());
}

// Within the per-line limit, many lines add up; the memory model of the chosen policies stops the
// line whose requests would not fit --max-memory-mb (here 1,000 lines x 64 blocks with Belady:
// 72 B x 64 L + 160 B x 64 keys + LocalCache's shards > 2 MiB from the line that the tool names).
TEST_F(CachesimTest, MemoryLimitOfThePoliciesStopsTheLineThatPassesIt) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "0 64 0 " + std::to_string(i) + "\n";
  const std::string path = WriteFile("many.arc", text);
  const ToolRun belady = Cachesim({"--trace", path, "--format", "arc", "--capacity", "10", "--policy", "belady",
                                   "--max-memory-mb", "2"});
  EXPECT_EQ(belady.code, 1);
  EXPECT_NE(belady.err.find("many.arc:"), std::string::npos) << belady.err;
  EXPECT_NE(belady.err.find("over the memory limit of 2097152 B (2.0 MiB)"), std::string::npos) << belady.err;
  EXPECT_NE(belady.err.find("--max-memory-mb 2;"), std::string::npos) << belady.err;
  // LRU holds no per-request state: the same trace fits the same budget.
  const ToolRun lru = Cachesim({"--trace", path, "--format", "arc", "--capacity", "10", "--policy", "lru",
                                "--max-memory-mb", "2"});
  EXPECT_EQ(lru.code, 0) << lru.err;
  EXPECT_NE(lru.out.find("64000 requests, 64 distinct keys"), std::string::npos) << lru.out;
}

// --max-replayed bounds requests x simulations (the run's time), each simulation's shard set-up
// counted as kShardSetupRequests per shard: six simulations of a 1,000-request trace on one shard
// need 6 x (1,000 + 16).
TEST_F(CachesimTest, ReplayLimitDividesAmongTheSimulations) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += std::to_string(i % 100) + "\n";
  const std::string path = WriteFile("t.lirs", text);
  const std::vector<std::string> args = {"--trace", path, "--format", "lirs", "--capacity", "10,20", "--shard-bits", "0"};
  auto with = [&](const char* replayed) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--max-replayed", replayed});
    return Cachesim(a);
  };
  EXPECT_EQ(with("6096").code, 0);
  const ToolRun r = with("6095");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("t.lirs:1000: the trace would have 1000 requests, over the limit of 999 requests"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("(999 for 6 simulations under --max-replayed 6095)"), std::string::npos) << r.err;
  // 65,536 shards per simulation cost time before the first request: 12 simulations of them do
  // not fit 4,000,000 whatever the trace.
  const ToolRun shards = Cachesim({"--trace", path, "--format", "lirs", "--capacity", "1,2,3,4", "--shard-bits", "16",
                                   "--max-replayed", "4000000"});
  EXPECT_EQ(shards.code, 2);
  EXPECT_NE(shards.err.find("12 simulations (capacities x policies) of 65536 shards each exceed --max-replayed 4000000"),
            std::string::npos)
      << shards.err;
}

// A file without a newline is refused after --max-line-bytes, not read whole.
TEST_F(CachesimTest, LineWithoutEndIsRefusedAtTheLineLimit) {
  const std::string path = WriteFile("flat.lirs", std::string(100'000, '7'));
  const ToolRun r = Cachesim({"--trace", path, "--format", "lirs", "--capacity", "10", "--max-line-bytes", "1000"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("flat.lirs:1: line longer than the limit of 1000 bytes"), std::string::npos) << r.err;
}

// `--generate zipf --requests 99999999999999` used to abort (std::bad_alloc); the generators'
// sizes are checked against the reader's limits before anything is built.
TEST_F(CachesimTest, GeneratorSizesAreCheckedAgainstTheLimits) {
  const ToolRun requests = Cachesim({"--generate", "zipf", "--requests", "99999999999999"});
  EXPECT_EQ(requests.code, 2);
  EXPECT_NE(requests.err.find("--generate zipf: 99999999999999 requests exceed the limit of 67108864 requests"),
            std::string::npos)
      << requests.err;
  EXPECT_TRUE(requests.out.empty());
  const ToolRun keys = Cachesim({"--generate", "loop", "--keys", "99999999999", "--requests", "10"});
  EXPECT_EQ(keys.code, 2);
  EXPECT_NE(keys.err.find("99999999999 requests exceed the limit"), std::string::npos) << keys.err;
  // A scan trace is longer than --requests: its scans count too (10 + 10 x 2 requests).
  const ToolRun scan = Cachesim({"--generate", "scan", "--keys", "10", "--requests", "10", "--max-requests", "29"});
  EXPECT_EQ(scan.code, 2);
  EXPECT_NE(scan.err.find("--generate scan: 30 requests exceed the limit of 29 requests"), std::string::npos)
      << scan.err;
  const ToolRun fits = Cachesim({"--generate", "scan", "--keys", "10", "--requests", "10", "--max-requests", "30"});
  EXPECT_EQ(fits.code, 0) << fits.err;
  EXPECT_EQ(std::count(fits.out.begin(), fits.out.end(), '\n'), 30);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// The last resort: on a machine with less memory than the limits assume (here an address-space
// limit of 64 MiB under a generous --max-memory-mb), the tool says so and exits 1, not abort.
TEST_F(CachesimTest, OutOfMemoryWithinTheLimitsIsAnErrorNotAnAbort) {
  std::string text;
  for (uint64_t i = 0; i < 20; ++i) text += std::to_string(i << 16) + " 65536\n";  // 1.3 million new blocks
  const std::string path = WriteFile("big.arc", text);
  const chinook::testing::CommandRun run =
      chinook::testing::RunCommand("ulimit -v 65536; exec " + std::string(CHINOOK_CACHESIM_BINARY) + " --trace " + path +
                          " --format arc --capacity 10 --policy lru --max-memory-mb 100000 2>&1");
  const std::string& output = run.output;
  EXPECT_EQ(run.exit_code, 1) << output;  // -1 would be a signal: SIGABRT from std::terminate
  EXPECT_NE(output.find("chinook-cachesim: out of memory on --trace " + path + " within the limits"),
            std::string::npos)
      << output;
}
#endif

}  // namespace
}  // namespace chinook::cachesim
