// End to end: ab mode on two builds of a small Google Benchmark program (ab_testbench.cc), one
// with BM_Target 10% slower, in its simulated-time mode so that the outcome does not depend on
// how busy the machine is; and the chinook-compare command itself, for exit codes and messages.
#include "ab.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "compare.h"
#include "json.h"
#include "testing/status_matchers.h"

namespace chinook::compare {
namespace {

// A path under the test temp directory that no concurrently running test process uses.
std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/" + std::to_string(getpid()) + "_" + name;
}

class AbEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("CHINOOK_TESTBENCH_MODE", "simulated", 1); }
  void TearDown() override { unsetenv("CHINOOK_TESTBENCH_MODE"); }

  static AbOptions Options() {
    AbOptions o;
    o.max_rounds = 15;
    o.fixed_rounds = true;
    o.benchmark_args = {"--benchmark_min_time=0.01", "--benchmark_repetitions=3"};
    o.run_timeout_seconds = 120;
    return o;
  }

  // The default options judge the /manual_time benchmarks on real_time: the simulated time.
  // (Their cpu_time is the real CPU of doing nothing, and is only shown.)
  static CompareOptions ManualTime() { return CompareOptions(); }

  static const BenchmarkComparison* Find(const Report& r, const std::string& name) {
    for (const BenchmarkComparison& b : r.benchmarks) {
      if (b.name == name) return &b;
    }
    return nullptr;
  }
};

TEST_F(AbEndToEndTest, SlowdownIsFlaggedAndNothingElse) {
  Result<AbRuns> runs = RunInterleaved(CHINOOK_TESTBENCH_BASE, CHINOOK_TESTBENCH_SLOW, Options());
  CHINOOK_ASSERT_OK(runs);
  ASSERT_EQ(runs->base.size(), 15u);
  ASSERT_EQ(runs->head.size(), 15u);
  const Report r = ComparePaired(runs->base, runs->head, GatesConfig(), ManualTime());
  const BenchmarkComparison* target = Find(r, "BM_Target/manual_time");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->verdict, Verdict::kRegression);
  for (const MetricComparison& m : target->metrics) {
    if (m.metric == "real_time") {
      EXPECT_NEAR(m.change, 0.10, 0.03);
    }
  }
  EXPECT_EQ(r.Count(Verdict::kRegression), 1);
  EXPECT_EQ(r.Count(Verdict::kImprovement), 0);
  EXPECT_EQ(r.ExitCode(), 1);
}

TEST_F(AbEndToEndTest, IdenticalBuildsRaiseNoAlarm) {
  Result<AbRuns> runs = RunInterleaved(CHINOOK_TESTBENCH_BASE, CHINOOK_TESTBENCH_BASE, Options());
  CHINOOK_ASSERT_OK(runs);
  const Report r = ComparePaired(runs->base, runs->head, GatesConfig(), ManualTime());
  EXPECT_EQ(r.Count(Verdict::kRegression), 0);
  EXPECT_EQ(r.Count(Verdict::kImprovement), 0);
  EXPECT_EQ(r.ExitCode(), 0);
  EXPECT_EQ(r.benchmarks.size(), 7u);
}

TEST_F(AbEndToEndTest, ArgumentsReachBothProgramsAndFilesAreKept) {
  const std::string dir = TempPath("ab_args");
  std::filesystem::remove_all(dir);
  AbOptions o = Options();
  o.max_rounds = 2;
  o.benchmark_args = {"--benchmark_filter=BM_Spin", "--benchmark_min_time=0.01"};
  o.work_dir = dir;
  Result<AbRuns> runs = RunInterleaved(CHINOOK_TESTBENCH_BASE, CHINOOK_TESTBENCH_SLOW, o);
  CHINOOK_ASSERT_OK(runs);
  EXPECT_EQ(runs->benchmarks.size(), 3u);  // the filter chose what is listed
  EXPECT_EQ(runs->base[0].benchmarks.size(), 3u);
  EXPECT_EQ(runs->head[1].benchmarks.size(), 3u);
  for (const char* f : {"round001-base-b000.json", "round001-head-b001.json", "round002-head-b002.log",
                        "list-base.log"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + f)) << f;
  }
  // The whole program per process, as before.
  std::filesystem::remove_all(dir);
  o.per_benchmark = false;
  runs = RunInterleaved(CHINOOK_TESTBENCH_BASE, CHINOOK_TESTBENCH_SLOW, o);
  CHINOOK_ASSERT_OK(runs);
  EXPECT_EQ(runs->base[0].benchmarks.size(), 3u);
  for (const char* f : {"round01-base.json", "round01-head.json", "round02-head.log", "round02-base.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + f)) << f;
  }
}

TEST(RunProgramTest, FailuresAreReportedWithTheLog) {
  const std::string log = TempPath("run_program.log");
  Status s = RunProgram({"/bin/sh", "-c", "echo something broke; exit 3"}, log, 10);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("exited with status 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("something broke"), std::string::npos) << s.message();
  s = RunProgram({"/bin/sleep", "30"}, log, 0.2);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  s = RunProgram({"/nonexistent/program"}, log, 1);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(RunProgram({"/bin/true"}, log, 10).ok());
  Result<AbRuns> r = RunInterleaved("/nonexistent/a", "/bin/true", AbOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/a: not an executable file"), std::string::npos);
}

// The command line: exit codes 0 / 1 / 2 and messages.
struct Command {
  int exit_code;
  std::string output;
};

Command RunCli(const std::string& args) {
  const std::string out = TempPath("cli_output.txt");
  const std::string cmd = std::string(CHINOOK_COMPARE_BINARY) + " " + args + " > " + out + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

std::string Fixture(const std::string& name) { return std::string(CHINOOK_COMPARE_TESTDATA) + "/" + name; }

TEST(CliTest, ExitCodesAndMessages) {
  Command c = RunCli("--help");
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_NE(c.output.find("usage:"), std::string::npos);

  c = RunCli(Fixture("gb17_reps_a.json") + " " + Fixture("malformed.json"));
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.output.find("malformed.json:9:7:"), std::string::npos) << c.output;

  c = RunCli(Fixture("gb17_reps_a.json"));
  EXPECT_EQ(c.exit_code, 2);
  c = RunCli("--format yaml " + Fixture("gb17_reps_a.json") + " " + Fixture("gb17_reps_b.json"));
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.output.find("unknown format \"yaml\""), std::string::npos) << c.output;
  c = RunCli("--bogus " + Fixture("gb17_reps_a.json") + " " + Fixture("gb17_reps_b.json"));
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.output.find("unknown option --bogus"), std::string::npos) << c.output;
  c = RunCli("ab --duet sometimes a b");
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.output.find("--duet must be auto or off"), std::string::npos) << c.output;
  c = RunCli("ab --sequential '(' a b");
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.output.find("--sequential: not a regular expression"), std::string::npos) << c.output;
  // One convention (tools/common/flags.h): the option and the value named, the range stated, a hint.
  const std::pair<const char*, const char*> usage_errors[] = {
      {"ab --rounds 1 a b", "chinook-compare: --rounds: '1' is not an integer in [2, 1000]\n"},
      {"ab --max-rounds=5000 a b", "chinook-compare: --max-rounds: '5000' is not an integer in [2, 1000]\n"},
      {"--seed 1.5 a b", "chinook-compare: --seed: '1.5' is not an integer"},
      {"--alpha 1 a b", "chinook-compare: --alpha: '1' is not a finite number in (0, 1)\n"},
      {"--metric wall_time a b", "chinook-compare: --metric must be cpu_time or real_time, not 'wall_time'\n"},
      {"--quiet=yes a b", "chinook-compare: --quiet takes no value\n"},
      {"a b --gates", "chinook-compare: --gates needs a value\n"},
      {"a b --gates --quiet", "chinook-compare: --gates needs a value\n"},
      {"a", "chinook-compare: needs a baseline and a current results file\n"},
      {"a b -- --x", "chinook-compare: arguments after -- are for ab mode only\n"},
  };
  for (const auto& [args, message] : usage_errors) {
    c = RunCli(args);
    EXPECT_EQ(c.exit_code, 2) << args;
    EXPECT_EQ(c.output.rfind(message, 0), 0u) << args << "\n" << c.output;
    EXPECT_NE(c.output.find("try 'chinook-compare --help'"), std::string::npos) << args << "\n" << c.output;
  }
  c = RunCli("history");
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.output.find("chinook-compare history: needs a command"), std::string::npos) << c.output;
  c = RunCli("history detect --min-segment 1");
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.output.find("chinook-compare history: --min-segment: '1' is not an integer in [2, 1000]"),
            std::string::npos)
      << c.output;
  EXPECT_NE(c.output.find("usage:"), std::string::npos) << c.output;

  // A file against itself: nothing changes, exit 0, not coloured when not on a terminal.
  c = RunCli(Fixture("gb17_reps_a.json") + " " + Fixture("gb17_reps_a.json"));
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_EQ(c.output.find('\033'), std::string::npos);
  EXPECT_NE(c.output.find("PASS (exit 0)"), std::string::npos) << c.output;

  // Renamed benchmarks show as missing and new; nothing gated, so no failure.
  c = RunCli(Fixture("gb17_reps_a.json") + " " + Fixture("renamed_b.json") + " --format json");
  Result<json::Value> doc = json::Parse(c.output, "cli");
  ASSERT_TRUE(doc.ok()) << c.output;
  EXPECT_EQ(doc->Find("summary")->Find("missing")->as_number(), 1);
  EXPECT_EQ(doc->Find("summary")->Find("new")->as_number(), 1);
}

TEST(CliTest, GatesInCheckMode) {
  const std::string gates = TempPath("gates.json");
  std::ofstream(gates) << R"({"ratios": [{"id": "large-vs-small", "numerator": "BM_SpinLarge/manual_time",
      "denominator": "BM_SpinSmall/manual_time", "metric": "real_time", "min": 5, "reason": "20000 vs 1000 units"}]})";
  Command c = RunCli("check " + Fixture("gb17_reps_a.json") + " --gates " + gates);
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("[pass] large-vs-small"), std::string::npos) << c.output;

  std::ofstream(gates) << R"({"ratios": [{"id": "impossible", "numerator": "BM_SpinLarge/manual_time",
      "denominator": "BM_SpinSmall/manual_time", "metric": "real_time", "min": 500, "reason": "too much"}]})";
  c = RunCli("check " + Fixture("gb17_reps_a.json") + " --gates " + gates);
  EXPECT_EQ(c.exit_code, 1) << c.output;

  std::ofstream(gates) << R"({"bounds": [{"id": "typo", "benchmark": "BM_SpinLargr/manual_time",
      "metric": "real_time", "max": 1, "reason": "typo"}]})";
  c = RunCli("check " + Fixture("gb17_reps_a.json") + " --gates " + gates);
  EXPECT_EQ(c.exit_code, 2) << c.output;
  EXPECT_NE(c.output.find("did you mean BM_SpinLarge/manual_time?"), std::string::npos) << c.output;
  c = RunCli("check " + Fixture("gb17_reps_a.json") + " --gates " + gates + " --allow-absent");
  EXPECT_EQ(c.exit_code, 0) << c.output;

  std::ofstream(gates) << R"({"bounds": [{"id": "x", "benchmark": "B", "metric": "m", "max": 1}]})";
  c = RunCli("check " + Fixture("gb17_reps_a.json") + " --gates " + gates);
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.output.find("gates.json:1:13: bounds[0]: missing \"reason\""), std::string::npos) << c.output;
}

// Duets: which benchmarks run as duets, and both programs of a duet run on the one CPU.
TEST(DuetTest, SingleThreadedCpuTimeBenchmarksOnly) {
  AbOptions options;
  EXPECT_TRUE(RunsAsDuet("BM_Serialize", options));
  EXPECT_TRUE(RunsAsDuet("BM_Get/threads:1", options));
  EXPECT_FALSE(RunsAsDuet("BM_Get/threads:2", options));
  EXPECT_FALSE(RunsAsDuet("BM_Get/threads:16", options));
  EXPECT_FALSE(RunsAsDuet("BM_Query/real_time", options));
  EXPECT_FALSE(RunsAsDuet("BM_Io/manual_time", options));
  options.sequential = "^BM_Ser";
  EXPECT_FALSE(RunsAsDuet("BM_Serialize", options));
  EXPECT_TRUE(RunsAsDuet("BM_Parse", options));
  options.duet = AbOptions::Duet::kOff;
  EXPECT_FALSE(RunsAsDuet("BM_Parse", options));
}

TEST(DuetTest, BothProgramsRunPinnedToTheDuetCpu) {
  const int cpu = DuetCpu();
  ASSERT_GE(cpu, 0);
  const std::string a = TempPath("duet_a.log"), b = TempPath("duet_b.log");
  const std::vector<std::string> show = {"/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status"};
  const std::vector<std::string> fail = {"/bin/sh", "-c", "exit 3"};
  cpu_set_t before;
  ASSERT_EQ(sched_getaffinity(0, sizeof before, &before), 0);
  std::array<Status, 2> st = RunDuet({&show, &show}, {a, b}, 30, cpu);
  CHINOOK_ASSERT_OK(st[0]);
  CHINOOK_ASSERT_OK(st[1]);
  for (const std::string& log : {a, b}) {
    std::ifstream in(log);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "Cpus_allowed_list:\t" + std::to_string(cpu)) << log;
  }
  // The tool's own affinity is restored after the spawn.
  cpu_set_t now;
  ASSERT_EQ(sched_getaffinity(0, sizeof now, &now), 0);
  EXPECT_TRUE(CPU_EQUAL(&now, &before));
  // One side failing does not hide the other's outcome.
  st = RunDuet({&show, &fail}, {a, b}, 30, cpu);
  CHINOOK_EXPECT_OK(st[0]);
  EXPECT_FALSE(st[1].ok());
  EXPECT_NE(st[1].message().find("exited with status 3"), std::string::npos) << st[1].message();
  std::filesystem::remove(a);
  std::filesystem::remove(b);
}

}  // namespace
}  // namespace chinook::compare
