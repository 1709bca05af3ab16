// chinook-soak's command line, through the built tool: every bad argument is refused before any
// server is touched, named, with the usage, and exit status 2; --help is exit 0.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "testing/subprocess.h"

namespace {

// The server variables are unset, so an argument that slipped through parsing would end with
// "CHINOOK_PG_DSN is not set" instead of the usage, and never start a run.
chinook::testing::CommandRun Soak(const std::string& args) {
  return chinook::testing::RunCommand("env -u CHINOOK_PG_DSN -u CHINOOK_REDIS_URL " + std::string(CHINOOK_SOAK_BINARY) +
                                      " " + args + " 2>&1");
}

TEST(SoakArgsTest, BadArgumentsAreNamedWithTheUsage) {
  const std::pair<const char*, const char*> cases[] = {
      {"--threads 0", "--threads: '0' is not an integer in [1, 64]"},
      {"--threads 65", "--threads: '65' is not an integer in [1, 64]"},
      {"--threads 99999999999999999999", "--threads: '99999999999999999999' is not an integer in [1, 64]"},
      {"--ops 999", "--ops: '999' is not an integer in [1000, 1000000000000]"},
      {"--ops 1000000000001", "--ops: '1000000000001' is not an integer"},  // ops x threads would near 2^64
      {"--ops 18446744073709551616", "--ops: '18446744073709551616' is not an integer"},
      {"--ops", "--ops needs a value"},
      {"--threads --ops 5000", "--threads needs a value"},
      {"--threads=3 --ops=5000 --warmup=5000", "--warmup must be smaller than --ops"},  // --name=value
      {"--json=yes", "--json takes no value"},
      {"--warmup -1", "--warmup: '-1' is not an integer"},
      {"--ops 5000 --warmup 5000", "--warmup must be smaller than --ops"},
      {"--max-rss-slope nan", "--max-rss-slope: 'nan' is not a finite number >= 0"},
      {"--max-rss-slope inf", "--max-rss-slope: 'inf' is not a finite number >= 0"},
      {"--max-rss-slope -1", "--max-rss-slope: '-1' is not a finite number >= 0"},
      {"--interval-ms 0", "--interval-ms: '0' is not an integer in [1, 60000]"},
      {"--interval-ms 2147483647", "--interval-ms: '2147483647' is not an integer in [1, 60000]"},
      {"--schema 'Bad-Name'", "--schema: "},
      {"--bogus", "unknown option --bogus"},
      {"extra", "unexpected argument 'extra'"},
  };
  for (const auto& [args, message] : cases) {
    chinook::testing::ExpectUsageError(Soak(args), "chinook-soak", message, args);
  }
}

TEST(SoakArgsTest, HelpPrintsTheUsage) {
  for (const char* flag : {"--help", "-h"}) {
    const auto run = Soak(flag);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("usage: chinook-soak"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("--interval-ms N"), std::string::npos) << run.output;
  }
  // Wherever it stands, even where a value was due.
  EXPECT_EQ(Soak("--threads --help").exit_code, 0);
}

}  // namespace
