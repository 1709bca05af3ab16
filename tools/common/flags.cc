#include "common/flags.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace chinook::tools {
namespace {

std::string Shortest(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// "in [0, 1)", ">= 0", "<= 10", or "" for the whole line.
std::string RangeText(const NumberRange& r) {
  const bool low = std::isfinite(r.min), high = std::isfinite(r.max);
  if (low && high) {
    return "in " + std::string(r.min_open ? "(" : "[") + Shortest(r.min) + ", " + Shortest(r.max) +
           (r.max_open ? ")" : "]");
  }
  if (low) return (r.min_open ? "> " : ">= ") + Shortest(r.min);
  if (high) return (r.max_open ? "< " : "<= ") + Shortest(r.max);
  return "";
}

bool IsHelp(std::string_view arg) { return arg == "--help" || arg == "-h"; }

}  // namespace

Result<double> ParseNumber(std::string_view text, const NumberRange& range) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const bool in_range = (range.min_open ? v > range.min : v >= range.min) &&
                        (range.max_open ? v < range.max : v <= range.max);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || !in_range) {
    const std::string where = RangeText(range);
    return InvalidArgumentError("'" + std::string(text) + "' is not a finite number" + (where.empty() ? "" : " ") +
                                where);
  }
  return v;
}

FlagParser::FlagParser(std::string tool, std::string usage, FlagParserOptions options)
    : tool_(std::move(tool)), usage_(std::move(usage)), options_(std::move(options)) {}

void FlagParser::Add(const std::string& name, bool takes_value, std::function<Status(const std::string&)> set) {
  flags_.push_back({"--" + name, takes_value, std::move(set)});
}

void FlagParser::Bool(const std::string& name, bool* value) {
  Add(name, false, [value](const std::string&) {
    *value = true;
    return Status::Ok();
  });
}

void FlagParser::String(const std::string& name, std::string* value) {
  Add(name, true, [value](const std::string& v) {
    *value = v;
    return Status::Ok();
  });
}

void FlagParser::Strings(const std::string& name, std::vector<std::string>* values) {
  Add(name, true, [values](const std::string& v) {
    values->push_back(v);
    return Status::Ok();
  });
}

void FlagParser::Number(const std::string& name, double* value, const NumberRange& range) {
  Custom(name, [value, range](const std::string& text) -> Status {
    CHINOOK_ASSIGN_OR_RETURN(*value, ParseNumber(text, range));
    return Status::Ok();
  });
}

void FlagParser::Choice(const std::string& name, std::vector<std::string> choices,
                        std::function<void(const std::string&)> store) {
  std::string list;
  for (size_t i = 0; i < choices.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  }
  Add(name, true, [name, choices = std::move(choices), list, store = std::move(store)](const std::string& v) {
    for (const std::string& c : choices) {
      if (v == c) {
        store(v);
        return Status::Ok();
      }
    }
    return InvalidArgumentError("--" + name + " must be " + list + ", not '" + v + "'");
  });
}

void FlagParser::Choice(const std::string& name, std::string* value, std::vector<std::string> choices) {
  Choice(name, std::move(choices), [value](const std::string& v) { *value = v; });
}

void FlagParser::Custom(const std::string& name, std::function<Status(const std::string&)> parse) {
  Add(name, true, [name, parse = std::move(parse)](const std::string& v) -> Status {
    if (Status s = parse(v); !s.ok()) return InvalidArgumentError("--" + name + ": " + s.message());
    return Status::Ok();
  });
}

void FlagParser::Positional(std::vector<std::string>* values) { positional_ = values; }

void FlagParser::Rest(std::vector<std::string>* values) { rest_ = values; }

const FlagParser::Option* FlagParser::Find(std::string_view name) const {
  for (const Option& o : flags_) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

Status FlagParser::ParseInto(const std::vector<std::string>& args) const {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      if (rest_ == nullptr) return InvalidArgumentError("unexpected argument '--'");
      rest_->assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      return Status::Ok();
    }
    // "-" is a file name (standard input), as is anything without a leading dash.
    if (arg.empty() || arg[0] != '-' || arg == "-") {
      if (positional_ == nullptr) return InvalidArgumentError("unexpected argument '" + arg + "'");
      positional_->push_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const Option* option = Find(name);
    if (option == nullptr) return InvalidArgumentError("unknown option " + name);
    if (!option->takes_value) {
      if (eq != std::string::npos) return InvalidArgumentError(name + " takes no value");
      CHINOOK_RETURN_IF_ERROR(option->set(""));
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
      value = args[++i];
    } else {
      return InvalidArgumentError(name + " needs a value");
    }
    CHINOOK_RETURN_IF_ERROR(option->set(value));
  }
  return Status::Ok();
}

std::optional<int> FlagParser::Parse(const std::vector<std::string>& args, std::ostream& out,
                                     std::ostream& err) const {
  for (const std::string& arg : args) {
    if (arg == "--" && rest_ != nullptr) break;
    if (IsHelp(arg)) {
      out << usage_;
      if (out.flush()) return 0;
      err << tool_ << ": cannot write the usage to standard output\n";
      return kExitUsage;
    }
  }
  if (Status s = ParseInto(args); !s.ok()) return UsageError(s.message(), err);
  return std::nullopt;
}

std::optional<int> FlagParser::Parse(int argc, char** argv) const {
  return Parse(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}

int FlagParser::UsageError(std::string_view message, std::ostream& err) const {
  err << tool_ << ": " << (options_.escape ? options_.escape(message) : std::string(message)) << "\n";
  if (options_.hint_instead_of_usage) {
    err << "try '" << tool_ << " --help'\n";
  } else {
    err << usage_;
  }
  err.flush();
  return kExitUsage;
}

int FlagParser::UsageError(std::string_view message) const { return UsageError(message, std::cerr); }

}  // namespace chinook::tools
