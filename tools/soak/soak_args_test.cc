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
      {"--threads 0", "bad value '0' for --threads"},
      {"--threads 65", "bad value '65' for --threads"},
      {"--threads 99999999999999999999", "bad value '99999999999999999999' for --threads"},
      {"--ops 999", "bad value '999' for --ops"},
      {"--ops 1000000000001", "bad value '1000000000001' for --ops"},  // ops x threads would near 2^64
      {"--ops 18446744073709551616", "bad value"},
      {"--ops", "--ops needs a value"},
      {"--threads --ops 5000", "--threads needs a value"},
      {"--warmup -1", "bad value '-1' for --warmup"},
      {"--ops 5000 --warmup 5000", "--warmup must be smaller than --ops"},
      {"--max-rss-slope nan", "bad value 'nan' for --max-rss-slope"},
      {"--max-rss-slope inf", "bad value 'inf' for --max-rss-slope"},
      {"--interval-ms 0", "bad value '0' for --interval-ms"},
      {"--interval-ms 2147483647", "bad value '2147483647' for --interval-ms"},
      {"--schema 'Bad-Name'", "--schema: "},
      {"--bogus", "unknown flag --bogus"},
  };
  for (const auto& [args, message] : cases) {
    const auto run = Soak(args);
    EXPECT_EQ(run.exit_code, 2) << args << "\n" << run.output;
    EXPECT_NE(run.output.find(std::string("chinook-soak: ") + message), std::string::npos) << args << "\n"
                                                                                          << run.output;
    EXPECT_NE(run.output.find("usage: chinook-soak"), std::string::npos) << args << "\n" << run.output;
  }
}

TEST(SoakArgsTest, HelpPrintsTheUsage) {
  for (const char* flag : {"--help", "-h"}) {
    const auto run = Soak(flag);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("usage: chinook-soak"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("--interval-ms N"), std::string::npos) << run.output;
  }
}

}  // namespace
