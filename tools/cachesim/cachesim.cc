#include "cachesim.h"

#include <cstdio>
#include <map>
#include <new>
#include <optional>
#include <string_view>

#include "cache/simulation.h"
#include "cache/trace.h"
#include "common/flags.h"
#include "common/json_writer.h"
#include "report.h"
#include "run_limits.h"
#include "workload/traces.h"

namespace chinook::cachesim {
namespace {

constexpr const char* kUsage =
    "usage: chinook-cachesim --trace FILE [--format keys|arc|lirs] --capacity|--capacities N[,N...]\n"
    "                        [--policy all|P[,P...]] [--svg FILE] [--shard-bits N] [--json]\n"
    "         P: lru wtinylfu wtinylfu-fixed belady arc lirs s3fifo sieve\n"
    "       chinook-cachesim --generate zipf|scan|loop|recency|phases|two-pools|loop-zipf [--keys N]\n"
    "                        [--requests N] [--zipf-s S] [--drift N] [--seed N]\n";

struct Flags {
  std::map<std::string, std::string> values;  // by name without the dashes
  bool json = false;
};

std::string Usage() { return std::string(kUsage) + kLimitsUsage; }

// Prints a usage error and the usage; returns the exit status of one.
int UsageError(std::ostream& err, const std::string& message) {
  return tools::FlagParser("chinook-cachesim", Usage()).UsageError(message, err);
}

// The flags' values are kept as text and checked where they are used (ParseRunLimits, Generate,
// RunUnguarded), each against its range.
tools::FlagParser FlagsParser(Flags* flags) {
  tools::FlagParser parser("chinook-cachesim", Usage());
  std::vector<std::string> names = {"trace", "format", "capacity", "capacities", "policy", "svg", "shard-bits",
                                    "generate", "keys", "requests", "zipf-s", "drift", "seed"};
  for (std::string_view limit : LimitFlagNames()) names.emplace_back(limit);
  for (const std::string& name : names) {
    parser.Custom(name, [flags, name](const std::string& v) {
      flags->values[name] = v;
      return Status::Ok();
    });
  }
  parser.Bool("json", &flags->json);
  return parser;
}

Result<uint64_t> ParsePositive(const std::string& flag, const std::string& text) {
  return ParseFlagInteger(flag, text, 1, UINT64_MAX);
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

// Requests a generated trace will have, computed before it is built so that the reader's limits
// refuse it first (the sizes are up to 2^64 - 1 each: no wrap-around).
uint64_t Saturate(unsigned __int128 v) { return v > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(v); }

// Writes `trace` in LIRS format, a chunk at a time (not one string of the whole trace).
int WriteLirs(const std::vector<uint64_t>& trace, std::ostream& out) {
  constexpr size_t kChunkBytes = 1 << 16;
  std::string buffer;
  for (uint64_t key : trace) {
    buffer += std::to_string(key);
    buffer += '\n';
    if (buffer.size() >= kChunkBytes) {
      if (!(out << buffer)) return 1;
      buffer.clear();
    }
  }
  out << buffer;
  return out.flush() ? 0 : 1;
}

// A scan as long as a fifth of the key space after every tenth of the key space of requests.
uint64_t ScanEvery(uint64_t keys) { return std::max<uint64_t>(keys / 10, 1); }
uint64_t ScanLength(uint64_t keys) { return std::max<uint64_t>(keys / 5, 1); }
uint64_t LoopRepeats(uint64_t keys, uint64_t requests) { return std::max<uint64_t>(requests / keys, 1); }

// The size of the trace `--generate kind` will build, known before it is built so that the
// reader's limits refuse it first. A generator whose trace is longer than --requests or has more
// keys than --keys states it here; the others are --requests requests over --keys keys.
struct GeneratedSize {
  uint64_t requests, keys;
};
GeneratedSize SizeOfGenerated(const std::string& kind, uint64_t keys, uint64_t requests) {
  if (kind == "scan") {
    const uint64_t scanned = Saturate(static_cast<unsigned __int128>(requests / ScanEvery(keys)) * ScanLength(keys));
    return {Saturate(static_cast<unsigned __int128>(requests) + scanned),
            Saturate(static_cast<unsigned __int128>(keys) + scanned)};
  }
  if (kind == "loop") return {Saturate(static_cast<unsigned __int128>(keys) * LoopRepeats(keys, requests)), keys};
  // recency brings a new key in every --drift requests; phases moves the hot set across phases:
  // both bounded, generously, by a key per request on top of --keys. loop-zipf's loop may round
  // up to a whole pass over half the keys.
  if (kind == "recency" || kind == "phases") return {requests, Saturate(static_cast<unsigned __int128>(keys) + requests)};
  if (kind == "loop-zipf") return {Saturate(static_cast<unsigned __int128>(requests) + keys), keys};
  return {requests, keys};
}

int Generate(const Flags& flags, const RunLimits& limits, std::ostream& out, std::ostream& err) {
  auto keys = ParsePositive("keys", Get(flags, "keys", "100000"));
  auto requests = ParsePositive("requests", Get(flags, "requests", "1000000"));
  auto seed = ParsePositive("seed", Get(flags, "seed", "42"));
  // recency: one new key enters the hot window every `drift` requests (a fifth of the requests
  // are first-time keys by default).
  auto drift = ParsePositive("drift", Get(flags, "drift", "5"));
  for (const Status* s : {&keys.status(), &requests.status(), &seed.status(), &drift.status()}) {
    if (!s->ok()) return UsageError(err, s->message());
  }
  const auto zipf_s = tools::ParseNumber(Get(flags, "zipf-s", "0.99"), {.min = 0, .max = 10, .min_open = true});
  if (!zipf_s.ok()) return UsageError(err, "--zipf-s: " + zipf_s.status().message());
  const double s = *zipf_s;
  const std::string kind = Get(flags, "generate", "");
  // Generators hold the trace (8 B per request) and a Zipf CDF (8 B per key) under the limits
  // of a read: --keys and --requests are refused before anything is allocated.
  cache::TraceLimits size_limits = limits.trace;
  size_limits.max_memory_bytes = limits.max_memory_mb << 20;
  size_limits.replay = {.bytes_per_request = 0, .bytes_per_key = 8, .fixed_bytes = 0};
  const GeneratedSize size = SizeOfGenerated(kind, *keys, *requests);
  if (Status st = cache::CheckTraceSize(std::max(size.requests, *requests), std::max(size.keys, *keys), size_limits,
                                        "--generate " + kind);
      !st.ok()) {
    return UsageError(err, st.message() + " (from --keys " + std::to_string(*keys) + " --requests " +
                               std::to_string(*requests) + "; raise --max-requests, --max-keys or --max-memory-mb)");
  }
  std::vector<uint64_t> trace;
  if (kind == "zipf") {
    trace = workload::ZipfTrace(*keys, *requests, s, *seed);
  } else if (kind == "scan") {
    trace = workload::ScanPollutedZipfTrace(*keys, *requests, s, *seed, ScanEvery(*keys), ScanLength(*keys));
  } else if (kind == "loop") {
    trace = workload::LoopTrace(*keys, LoopRepeats(*keys, *requests));
  } else if (kind == "recency") {
    trace = workload::RecencyTrace(*keys, *requests, s, *drift, *seed);
  } else if (kind == "phases") {
    trace = workload::PhasedZipfTrace(*keys, *requests, s, 4, *seed);
  } else if (kind == "two-pools") {
    // Half the requests on a small, very skewed pool (a tenth of the keys, Zipf 1.2), half on a
    // large, flat one (all the keys, Zipf 0.6).
    trace = workload::InterleaveTraces(
        workload::ZipfTrace(std::max<uint64_t>(*keys / 10, 1), *requests / 2, 1.2, *seed),
        workload::ZipfTrace(*keys, *requests - *requests / 2, 0.6, *seed + 1), *seed + 2);
  } else if (kind == "loop-zipf") {
    // A loop over half the keys interleaved with Zipf(s) requests over the other half.
    const uint64_t half = std::max<uint64_t>(*keys / 2, 1);
    trace = workload::InterleaveTraces(workload::ZipfTrace(half, *requests / 2, s, *seed),
                                       workload::LoopTrace(half, std::max<uint64_t>(*requests / 2 / half, 1)),
                                       *seed + 1);
  } else {
    return UsageError(err, "--generate: \"" + kind + "\" is not zipf, scan, loop, recency, phases, two-pools or loop-zipf");
  }
  return WriteLirs(trace, out);
}

// The tool; RunCachesim below adds the last-resort guard.
int RunUnguarded(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Flags parsed;
  if (std::optional<int> exit = FlagsParser(&parsed).Parse(args, out, err)) return *exit;
  Flags* flags = &parsed;
  auto limits = ParseRunLimits(flags->values);
  if (!limits.ok()) return UsageError(err, limits.status().message());
  if (flags->values.count("generate")) return Generate(*flags, *limits, out, err);

  const std::string path = Get(*flags, "trace", "");
  const std::string capacity_flag = flags->values.count("capacity") ? "capacity" : "capacities";
  if (path.empty() || !flags->values.count(capacity_flag)) {
    return UsageError(err, "--trace and --capacity (or --capacities) are required");
  }
  auto format = cache::ParseTraceFormat(Get(*flags, "format", "keys"));
  if (!format.ok()) return UsageError(err, "--format: " + format.status().message());
  std::vector<size_t> capacities;
  for (const std::string& c : SplitCommas(flags->values[capacity_flag])) {
    // A cache larger than the most keys a trace may have holds them all: the limit keeps a
    // policy that sizes a structure by its capacity inside the key limit's bound.
    auto v = ParseFlagInteger(capacity_flag, c, 1, limits->trace.max_distinct_keys);
    if (!v.ok()) return UsageError(err, v.status().message() + " (the upper end is --max-keys)");
    capacities.push_back(*v);
  }
  std::vector<cache::SimulatedPolicy> policies;
  const std::string policy_list = Get(*flags, "policy", "lru,wtinylfu,belady");
  for (const std::string& p : policy_list == "all" ? std::vector<std::string>{} : SplitCommas(policy_list)) {
    auto policy = cache::ParseSimulatedPolicy(p);
    if (!policy.ok()) return UsageError(err, "--policy: " + policy.status().message());
    policies.push_back(*policy);
  }
  if (policy_list == "all") policies = cache::AllSimulatedPolicies();
  const std::string svg_path = Get(*flags, "svg", "");
  if (flags->values.count("svg") && svg_path.empty()) return UsageError(err, "--svg: an empty file name");
  if (!svg_path.empty()) {
    if (const Status writable = CheckWritable(svg_path); !writable.ok()) {
      err << "chinook-cachesim: --svg: " << writable.message() << "\n";
      return 1;
    }
  }
  cache::SimulationOptions options;
  if (flags->values.count("shard-bits")) {
    auto bits = ParseFlagInteger("shard-bits", flags->values["shard-bits"], 0, 16);
    if (!bits.ok()) return UsageError(err, bits.status().message());
    options.num_shard_bits = static_cast<int>(*bits);
  }
  const uint64_t runs = capacities.size() * policies.size();
  // LocalCache uses at most 64 shards unless told otherwise.
  const uint64_t shard_count = options.num_shard_bits >= 0 ? uint64_t{1} << options.num_shard_bits : 64;
  if (RequestsPerSimulation(*limits, runs, shard_count) == 0) {
    return UsageError(err, std::to_string(runs) + " simulations (capacities x policies) of " +
                               std::to_string(shard_count) + " shards each exceed --max-replayed " +
                               std::to_string(limits->max_replayed_requests));
  }

  auto trace = cache::ReadTraceFile(path, *format, ReaderLimits(*limits, policies, runs, shard_count));
  if (!trace.ok()) {
    err << "chinook-cachesim: " << trace.status().message() << "\n";
    if (trace.status().code() == StatusCode::kResourceExhausted) err << DescribeLimits(*limits, runs, shard_count) << "\n";
    return 1;
  }
  if (trace->requests.empty()) {
    err << "chinook-cachesim: " << path << ": the trace has no requests\n";
    return 1;
  }
  const uint64_t distinct = trace->distinct_keys;

  std::vector<ResultRow> rows;
  for (size_t capacity : capacities) {
    for (cache::SimulatedPolicy policy : policies) {
      rows.push_back({capacity, policy, cache::Simulate(trace->requests, policy, capacity, options)});
    }
  }

  const std::string format_name(Get(*flags, "format", "keys"));
  if (flags->json) {
    std::string trace_name, format;
    AppendJsonString(path, &trace_name);
    AppendJsonString(format_name, &format);
    out << "{\n  \"trace\": " << trace_name << ",\n  \"format\": " << format
        << ",\n  \"requests\": " << trace->requests.size() << ",\n  \"distinct_keys\": " << distinct
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
    out << "trace " << path << " (" << format_name << "): " << trace->requests.size() << " requests, " << distinct
        << " distinct keys\n"
        << "hit rate by capacity and policy\n"
        << FormatTable(rows, policies, capacities);
  }
  if (!svg_path.empty()) {
    const std::string title = path + ": " + std::to_string(trace->requests.size()) + " requests, " +
                              std::to_string(distinct) + " distinct keys";
    const Status written = WriteFileAtomically(svg_path, RenderSvgChart(title, rows, policies, capacities));
    if (!written.ok()) {
      err << "chinook-cachesim: --svg: " << written.message() << "\n";
      return 1;
    }
  }
  return out ? 0 : 1;
}

}  // namespace

// No input ends the process with std::bad_alloc or std::terminate: the limits are meant to
// prevent both, and this says so if they did not (the model above undercounting, or a machine
// with less memory than --max-memory-mb).
int RunCachesim(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto input = [&] {
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--trace" || args[i] == "--generate") return args[i] + " " + args[i + 1];
    }
    return std::string("the input");
  };
  try {
    return RunUnguarded(args, out, err);
  } catch (const std::bad_alloc&) {
    err << "chinook-cachesim: out of memory on " << input()
        << " within the limits (the memory model under --max-memory-mb, default 4096, assumes that much is"
           " available): lower --max-memory-mb, --max-requests or --max-keys, or use fewer policies\n";
  } catch (const std::exception& e) {
    err << "chinook-cachesim: internal error on " << input() << ": " << e.what() << "\n";
  }
  return 1;
}

}  // namespace chinook::cachesim
