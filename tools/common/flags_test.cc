#include "common/flags.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "testing/status_matchers.h"

namespace chinook::tools {
namespace {

constexpr char kUsage[] = "usage: chinook-test [--count N] [--name S] [--quiet] FILE...\n";

struct Parsed {
  std::optional<int> exit;
  std::string out, err;
};

class FlagParserTest : public ::testing::Test {
 protected:
  FlagParserTest() : parser_("chinook-test", kUsage) {
    parser_.Integer("count", &count_, 1, 64);
    parser_.String("name", &name_);
    parser_.Bool("quiet", &quiet_);
    parser_.Number("ratio", &ratio_, {.min = 0, .max = 1, .max_open = true});
    parser_.Strings("tag", &tags_);
    parser_.Choice("mode", &mode_, {"fast", "slow", "off"});
    parser_.Positional(&files_);
  }

  Parsed Run(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const std::optional<int> exit = parser_.Parse(args, out, err);
    return {exit, out.str(), err.str()};
  }

  FlagParser parser_;
  int count_ = 2;
  std::string name_, mode_;
  bool quiet_ = false;
  double ratio_ = 0.5;
  std::vector<std::string> tags_, files_;
};

TEST_F(FlagParserTest, BothSpellingsOfAValueAndPositionals) {
  const Parsed p = Run({"a.json", "--count", "5", "--name=x=y", "--quiet", "--tag", "t1", "--tag=t2", "-", "b.json",
                        "--ratio", "0.25", "--mode=slow"});
  EXPECT_EQ(p.exit, std::nullopt) << p.err;
  EXPECT_EQ(count_, 5);
  EXPECT_EQ(name_, "x=y");
  EXPECT_TRUE(quiet_);
  EXPECT_EQ(ratio_, 0.25);
  EXPECT_EQ(mode_, "slow");
  EXPECT_EQ(tags_, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(files_, (std::vector<std::string>{"a.json", "-", "b.json"}));
  EXPECT_TRUE(p.out.empty() && p.err.empty());
}

TEST_F(FlagParserTest, HelpWinsWhereverItStandsAndGoesToStdout) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"--count", "--help"}, {"--bogus", "-h"}, {"--count", "0", "--help"}}) {
    const Parsed p = Run(args);
    EXPECT_EQ(p.exit, 0) << ::testing::PrintToString(args);
    EXPECT_EQ(p.out, kUsage);
    EXPECT_TRUE(p.err.empty()) << p.err;
  }
}

TEST_F(FlagParserTest, UsageErrorsNameTheOptionAndTheValue) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"--bogus"}, "unknown option --bogus"},
      {{"--bogus=1"}, "unknown option --bogus"},
      {{"-x"}, "unknown option -x"},
      {{"--count"}, "--count needs a value"},
      {{"--count", "--quiet"}, "--count needs a value"},
      {{"--quiet=yes"}, "--quiet takes no value"},
      {{"--count", "0"}, "--count: '0' is not an integer in [1, 64]"},
      {{"--count=65"}, "--count: '65' is not an integer in [1, 64]"},
      {{"--count", " 5"}, "--count: ' 5' is not an integer in [1, 64]"},
      {{"--count", "5x"}, "--count: '5x' is not an integer in [1, 64]"},
      {{"--count", "99999999999999999999"}, "--count: '99999999999999999999' is not an integer in [1, 64]"},
      {{"--ratio", "1"}, "--ratio: '1' is not a finite number in [0, 1)"},
      {{"--ratio", "nan"}, "--ratio: 'nan' is not a finite number in [0, 1)"},
      {{"--mode", "medium"}, "--mode must be fast, slow or off, not 'medium'"},
      {{"--", "x"}, "unexpected argument '--'"},
  };
  for (const auto& [args, message] : cases) {
    const Parsed p = Run(args);
    EXPECT_EQ(p.exit, kExitUsage) << ::testing::PrintToString(args);
    EXPECT_EQ(p.err, "chinook-test: " + message + "\n" + kUsage) << ::testing::PrintToString(args);
    EXPECT_TRUE(p.out.empty());
  }
  // A value that starts with one dash is a value (a negative number, standard input).
  const Parsed negative = Run({"--count", "-3"});
  EXPECT_EQ(negative.err, std::string("chinook-test: --count: '-3' is not an integer in [1, 64]\n") + kUsage);
  EXPECT_EQ(Run({"--name", "-"}).exit, std::nullopt);
  EXPECT_EQ(name_, "-");
}

TEST(FlagParserRestTest, ArgumentsAfterDoubleDashAreLeftAlone) {
  std::vector<std::string> rest, files;
  bool quiet = false;
  FlagParser parser("chinook-test", kUsage, {.hint_instead_of_usage = true});
  parser.Bool("quiet", &quiet);
  parser.Positional(&files);
  parser.Rest(&rest);
  std::ostringstream out, err;
  EXPECT_EQ(parser.Parse({"a", "--quiet", "--", "--help", "--bogus", "b"}, out, err), std::nullopt) << err.str();
  EXPECT_TRUE(quiet);
  EXPECT_EQ(files, std::vector<std::string>{"a"});
  EXPECT_EQ(rest, (std::vector<std::string>{"--help", "--bogus", "b"}));
  EXPECT_EQ(parser.Parse({"--bogus"}, out, err), kExitUsage);
  EXPECT_EQ(err.str(), "chinook-test: unknown option --bogus\ntry 'chinook-test --help'\n");
}

TEST(FlagParserRestTest, CustomErrorsFollowTheOptionAndAreEscaped) {
  FlagParser parser("chinook-test", kUsage, {.escape = [](std::string_view m) {
                      std::string s(m);
                      for (char& c : s) c = c == '\x1b' ? '?' : c;
                      return s;
                    }});
  parser.Custom("when", [](const std::string& v) { return InvalidArgumentError("not a duration: " + v); });
  std::ostringstream out, err;
  EXPECT_EQ(parser.Parse({"--when", "\x1b[2J"}, out, err), kExitUsage);
  EXPECT_EQ(err.str(), std::string("chinook-test: --when: not a duration: ?[2J\n") + kUsage);
  std::ostringstream err2;
  EXPECT_EQ(parser.UsageError("needs a file", err2), kExitUsage);
  EXPECT_EQ(err2.str(), std::string("chinook-test: needs a file\n") + kUsage);
}

TEST(ParseIntegerTest, WholeTextInRange) {
  CHINOOK_ASSERT_OK_AND_ASSIGN(const uint64_t big, ParseInteger<uint64_t>("18446744073709551615", 1, UINT64_MAX));
  EXPECT_EQ(big, UINT64_MAX);
  EXPECT_FALSE(ParseInteger<uint64_t>("-1", 0, 10).ok());
  EXPECT_FALSE(ParseInteger<int>("+1", 0, 10).ok());
  EXPECT_FALSE(ParseInteger<int>("", 0, 10).ok());
  CHINOOK_ASSERT_OK_AND_ASSIGN(const double half, ParseNumber("0.5", {.min = 0, .max = 1}));
  EXPECT_EQ(half, 0.5);
  EXPECT_EQ(ParseNumber("-1", {.min = 0}).status().message(), "'-1' is not a finite number >= 0");
  EXPECT_EQ(ParseNumber("0", {.min = 0, .min_open = true}).status().message(), "'0' is not a finite number > 0");
  EXPECT_EQ(ParseNumber("inf", {}).status().message(), "'inf' is not a finite number");
}

}  // namespace
}  // namespace chinook::tools
