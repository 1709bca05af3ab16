#include "cache/trace.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace chinook::cache {
namespace {

Result<std::vector<uint64_t>> Read(const std::string& text, TraceFormat format) {
  std::istringstream in(text);
  return ReadTrace(in, format, "t.trace");
}

TEST(TraceTest, KeysFormatMapsEachDistinctKeyToOneId) {
  auto r = Read("# comment\nalpha\nbeta\r\n\n  alpha  \ncustomer:17\n", TraceFormat::kKeys);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (std::vector<uint64_t>{0, 1, 0, 2}));
}

TEST(TraceTest, ArcFormatExpandsBlockRuns) {
  auto r = Read("100 3 0 1\n7 1 0 2\n100 1\n", TraceFormat::kArc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (std::vector<uint64_t>{100, 101, 102, 7, 100}));
}

TEST(TraceTest, LirsFormatReadsBlockNumbersAndSkipsSeparators) {
  auto r = Read("5\n6\n*\n5\n", TraceFormat::kLirs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (std::vector<uint64_t>{5, 6, 5}));
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
      {TraceFormat::kArc, "1 0 0 0\n", "t.trace:1: block count must be in"},
      {TraceFormat::kArc, "1 99999999999 0 0\n", "t.trace:1: block count must be in"},
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

TEST(TraceTest, ZipfIsDeterministicAndSkewed) {
  const auto a = ZipfTrace(1000, 100'000, 0.99, 42);
  EXPECT_EQ(a, ZipfTrace(1000, 100'000, 0.99, 42));
  EXPECT_NE(a, ZipfTrace(1000, 100'000, 0.99, 43));
  std::map<uint64_t, int> counts;
  for (uint64_t k : a) counts[k]++;
  // P(rank 0) / P(rank 9) = 10^0.99 ~ 9.8.
  const double ratio = static_cast<double>(counts[0]) / counts[9];
  EXPECT_GT(ratio, 8.0);
  EXPECT_LT(ratio, 12.0);
  EXPECT_LT(counts.rbegin()->first, 1000u);
}

TEST(TraceTest, ScanPollutionAddsNeverRepeatedKeys) {
  const auto t = ScanPollutedZipfTrace(100, 1000, 0.9, 1, 100, 50);
  EXPECT_EQ(t.size(), 1000u + 10 * 50);
  std::map<uint64_t, int> counts;
  for (uint64_t k : t) counts[k]++;
  for (const auto& [k, n] : counts) {
    if (k >= 100) {
      EXPECT_EQ(n, 1) << k;
    }
  }
}

TEST(TraceTest, ExpansionBeyondTheRequestCapIsRefusedWithItsLine) {
  std::istringstream in("1 1000\n5000 1000\n9000 1000\n");
  auto r = ReadTrace(in, TraceFormat::kArc, "big.arc", /*max_requests=*/2500);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("big.arc:3: trace expands to more than 2500 requests"), std::string::npos)
      << r.status().message();
  std::istringstream lirs("1\n2\n3\n");
  EXPECT_FALSE(ReadTrace(lirs, TraceFormat::kLirs, "t.lirs", 2).ok());
}

}  // namespace
}  // namespace chinook::cache
