// The command line of every chinook tool (chinook-compare and its history subcommand,
// chinook-cachesim, chinook-explain, chinook-profile, chinook-soak, chinook-bench-check): one
// parser with one convention, as Google Benchmark keeps one flags helper
// (benchmark/src/commandlineflags.h) rather than a loop per binary.
//
//   --help, -h     the usage on stdout, exit 0, wherever it stands (before a "--")
//   --name value   and --name=value alike; a value that starts with "--" is taken for the next
//                  option, so this one's value is missing, unless it is given as --name=value
//   usage errors   "chinook-TOOL: <what is wrong, naming the option and the value>" on stderr,
//                  then the usage (or, for a tool whose usage is long, the line
//                  "try 'chinook-TOOL --help'"), exit 2
//   numbers        read whole (no blanks, no trailing text) and checked against a range that the
//                  message states: "--threads: '0' is not an integer in [1, 64]"
//   unknown        "unknown option --bogus"; an argument that is no option, where the tool takes
//                  none, "unexpected argument 'x'"
//
// Why not CLI11 (Debian's libcli11-dev): its messages ("The following argument was not
// expected: --bogus", "Value 0 not in range 1 to 64"), exit codes (105-109) and generated help
// would each need overriding to keep the tools' usage texts and the messages their tests and
// scripts know, and its 9,000-line header would be compiled into six tools.
//
// Thread safety: a FlagParser is set up and used by one thread (Parse is const and may then be
// called from any); the free functions are pure.
#ifndef CHINOOK_TOOLS_COMMON_FLAGS_H_
#define CHINOOK_TOOLS_COMMON_FLAGS_H_

#include <charconv>
#include <functional>
#include <iosfwd>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "chinook/status.h"

namespace chinook::tools {

// The exit status of a usage error, in every tool.
inline constexpr int kExitUsage = 2;

// `text` as an integer in [min, max]; else InvalidArgument "'<text>' is not an integer in
// [min, max]" (the caller puts the option's name in front).
template <typename T>
Result<T> ParseInteger(std::string_view text, T min, T max) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return InvalidArgumentError("'" + std::string(text) + "' is not an integer in [" + std::to_string(min) + ", " +
                                std::to_string(max) + "]");
  }
  return v;
}

// A range of finite numbers; an open end is left out of it.
struct NumberRange {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;
  bool max_open = false;
};

// `text` as a finite number in `range`; else InvalidArgument "'<text>' is not a finite number in
// (0, 1)" (or ">= 0" for a range without an upper end).
Result<double> ParseNumber(std::string_view text, const NumberRange& range);

struct FlagParserOptions {
  // On a usage error: the line "try 'TOOL --help'" instead of the whole usage (chinook-compare's
  // usage is seventy lines).
  bool hint_instead_of_usage = false;
  // Applied to every error message before it is printed, e.g. chinook-compare's Printable(), so
  // that a value with control characters cannot drive the terminal. None: printed as is.
  std::function<std::string(std::string_view)> escape = nullptr;
};

class FlagParser {
 public:
  // `tool`: the name that starts every message ("chinook-soak"); `usage`: the text --help prints.
  FlagParser(std::string tool, std::string usage, FlagParserOptions options = {});

  // Each registers --NAME (given without the dashes). A valued option given twice keeps the last
  // value, except Strings and Choice/Custom with a store that appends.
  void Bool(const std::string& name, bool* value);  // --name; --name=x is an error
  void String(const std::string& name, std::string* value);
  void Strings(const std::string& name, std::vector<std::string>* values);  // repeatable
  template <typename T>
  void Integer(const std::string& name, T* value, std::type_identity_t<T> min, std::type_identity_t<T> max) {
    Custom(name, [value, min, max](const std::string& text) -> Status {
      CHINOOK_ASSIGN_OR_RETURN(*value, ParseInteger<T>(text, min, max));
      return Status::Ok();
    });
  }
  void Number(const std::string& name, double* value, const NumberRange& range);
  // One of `choices`, else "--NAME must be a, b or c, not 'x'"; `store` receives the value.
  void Choice(const std::string& name, std::vector<std::string> choices,
              std::function<void(const std::string&)> store);
  void Choice(const std::string& name, std::string* value, std::vector<std::string> choices);
  // `parse` checks and stores the value; its error message is printed after "--NAME: ".
  void Custom(const std::string& name, std::function<Status(const std::string&)> parse);
  // The arguments that are not options, in order. Without it, one is a usage error.
  void Positional(std::vector<std::string>* values);
  // The arguments after "--", untouched. Without it, "--" is a usage error.
  void Rest(std::vector<std::string>* values);

  // Parses `args` (without the program name). nullopt: go on and run; otherwise the exit status
  // to return, its output printed: 0 after the usage on `out` for --help (2 if it could not be
  // written), kExitUsage after the error and the usage (or the hint) on `err`.
  std::optional<int> Parse(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) const;
  std::optional<int> Parse(int argc, char** argv) const;  // on std::cout and std::cerr

  // A usage error the tool finds after parsing ("--warmup must be smaller than --ops"): printed
  // as Parse prints its own. Returns kExitUsage.
  int UsageError(std::string_view message, std::ostream& err) const;
  int UsageError(std::string_view message) const;  // on std::cerr

 private:
  struct Option {
    std::string name;  // with the dashes
    bool takes_value;
    std::function<Status(const std::string&)> set;  // the message names the option
  };
  void Add(const std::string& name, bool takes_value, std::function<Status(const std::string&)> set);
  const Option* Find(std::string_view name) const;
  // Stores what `args` say (--help aside); the error names the option and the value.
  Status ParseInto(const std::vector<std::string>& args) const;

  std::string tool_;
  std::string usage_;
  FlagParserOptions options_;
  std::vector<Option> flags_;
  std::vector<std::string>* positional_ = nullptr;
  std::vector<std::string>* rest_ = nullptr;
};

}  // namespace chinook::tools

#endif  // CHINOOK_TOOLS_COMMON_FLAGS_H_
