// Runs the built chinook-explain against the test server: the repository's statements use
// indexes, and the check really fails when an index they need is missing.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "testing/service_env.h"
#include "testing/subprocess.h"

namespace {

using ToolRun = ::chinook::testing::CommandRun;

// Runs chinook-explain with `args` (trusted, no quoting needed) and collects stdout and stderr.
ToolRun Explain(const std::string& args, const std::string& env = "") {
  return ::chinook::testing::RunCommand(env + std::string(CHINOOK_EXPLAIN_BINARY) + " " + args + " 2>&1");
}

// 20,000 rows (the tool's minimum) keep the test quick; the tool VACUUM ANALYZEs them, so the
// plans are those of a real table (at 100,000 rows they are the same).
TEST(ExplainToolTest, EveryStatementUsesAnIndex) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  const ToolRun run = Explain("--rows 20000 --temporary-schema");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("OK: no statement sequentially scans customers"), std::string::npos) << run.output;
  for (const char* statement : {"== insert", "== get_by_id", "== get_many", "== list_first", "== list_after",
                                "== list_offset", "== update", "== delete", "== COPY"}) {
    EXPECT_NE(run.output.find(statement), std::string::npos) << statement << " not explained";
  }
  EXPECT_NE(run.output.find("generic plan:"), std::string::npos);
  EXPECT_NE(run.output.find("Index Scan using customers_pkey"), std::string::npos);
}

TEST(ExplainToolTest, MissingIndexIsReported) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  const ToolRun run = Explain("--rows 20000 --temporary-schema --without-index customers_created_at_id_idx");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("FAIL: a statement sequentially scans customers"), std::string::npos) << run.output;
}

TEST(ExplainToolTest, BadArgumentsExitTwo) {
  for (const char* args : {"--rows 10", "--bogus", "--schema 'Bad-Name' --rows 20000"}) {
    EXPECT_EQ(Explain(args).exit_code, 2) << args;
  }
}

// Argument errors are found before any connection (the server variable is unset here, so a bad
// argument that slipped through would say "no server" instead), each named, with the usage.
TEST(ExplainToolTest, ArgumentErrorsNameTheArgumentAndPrintTheUsage) {
  const std::string no_server = "env -u CHINOOK_PG_DSN ";
  const std::pair<const char*, const char*> cases[] = {
      {"--rows 10", "--rows: '10' is not an integer in [20000, 100000000]"},
      {"--rows 99999999999999999999", "--rows: '99999999999999999999' is not an integer"},
      {"--rows ''", "--rows: '' is not an integer"},
      {"--rows ' 20000'", "--rows: ' 20000' is not an integer"},
      {"--rows 20000x", "--rows: '20000x' is not an integer"},
      {"--rows", "--rows needs a value"},
      {"--dsn --rows 20000", "--dsn needs a value"},
      {"--schema 'Bad-Name'", "--schema: "},
      {"--rows=10", "--rows: '10' is not an integer in [20000, 100000000]"},
      {"--without-index 'x;drop'", "--without-index: 'x;drop' is not a plain lower-case identifier"},
      {"--bogus", "unknown option --bogus"},
      {"--temporary-schema=yes", "--temporary-schema takes no value"},
      {"", "no server: pass --dsn or set CHINOOK_PG_DSN"},
  };
  for (const auto& [args, message] : cases) {
    ::chinook::testing::ExpectUsageError(Explain(args, no_server), "chinook-explain", message, args);
  }
  const ToolRun help = Explain("--help", no_server);
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("usage: chinook-explain"), std::string::npos);
}

}  // namespace
