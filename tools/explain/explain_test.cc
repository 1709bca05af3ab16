// Runs the built chinook-explain against the test server: the repository's statements use
// indexes, and the check really fails when an index they need is missing.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "testing/service_env.h"

namespace {

struct ToolRun {
  int exit_code = -1;
  std::string output;
};

// Runs chinook-explain with `args` (trusted, no quoting needed) and collects stdout and stderr.
ToolRun Explain(const std::string& args) {
  ToolRun run;
  const std::string command = std::string(CHINOOK_EXPLAIN_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.output.append(buf.data(), n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// 20,000 rows (the tool's minimum) keep the test quick; the tool VACUUM ANALYZEs them, so the
// plans are those of a real table (at 100,000 rows they are the same).
TEST(ExplainToolTest, EveryStatementUsesAnIndex) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::testing::kPgDsnVar);
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
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::testing::kPgDsnVar);
  const ToolRun run = Explain("--rows 20000 --temporary-schema --without-index customers_created_at_id_idx");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("FAIL: a statement sequentially scans customers"), std::string::npos) << run.output;
}

TEST(ExplainToolTest, BadArgumentsExitTwo) {
  EXPECT_EQ(Explain("--rows 10").exit_code, 2);
  EXPECT_EQ(Explain("--bogus").exit_code, 2);
  EXPECT_EQ(Explain("--schema 'Bad-Name' --rows 20000").exit_code, 2);
}

}  // namespace
