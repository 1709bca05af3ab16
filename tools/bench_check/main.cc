// chinook-bench-check FILE: exit 0 when chinook-bench's JSON in FILE holds only figures the suite
// can vouch for (bench_json_check.h), 1 listing each problem, 2 when FILE cannot be read or parsed.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench_json_check.h"
#include "common/flags.h"

namespace {
constexpr char kUsage[] =
    "usage: chinook-bench-check FILE.json\n"
    "Exit 0 when chinook-bench's JSON in FILE holds only figures the suite can vouch for, 1 listing\n"
    "each impossible value, 2 when FILE cannot be read or parsed or the command line is wrong.\n";
}  // namespace

int main(int argc, char** argv) {
  chinook::tools::FlagParser parser("chinook-bench-check", kUsage);
  std::vector<std::string> files;
  parser.Positional(&files);
  if (std::optional<int> exit = parser.Parse(argc, argv)) return *exit;
  if (files.size() != 1) return parser.UsageError(files.empty() ? "needs a results file" : "takes one results file");
  const std::string& path = files[0];
  auto doc = chinook::compare::json::ParseFile(path);
  if (!doc.ok()) {
    std::fprintf(stderr, "chinook-bench-check: error: %s\n", doc.status().ToString().c_str());
    return 2;
  }
  const auto problems = chinook::bench::FindImpossibleValues(*doc, path);
  for (const std::string& p : problems) std::fprintf(stderr, "chinook-bench-check: %s\n", p.c_str());
  if (!problems.empty()) {
    std::fprintf(stderr, "chinook-bench-check: %zu problem(s) in %s\n", problems.size(), path.c_str());
    return 1;
  }
  std::printf("chinook-bench-check: %s: every figure is plausible\n", path.c_str());
  return 0;
}
