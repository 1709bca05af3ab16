#include "cache/trace.h"
#include "testing/status_matchers.h"

#include <gtest/gtest.h>

#include <sstream>

namespace chinook::cache {
namespace {

Result<Trace> Read(const std::string& text, TraceFormat format, const TraceLimits& limits = {}) {
  std::istringstream in(text);
  return ReadTrace(in, format, "t.trace", limits);
}

// Asserts that `r` failed with `code` and a message containing `expected`.
void ExpectError(const Result<Trace>& r, StatusCode code, const std::string& expected) {
  ASSERT_FALSE(r.ok()) << "accepted; wanted: " << expected;
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_NE(r.status().message().find(expected), std::string::npos)
      << "got: " << r.status().message() << "\nwanted: " << expected;
}

TEST(TraceTest, KeysFormatMapsEachDistinctKeyToOneId) {
  auto r = Read("# comment\nalpha\nbeta\r\n\n  alpha  \ncustomer:17\n", TraceFormat::kKeys);
  CHINOOK_ASSERT_OK(r);
  EXPECT_EQ(r->requests, (std::vector<uint64_t>{0, 1, 0, 2}));
  EXPECT_EQ(r->distinct_keys, 3u);
}

TEST(TraceTest, ArcFormatExpandsBlockRunsIntoDenseIds) {
  // Blocks 100, 101, 102, 7, 100: ids in order of first use.
  auto r = Read("100 3 0 1\n7 1 0 2\n100 1\n", TraceFormat::kArc);
  CHINOOK_ASSERT_OK(r);
  EXPECT_EQ(r->requests, (std::vector<uint64_t>{0, 1, 2, 3, 0}));
  EXPECT_EQ(r->distinct_keys, 4u);
}

TEST(TraceTest, LirsFormatReadsBlockNumbersAndSkipsSeparators) {
  auto r = Read("5\n6\n*\n5\n18446744073709551615\n", TraceFormat::kLirs);
  CHINOOK_ASSERT_OK(r);
  EXPECT_EQ(r->requests, (std::vector<uint64_t>{0, 1, 0, 2}));
}

TEST(TraceTest, ALastLineWithoutNewlineCounts) {
  auto r = Read("1\n2", TraceFormat::kLirs);
  CHINOOK_ASSERT_OK(r);
  EXPECT_EQ(r->requests.size(), 2u);
}

TEST(TraceTest, GarbageIsRejectedWithItsLineNumber) {
  struct Case {
    TraceFormat format;
    std::string text;
    std::string expected;  // substring of the message
  };
  const Case cases[] = {
      {TraceFormat::kLirs, "1\n2\nthree\n", "t.trace:3: expected one non-negative block number: \"three\""},
      {TraceFormat::kLirs, "1\n-4\n", "t.trace:2:"},
      {TraceFormat::kLirs, "99999999999999999999999\n", "t.trace:1:"},
      {TraceFormat::kArc, "1 2 0 0\n10\n", "t.trace:2: expected \"start count ...\""},
      {TraceFormat::kArc, "1 0 0 0\n", "t.trace:1: block count must be at least 1"},
      {TraceFormat::kArc, "18446744073709551615 2\n", "overflows"},
      {TraceFormat::kKeys, "a\nb c\n", "t.trace:2: expected one key per line"},
      {TraceFormat::kKeys, std::string("a\nb\0c\n", 6), "t.trace:2: NUL byte"},
  };
  for (const Case& c : cases) {
    auto r = Read(c.text, c.format);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << "got: " << r.status().message() << "\nwanted: " << c.expected;
  }
}

TEST(TraceTest, LongGarbageLinesAreShortenedInMessages) {
  auto r = Read(std::string(10'000, 'x') + "\n", TraceFormat::kLirs);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 200u);
}

TEST(TraceTest, MissingFileAndUnknownFormatSayWhat) {
  auto r = ReadTraceFile("/nonexistent/trace.lirs", TraceFormat::kLirs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/trace.lirs"), std::string::npos);
  auto f = ParseTraceFormat("csv");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("csv"), std::string::npos);
}

// The bomb of issue 11, 171 bytes: eight lines of 2^24 blocks each, 134 million requests over as
// many keys (6.9 GB and 28 s before the limits). Refused at line 1 by the per-line limit with the
// defaults, before one block is expanded.
TEST(TraceTest, ArcLineNamingMillionsOfBlocksIsRefusedBeforeExpansion) {
  std::string bomb;
  for (uint64_t i = 0; i < 8; ++i) bomb += std::to_string(i << 24) + " 16777216 0 " + std::to_string(i) + "\n";
  ExpectError(Read(bomb, TraceFormat::kArc), StatusCode::kResourceExhausted,
              "t.trace:1: block count 16777216 is over the limit of 65536 blocks per line");
  ExpectError(Read("1 99999999999 0 0\n", TraceFormat::kArc), StatusCode::kResourceExhausted,
              "t.trace:1: block count 99999999999 is over the limit of 65536 blocks per line");
}

// Within the per-line limit, the sum of the lines' expansions is what is bounded: the line whose
// run would pass max_requests is refused whole, before it is expanded.
TEST(TraceTest, SumOfExpansionsBeyondTheRequestLimitIsRefusedWithItsLine) {
  TraceLimits limits;
  limits.max_requests = 2500;
  ExpectError(Read("1 1000\n5000 1000\n9000 1000\n", TraceFormat::kArc, limits), StatusCode::kResourceExhausted,
              "t.trace:3: the trace would have 3000 requests, over the limit of 2500 requests");
  limits.max_requests = 2;
  ExpectError(Read("1\n2\n3\n", TraceFormat::kLirs, limits), StatusCode::kResourceExhausted,
              "t.trace:3: the trace would have 3 requests, over the limit of 2 requests");
  ExpectError(Read("a\nb\n# c\nc\n", TraceFormat::kKeys, limits), StatusCode::kResourceExhausted, "t.trace:4:");
  // Exactly at the limit is fine.
  limits.max_requests = 3000;
  EXPECT_TRUE(Read("1 1000\n5000 1000\n9000 1000\n", TraceFormat::kArc, limits).ok());
}

// Many requests over few keys are cheap; many keys are what replays pay for (hash tables, policy
// nodes): the key limit stops a trace of all-new blocks at the block that passes it.
TEST(TraceTest, DistinctKeysBeyondTheLimitAreRefusedWithTheirLine) {
  TraceLimits limits;
  limits.max_distinct_keys = 1500;
  // 3000 requests over the same 1000 blocks: fine.
  EXPECT_TRUE(Read("0 1000\n0 1000\n0 1000\n", TraceFormat::kArc, limits).ok());
  // Huge block numbers are keys like any other.
  ExpectError(Read("0 1000\n18446744073709550000 1000\n", TraceFormat::kArc, limits), StatusCode::kResourceExhausted,
              "t.trace:2: the trace has more than 1500 distinct keys (the limit)");
  limits.max_distinct_keys = 2;
  ExpectError(Read("x\ny\nx\nz\n", TraceFormat::kKeys, limits), StatusCode::kResourceExhausted,
              "t.trace:4: the trace has more than 2 distinct keys");
  ExpectError(Read("7\n8\n9\n", TraceFormat::kLirs, limits), StatusCode::kResourceExhausted, "t.trace:3:");
}

// A caller that states what its replay holds per request and per key learns at the line that
// asks for it that the run would not fit its memory budget.
TEST(TraceTest, MemoryBudgetIsCheckedAgainstTheReplaysModel) {
  TraceLimits limits;
  limits.replay = {.bytes_per_request = 56, .bytes_per_key = 100};
  // 1000 lines of 64 blocks over the same 64 keys: (16 + 56) x 64,000 + 100 x 64 = 4.4 MiB.
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "0 64\n";
  limits.max_memory_bytes = 5 << 20;
  EXPECT_TRUE(Read(text, TraceFormat::kArc, limits).ok());
  // 72 B x 64 L + 6,400 B passes 2 MiB = 2,097,152 B at line L = 454 (29,056 requests).
  limits.max_memory_bytes = 2 << 20;
  ExpectError(Read(text, TraceFormat::kArc, limits), StatusCode::kResourceExhausted,
              "t.trace:454: 29056 requests over 64 keys need 2098432 B (2.0 MiB)");
  auto r = Read(text, TraceFormat::kArc, limits);
  EXPECT_NE(r.status().message().find("over the memory limit of 2097152 B (2.0 MiB)"), std::string::npos)
      << r.status().message();
  // Keys cost too: 30,000 new keys x 100 B alone pass 2 MiB.
  std::string keys;
  for (int i = 0; i < 30000; ++i) keys += std::to_string(i) + "\n";
  ExpectError(Read(keys, TraceFormat::kLirs, limits), StatusCode::kResourceExhausted, "over the memory limit of 2097152 B");
}

// A 2 GB file with no newline used to be read whole (4.2 GB of memory) before any check; the
// reader now stops after max_line_bytes, whatever the stream's length.
TEST(TraceTest, LineLongerThanTheLimitStopsTheRead) {
  TraceLimits limits;
  limits.max_line_bytes = 100;
  ExpectError(Read("1\n" + std::string(101, '7') + "\n", TraceFormat::kLirs, limits), StatusCode::kResourceExhausted,
              "t.trace:2: line longer than the limit of 100 bytes");
  EXPECT_TRUE(Read("a\n" + std::string(100, 'k') + "\n", TraceFormat::kKeys, limits).ok());
  // With the default limit, on a stream far longer than the reader's buffer.
  ExpectError(Read(std::string(1 << 20, 'k'), TraceFormat::kKeys), StatusCode::kResourceExhausted,
              "t.trace:1: line longer than the limit of 4096 bytes");
}

// Lines that straddle the reader's 64 KiB chunks come out whole.
TEST(TraceTest, LinesAcrossReadChunksAreWhole) {
  std::string text;
  std::vector<uint64_t> expected;
  for (uint64_t i = 0; i < 40000; ++i) {
    text += std::to_string(i % 1000 * 1234567) + "\n";
    expected.push_back(i % 1000);
  }
  auto r = Read(text, TraceFormat::kLirs);
  CHINOOK_ASSERT_OK(r);
  EXPECT_EQ(r->requests, expected);
  EXPECT_EQ(r->distinct_keys, 1000u);
}

TEST(TraceTest, CheckTraceSizeAppliesTheReadersLimits) {
  TraceLimits limits;
  EXPECT_TRUE(CheckTraceSize(1000, 10, limits, "gen").ok());
  const Status requests = CheckTraceSize(99999999999999, 10, limits, "--generate zipf");
  EXPECT_EQ(requests.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(requests.message().find("--generate zipf: 99999999999999 requests exceed the limit of 67108864"),
            std::string::npos)
      << requests.message();
  EXPECT_FALSE(CheckTraceSize(10, limits.max_distinct_keys + 1, limits, "gen").ok());
  limits.max_memory_bytes = 1 << 20;
  EXPECT_FALSE(CheckTraceSize(1 << 20, 10, limits, "gen").ok());
}

TEST(TraceTest, DirectoryIsNotATrace) {
  auto r = ReadTraceFile("/", TraceFormat::kLirs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/: is a directory"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace chinook::cache
