// chinook-bench-check FILE: exit 0 when chinook-bench's JSON in FILE holds only figures the suite
// can vouch for (bench_json_check.h), 1 listing each problem, 2 when FILE cannot be read or parsed.
#include <cstdio>
#include <string>

#include "bench_json_check.h"

namespace {
constexpr char kUsage[] =
    "usage: chinook-bench-check FILE.json\n"
    "Exit 0 when chinook-bench's JSON in FILE holds only figures the suite can vouch for, 1 listing\n"
    "each impossible value, 2 when FILE cannot be read or parsed or the command line is wrong.\n";
}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc != 2 || std::string(argv[1]).rfind("--", 0) == 0) {
    if (argc == 2) std::fprintf(stderr, "chinook-bench-check: unknown option %s\n", argv[1]);
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto doc = chinook::compare::json::ParseFile(argv[1]);
  if (!doc.ok()) {
    std::fprintf(stderr, "chinook-bench-check: error: %s\n", doc.status().ToString().c_str());
    return 2;
  }
  const auto problems = chinook::bench::FindImpossibleValues(*doc, argv[1]);
  for (const std::string& p : problems) std::fprintf(stderr, "chinook-bench-check: %s\n", p.c_str());
  if (!problems.empty()) {
    std::fprintf(stderr, "chinook-bench-check: %zu problem(s) in %s\n", problems.size(), argv[1]);
    return 1;
  }
  std::printf("chinook-bench-check: %s: every figure is plausible\n", argv[1]);
  return 0;
}
