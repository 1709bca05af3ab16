// The chinook-compare binary on hostile and vacuous input: each case ends with exit 2 (bad input)
// and a message naming the file and the benchmark, never a silent pass, an overwritten input, a
// partial report or raw control characters on the terminal.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "json.h"
#include "testing/scratch_dir.h"
#include "testing/status_matchers.h"

namespace chinook::compare {
namespace {

namespace fs = std::filesystem;

struct CliResult {
  int exit_code;
  std::string out;  // stdout
  std::string err;  // stderr
};

class HostileInputTest : public ::chinook::testing::ScratchDirTest {
 protected:
  HostileInputTest() : ScratchDirTest("hostile_input_") {}

  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name), std::ios::binary) << text;
    return Path(name);
  }

  // Runs the tool; `stdout_to` replaces the captured stdout (e.g. /dev/full).
  CliResult Cli(const std::string& args, const std::string& stdout_to = "") const {
    const std::string out = Path("stdout.txt"), err = Path("stderr.txt");
    const std::string cmd = std::string(CHINOOK_COMPARE_BINARY) + " " + args + " > " +
                            (stdout_to.empty() ? out : stdout_to) + " 2> " + err;
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, stdout_to.empty() ? Read(out) : "", Read(err)};
  }
};

// A results file in the 1.9 shape: BM_Steady (fine) and the given entries' benchmark.
std::string Results(const std::string& name, const std::vector<std::string>& fields_per_repetition) {
  std::string s = R"({"context": {"library_version": "v1.9.2"}, "benchmarks": [
    {"name": "BM_Steady", "run_name": "BM_Steady", "run_type": "iteration", "repetitions": 1, "repetition_index": 0,
     "threads": 1, "iterations": 100, "real_time": 10, "cpu_time": 10, "time_unit": "ns"})";
  for (size_t i = 0; i < fields_per_repetition.size(); ++i) {
    s += ",\n    {\"name\": " + json::Quote(name) + ", \"run_name\": " + json::Quote(name) +
         R"(, "run_type": "iteration", "repetitions": )" + std::to_string(fields_per_repetition.size()) +
         R"(, "repetition_index": )" + std::to_string(i) + R"(, "threads": 1, "iterations": 100, "time_unit": "ns", )" +
         fields_per_repetition[i] + "}";
  }
  return s + "]}\n";
}

std::string Good(const std::string& name) {
  return Results(name, {R"("real_time": 10, "cpu_time": 10)", R"("real_time": 11, "cpu_time": 11)",
                        R"("real_time": 12, "cpu_time": 12)"});
}

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST_F(HostileInputTest, CurrentRunWithNoUsableTimeIsAnError) {
  const std::string base = Write("base.json", Good("BM_Work"));
  for (const std::string bad : {"NaN", "null", "Infinity"}) {
    const std::string f = "\"real_time\": " + bad + ", \"cpu_time\": " + bad;
    const std::string head = Write("head.json", Results("BM_Work", {f, f, f}));
    const CliResult r = Cli(base + " " + head);
    EXPECT_EQ(r.exit_code, 2) << bad << r.out << r.err;
    EXPECT_TRUE(Has(r.err, head + ":4: benchmark \"BM_Work\" has no usable real_time: every value (3) is NaN")) << r.err;
    EXPECT_FALSE(Has(r.out, "PASS")) << r.out;
  }
  const std::string head = Write("head.json", Results("BM_Work", {R"("real_time": "10", "cpu_time": 10)"}));
  const CliResult r = Cli(base + " " + head);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, head + ":4:")) << r.err;
  EXPECT_TRUE(Has(r.err, "(BM_Work): \"real_time\" is a string (\"10\"); expected a number")) << r.err;
}

TEST_F(HostileInputTest, EmptyBenchmarksArrayIsAnErrorInEveryMode) {
  const std::string base = Write("base.json", Good("BM_Work"));
  const std::string empty = Write("empty.json", R"({"context": {}, "benchmarks": []})");
  for (const std::string& args : {base + " " + empty, empty + " " + base, "check " + empty}) {
    const CliResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
    EXPECT_TRUE(Has(r.err, "no benchmarks in " + empty)) << r.err;
  }
  // ab: a filter that matches nothing in the programs.
  setenv("CHINOOK_TESTBENCH_MODE", "simulated", 1);
  const CliResult r = Cli(std::string("ab --quiet --rounds 2 --work-dir ") + Path("ab") + " " + CHINOOK_TESTBENCH_BASE +
                          " " + CHINOOK_TESTBENCH_BASE + " -- --benchmark_filter=NoSuchBenchmark");
  unsetenv("CHINOOK_TESTBENCH_MODE");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(Has(r.err, "ab round 1")) << r.err;
  EXPECT_TRUE(Has(r.err, "no benchmarks in ")) << r.err;
  EXPECT_FALSE(Has(r.out, "PASS")) << r.out;
}

TEST_F(HostileInputTest, ImpossibleValuesAreRejectedNamingTheBenchmark) {
  const std::string base = Write("base.json", Good("BM_Work"));
  const std::string cases[][2] = {
      {R"("real_time": -10, "cpu_time": -10)", "(BM_Work): \"real_time\" is -10: impossible, a time must be positive"},
      {R"("real_time": 0, "cpu_time": 0)", "(BM_Work): \"real_time\" is 0: impossible"},
  };
  for (const auto& c : cases) {
    const std::string head = Write("head.json", Results("BM_Work", {c[0], c[0], c[0]}));
    const CliResult r = Cli(base + " " + head);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_TRUE(Has(r.err, head + ":4:")) << r.err;
    EXPECT_TRUE(Has(r.err, c[1])) << r.err;
  }
  std::string text = Good("BM_Work");
  text.replace(text.rfind("\"iterations\": 100"), 17, "\"iterations\": -100");
  const std::string head = Write("head.json", text);
  const CliResult r = Cli(base + " " + head);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "(BM_Work): \"iterations\" is -100: impossible")) << r.err;
}

TEST_F(HostileInputTest, TwoBenchmarksWithOneNameAreNotPooled) {
  const std::string base = Write("base.json", Good("BM_Work"));
  // Two files' worth of BM_Work in one: repetition 0, 1, 2 twice.
  std::string text = Good("BM_Work");
  std::string again = Good("BM_Work");
  const size_t first = again.find("{\"name\": \"BM_Work\"");
  text.insert(text.rfind("]}"), ",\n    " + again.substr(first, again.rfind("]}") - first));
  const std::string head = Write("head.json", text);
  const CliResult r = Cli(base + " " + head);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(Has(r.err, "benchmark \"BM_Work\" appears twice as separate runs, not as repetitions of one benchmark: "
                         "entry 5 (line 7) and entry 2 (line 4) are both repetition_index 0"))
      << r.err;
  EXPECT_TRUE(Has(r.err, head + ":7:")) << r.err;
}

TEST_F(HostileInputTest, DuplicateKeyInGatesIsAnErrorWithPath) {
  const std::string base = Write("base.json", Good("BM_Work"));
  const std::string gates = Write("gates.json", R"({"version": 1,
  "bounds": [
    {"id": "fast", "benchmark": "BM_Work", "metric": "cpu_time",
     "max": 100, "reason": "r", "max": 1}
  ]
})");
  const CliResult r = Cli("check " + base + " --gates " + gates);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(Has(r.err, gates + ":4:33: duplicate key \"max\" in bounds[0] (first at line 4, column 6)")) << r.err;
}

TEST_F(HostileInputTest, OutputsNeverOverwriteInputsOrEachOther) {
  const std::string base = Write("base.json", Good("BM_Work"));
  const std::string head = Write("head.json", Good("BM_Work"));
  const std::string before = Read(base);
  for (const std::string flag : {"--output", "--json", "--markdown", "--html"}) {
    const CliResult r = Cli(base + " " + head + " " + flag + " " + dir_.string() + "/./base.json");
    EXPECT_EQ(r.exit_code, 2) << flag;
    EXPECT_TRUE(Has(r.err, "is the input " + base + " (baseline): refusing to overwrite an input")) << r.err;
    EXPECT_EQ(Read(base), before) << flag;
  }
  const std::string gates = Write("gates.json", R"({"version": 1})");
  CliResult r = Cli(base + " " + head + " --gates " + gates + " --html " + gates);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "(--gates): refusing to overwrite an input")) << r.err;
  r = Cli(base + " " + head + " --output " + Path("r.md") + " --markdown " + Path("r.md"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "name the same file")) << r.err;
  EXPECT_FALSE(fs::exists(Path("r.md")));
  // The refusal comes before any work: an ab run is not started.
  r = Cli(std::string("ab --quiet ") + CHINOOK_TESTBENCH_BASE + " " + CHINOOK_TESTBENCH_SLOW + " --json " +
          CHINOOK_TESTBENCH_BASE);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "(base program): refusing to overwrite an input")) << r.err;
  // A write that fails leaves nothing behind.
  r = Cli(base + " " + head + " --json " + Path("no/such/dir/r.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, Path("no/such/dir/r.json") + ": cannot create a temporary file")) << r.err;
}

TEST_F(HostileInputTest, WriteErrorOnStdoutIsAnError) {
  const std::string base = Write("base.json", Good("BM_Work"));
  CliResult r = Cli(base + " " + base, "/dev/full");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "standard output: write error (No space left on device)")) << r.err;
  r = Cli("--help", "/dev/full");
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(HostileInputTest, ControlCharactersInNamesAreEscaped) {
  const std::string evil = "BM_\x1b[2J\x1b[31mEvil\nPASS (exit 0)\x07";
  const std::string text = Results(evil, {R"("real_time": 10, "cpu_time": 10, "ctr\u001b[5m": 1)",
                                          R"("real_time": 11, "cpu_time": 11, "ctr\u001b[5m": 1)"});
  const std::string base = Write("base.json", text);
  const std::string head = Write("head.json", text);
  for (const std::string format : {"text", "markdown", "html"}) {
    const CliResult r = Cli(base + " " + head + " --all-metrics --color always --format " + format);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(Has(r.out, "BM_\\x1b[2J\\x1b[31mEvil\\nPASS (exit 0)\\x07")) << format << ": " << r.out;
    EXPECT_TRUE(Has(r.out, "ctr\\x1b[5m")) << format << ": " << r.out;
    EXPECT_FALSE(Has(r.out, "\x1b[2J")) << format;
    EXPECT_FALSE(Has(r.out, "\x07")) << format;
  }
  const CliResult r = Cli(base + " " + head + " --format json");
  Result<json::Value> doc = json::Parse(r.out, "report");
  CHINOOK_ASSERT_OK(doc);
  EXPECT_EQ(doc->Find("benchmarks")->items()[1].Find("name")->as_string(), evil);
  // Error messages quoting names are escaped too.
  const std::string bad = Write("bad.json", Results(evil, {R"("real_time": -1, "cpu_time": 1)"}));
  const CliResult e = Cli(base + " " + bad);
  EXPECT_EQ(e.exit_code, 2);
  EXPECT_FALSE(Has(e.err, "\x1b[2J")) << e.err;
  EXPECT_TRUE(Has(e.err, "\\u001b[2J") || Has(e.err, "\\x1b[2J")) << e.err;
}

TEST_F(HostileInputTest, GarbageMemoryFiguresAreDroppedWithAWarning) {
  // Debian's 1.7.1: no library_version, family_index present, 3 repetitions.
  std::string text = R"({"context": {"library_build_type": "debug"}, "benchmarks": [)";
  for (int i = 0; i < 3; ++i) {
    text += std::string(i ? "," : "") + R"({"name": "BM_Alloc", "family_index": 0, "per_family_instance_index": 0,
        "run_name": "BM_Alloc", "run_type": "iteration", "repetitions": 3, "repetition_index": )" +
            std::to_string(i) + R"(, "threads": 1, "iterations": 1000, "real_time": 10, "cpu_time": 10,
        "time_unit": "ns", "allocs_per_iter": 3, "max_bytes_used": )" +
            (i < 2 ? "2314885530818453536" : "4096") + "}";
  }
  text += "]}";
  const std::string f = Write("deb.json", text);
  const CliResult r = Cli(f + " " + f + " --format json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "dangling pointer in every repetition but the last")) << r.out;
  EXPECT_FALSE(Has(r.out, "2314885530818453536")) << r.out;
  EXPECT_FALSE(Has(r.out, "2.314885530818454e+18")) << r.out;
}

}  // namespace
}  // namespace chinook::compare
