#include "cachesim.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <unistd.h>

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
      {"--generate", "pareto"},
  };
  for (const auto& args : bad_invocations) {
    const ToolRun r = Cachesim(args);
    EXPECT_EQ(r.code, 2) << testing::PrintToString(args);
    EXPECT_NE(r.err.find("chinook-cachesim: "), std::string::npos);
  }
  const ToolRun missing = Cachesim({"--trace", "/nonexistent/x.lirs", "--capacity", "10"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/x.lirs"), std::string::npos);
  const ToolRun empty = Cachesim({"--trace", WriteFile("empty.keys", "# nothing\n"), "--capacity", "10"});
  EXPECT_EQ(empty.code, 1);
  EXPECT_NE(empty.err.find("no requests"), std::string::npos);
}

}  // namespace
}  // namespace chinook::cachesim
