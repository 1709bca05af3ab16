// The command-line convention of flags.h, checked on every built tool: --help and -h print the
// usage on stdout and exit 0; an unknown option and a missing value are named on stderr, with
// the usage or the hint, and exit 2. Each tool's own test checks its options' messages.
#include <gtest/gtest.h>

#include <string>

#include "testing/subprocess.h"

namespace {

struct Tool {
  const char* name;     // as the messages start
  std::string command;  // the binary, and a subcommand
  const char* missing_value;  // arguments whose last option lacks its value
};

// The server variables are unset: a command line that slipped through parsing would fail on the
// missing server, not start a run.
std::string CommandLine(const Tool& tool, const std::string& args) {
  return "env -u CHINOOK_PG_DSN -u CHINOOK_REDIS_URL -u CHINOOK_REDIS_NODES " + tool.command + " " + args;
}

const Tool kTools[] = {
    {"chinook-compare", CHINOOK_COMPARE_BINARY, "a.json b.json --gates"},
    {"chinook-compare", std::string(CHINOOK_COMPARE_BINARY) + " ab", "a b --budget"},
    {"chinook-compare history", std::string(CHINOOK_COMPARE_BINARY) + " history", "detect --dir"},
    {"chinook-cachesim", CHINOOK_CACHESIM_BINARY, "--capacity 10 --trace"},
    {"chinook-explain", CHINOOK_EXPLAIN_BINARY, "--rows"},
    {"chinook-profile", CHINOOK_PROFILE_BINARY, "--iterations"},
    {"chinook-soak", CHINOOK_SOAK_BINARY, "--threads"},
    // Takes no valued option: its missing value is the missing file.
    {"chinook-bench-check", CHINOOK_BENCH_CHECK_BINARY, ""},
};

TEST(CliConventionTest, HelpPrintsTheUsageOnStdout) {
  for (const Tool& tool : kTools) {
    for (const char* flag : {"--help", "-h"}) {
      const auto run = chinook::testing::RunCommand(CommandLine(tool, flag) + " 2>/dev/null");
      EXPECT_EQ(run.exit_code, 0) << tool.command << " " << flag;
      EXPECT_NE(run.output.find("usage:"), std::string::npos) << tool.command << " " << flag << "\n" << run.output;
      EXPECT_NE(run.output.find(tool.name), std::string::npos) << tool.command << "\n" << run.output;
    }
  }
}

TEST(CliConventionTest, UsageErrorsAreNamedOnStderrAndExitTwo) {
  for (const Tool& tool : kTools) {
    const std::string prefix = std::string(tool.name) + ": ";
    // Only stderr is captured: nothing of an error goes to stdout.
    auto run = chinook::testing::RunCommand(CommandLine(tool, "--no-such-option x.json 2>&1 >/dev/null"));
    EXPECT_EQ(run.exit_code, 2) << tool.command << "\n" << run.output;
    EXPECT_EQ(run.output.rfind(prefix + "unknown option --no-such-option\n", 0), 0u) << tool.command << "\n"
                                                                                    << run.output;
    EXPECT_TRUE(run.output.find("usage:") != std::string::npos ||
                run.output.find("try '" + std::string(tool.name) + " --help'") != std::string::npos)
        << tool.command << "\n" << run.output;
    run = chinook::testing::RunCommand(CommandLine(tool, std::string(tool.missing_value) + " 2>&1 >/dev/null"));
    EXPECT_EQ(run.exit_code, 2) << tool.command << " " << tool.missing_value << "\n" << run.output;
    EXPECT_EQ(run.output.rfind(prefix, 0), 0u) << tool.command << "\n" << run.output;
    EXPECT_NE(run.output.find(*tool.missing_value ? " needs a value\n" : "needs a results file\n"), std::string::npos)
        << tool.command << " " << tool.missing_value << "\n" << run.output;
    // --name=value is read as --name value.
    run = chinook::testing::RunCommand(CommandLine(tool, "--no-such-option=1 2>&1 >/dev/null"));
    EXPECT_EQ(run.output.rfind(prefix + "unknown option --no-such-option\n", 0), 0u) << tool.command << "\n"
                                                                                    << run.output;
  }
}

}  // namespace
