#include "cachesim.h"

#include <charconv>
#include <cstdio>
#include <map>
#include <optional>
#include <unordered_set>

#include "cache/sim/workloads.h"
#include "cache/simulation.h"
#include "cache/trace.h"
#include "report.h"

namespace chinook::cachesim {
namespace {

constexpr const char* kUsage =
    "usage: chinook-cachesim --trace FILE [--format keys|arc|lirs] --capacity|--capacities N[,N...]\n"
    "                        [--policy all|P[,P...]] [--svg FILE] [--shard-bits N] [--json]\n"
    "         P: lru wtinylfu wtinylfu-fixed belady arc lirs s3fifo sieve\n"
    "       chinook-cachesim --generate zipf|scan|loop|recency|phases|two-pools|loop-zipf [--keys N]\n"
    "                        [--requests N] [--zipf-s S] [--drift N] [--seed N]\n";

struct Flags {
  std::map<std::string, std::string> values;
  bool json = false;
};

// Parses "--name value" and "--name=value"; --json takes no value.
Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  static const std::unordered_set<std::string> kKnown = {"trace",    "format", "capacity", "capacities", "policy",
                                                         "svg",      "shard-bits", "generate", "keys", "requests",
                                                         "zipf-s",   "drift",  "seed"};
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--json") {
      flags.json = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return InvalidArgumentError("unexpected argument \"" + arg + "\"");
    std::string name = arg.substr(2);
    std::string value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return InvalidArgumentError("--" + name + " needs a value");
    }
    if (!kKnown.count(name)) return InvalidArgumentError("unknown flag --" + name);
    flags.values[name] = value;
  }
  return flags;
}

Result<uint64_t> ParsePositive(const std::string& flag, const std::string& text) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v == 0) {
    return InvalidArgumentError("--" + flag + ": \"" + text + "\" is not a positive integer");
  }
  return v;
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string Get(const Flags& flags, const std::string& name, const std::string& fallback) {
  auto it = flags.values.find(name);
  return it == flags.values.end() ? fallback : it->second;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

int Generate(const Flags& flags, std::ostream& out, std::ostream& err) {
  auto keys = ParsePositive("keys", Get(flags, "keys", "100000"));
  auto requests = ParsePositive("requests", Get(flags, "requests", "1000000"));
  auto seed = ParsePositive("seed", Get(flags, "seed", "42"));
  // recency: one new key enters the hot window every `drift` requests (a fifth of the requests
  // are first-time keys by default).
  auto drift = ParsePositive("drift", Get(flags, "drift", "5"));
  for (const Status* s : {&keys.status(), &requests.status(), &seed.status(), &drift.status()}) {
    if (!s->ok()) {
      err << "chinook-cachesim: " << s->message() << "\n";
      return 2;
    }
  }
  const std::string s_text = Get(flags, "zipf-s", "0.99");
  char* end = nullptr;
  const double s = std::strtod(s_text.c_str(), &end);
  if (end == s_text.c_str() || *end != '\0' || !(s > 0) || s > 10) {
    err << "chinook-cachesim: --zipf-s: \"" << s_text << "\" is not a number in (0, 10]\n";
    return 2;
  }
  const std::string kind = Get(flags, "generate", "");
  std::vector<uint64_t> trace;
  if (kind == "zipf") {
    trace = cache::ZipfTrace(*keys, *requests, s, *seed);
  } else if (kind == "scan") {
    // A scan as long as a fifth of the key space after every tenth of the key space of requests.
    trace = cache::ScanPollutedZipfTrace(*keys, *requests, s, *seed, std::max<uint64_t>(*keys / 10, 1),
                                         std::max<uint64_t>(*keys / 5, 1));
  } else if (kind == "loop") {
    trace = cache::LoopTrace(*keys, std::max<uint64_t>(*requests / *keys, 1));
  } else if (kind == "recency") {
    trace = cache::sim::RecencyTrace(*keys, *requests, s, *drift, *seed);
  } else if (kind == "phases") {
    trace = cache::sim::PhasedZipfTrace(*keys, *requests, s, 4, *seed);
  } else if (kind == "two-pools") {
    // Half the requests on a small, very skewed pool (a tenth of the keys, Zipf 1.2), half on a
    // large, flat one (all the keys, Zipf 0.6).
    trace = cache::sim::InterleaveTraces(
        cache::ZipfTrace(std::max<uint64_t>(*keys / 10, 1), *requests / 2, 1.2, *seed),
        cache::ZipfTrace(*keys, *requests - *requests / 2, 0.6, *seed + 1), *seed + 2);
  } else if (kind == "loop-zipf") {
    // A loop over half the keys interleaved with Zipf(s) requests over the other half.
    const uint64_t half = std::max<uint64_t>(*keys / 2, 1);
    trace = cache::sim::InterleaveTraces(cache::ZipfTrace(half, *requests / 2, s, *seed),
                                         cache::LoopTrace(half, std::max<uint64_t>(*requests / 2 / half, 1)),
                                         *seed + 1);
  } else {
    err << "chinook-cachesim: --generate: \"" << kind
        << "\" is not zipf, scan, loop, recency, phases, two-pools or loop-zipf\n";
    return 2;
  }
  std::string buffer;
  for (uint64_t key : trace) {
    buffer += std::to_string(key);
    buffer += '\n';
  }
  out << buffer;
  return out ? 0 : 1;
}

}  // namespace

int RunCachesim(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto flags = ParseFlags(args);
  if (!flags.ok()) {
    err << "chinook-cachesim: " << flags.status().message() << "\n" << kUsage;
    return 2;
  }
  if (flags->values.count("generate")) return Generate(*flags, out, err);

  const std::string path = Get(*flags, "trace", "");
  const std::string capacity_flag = flags->values.count("capacity") ? "capacity" : "capacities";
  if (path.empty() || !flags->values.count(capacity_flag)) {
    err << "chinook-cachesim: --trace and --capacity (or --capacities) are required\n" << kUsage;
    return 2;
  }
  auto format = cache::ParseTraceFormat(Get(*flags, "format", "keys"));
  if (!format.ok()) {
    err << "chinook-cachesim: --format: " << format.status().message() << "\n";
    return 2;
  }
  std::vector<size_t> capacities;
  for (const std::string& c : SplitCommas(flags->values[capacity_flag])) {
    auto v = ParsePositive(capacity_flag, c);
    if (!v.ok()) {
      err << "chinook-cachesim: " << v.status().message() << "\n";
      return 2;
    }
    capacities.push_back(*v);
  }
  std::vector<cache::SimulatedPolicy> policies;
  const std::string policy_list = Get(*flags, "policy", "lru,wtinylfu,belady");
  for (const std::string& p : policy_list == "all" ? std::vector<std::string>{} : SplitCommas(policy_list)) {
    auto policy = cache::ParseSimulatedPolicy(p);
    if (!policy.ok()) {
      err << "chinook-cachesim: --policy: " << policy.status().message() << "\n";
      return 2;
    }
    policies.push_back(*policy);
  }
  if (policy_list == "all") policies = cache::AllSimulatedPolicies();
  const std::string svg_path = Get(*flags, "svg", "");
  if (flags->values.count("svg") && svg_path.empty()) {
    err << "chinook-cachesim: --svg needs a file name\n";
    return 2;
  }
  if (!svg_path.empty()) {
    if (const Status writable = CheckWritable(svg_path); !writable.ok()) {
      err << "chinook-cachesim: --svg: " << writable.message() << "\n";
      return 1;
    }
  }
  cache::SimulationOptions options;
  if (flags->values.count("shard-bits")) {
    const std::string text = flags->values["shard-bits"];
    int bits = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bits);
    if (ec != std::errc() || end != text.data() + text.size() || bits < 0 || bits > 16) {
      err << "chinook-cachesim: --shard-bits: \"" << text << "\" is not an integer in [0, 16]\n";
      return 2;
    }
    options.num_shard_bits = bits;
  }

  auto trace = cache::ReadTraceFile(path, *format);
  if (!trace.ok()) {
    err << "chinook-cachesim: " << trace.status().message() << "\n";
    return 1;
  }
  if (trace->empty()) {
    err << "chinook-cachesim: " << path << ": the trace has no requests\n";
    return 1;
  }
  const size_t distinct = std::unordered_set<uint64_t>(trace->begin(), trace->end()).size();

  std::vector<ResultRow> rows;
  for (size_t capacity : capacities) {
    for (cache::SimulatedPolicy policy : policies) {
      rows.push_back({capacity, policy, cache::Simulate(*trace, policy, capacity, options)});
    }
  }

  const std::string format_name(Get(*flags, "format", "keys"));
  if (flags->json) {
    out << "{\n  \"trace\": \"" << JsonEscape(path) << "\",\n  \"format\": \"" << format_name
        << "\",\n  \"requests\": " << trace->size() << ",\n  \"distinct_keys\": " << distinct
        << ",\n  \"results\": [\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.6f", rows[i].result.hit_rate());
      out << "    {\"policy\": \"" << cache::SimulatedPolicyName(rows[i].policy) << "\", \"capacity\": "
          << rows[i].capacity << ", \"requests\": " << rows[i].result.requests << ", \"hits\": "
          << rows[i].result.hits << ", \"hit_rate\": " << rate << "}" << (i + 1 < rows.size() ? "," : "")
          << "\n";
    }
    out << "  ]\n}\n";
  } else {
    out << "trace " << path << " (" << format_name << "): " << trace->size() << " requests, " << distinct
        << " distinct keys\n"
        << "hit rate by capacity and policy\n"
        << FormatTable(rows, policies, capacities);
  }
  if (!svg_path.empty()) {
    const std::string title = path + ": " + std::to_string(trace->size()) + " requests, " +
                              std::to_string(distinct) + " distinct keys";
    const Status written = WriteFileAtomically(svg_path, RenderSvgChart(title, rows, policies, capacities));
    if (!written.ok()) {
      err << "chinook-cachesim: --svg: " << written.message() << "\n";
      return 1;
    }
  }
  return out ? 0 : 1;
}

}  // namespace chinook::cachesim
