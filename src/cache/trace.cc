#include "cache/trace.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <unordered_map>

namespace chinook::cache {
namespace {

// An ARC line naming more blocks than this is garbage, not a request run: refusing it keeps a
// corrupt count from asking for terabytes.
constexpr uint64_t kMaxArcRun = uint64_t{1} << 24;

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Splits on spaces/tabs.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

Status LineError(std::string_view source, size_t line_number, std::string_view line, std::string_view why) {
  constexpr size_t kShown = 80;
  std::string shown(line.substr(0, kShown));
  if (line.size() > kShown) shown += "...";
  return InvalidArgumentError(std::string(source) + ":" + std::to_string(line_number) + ": " +
                              std::string(why) + ": \"" + shown + "\"");
}

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Draws ranks 0..n-1 with P(k) proportional to 1/(k+1)^s.
class ZipfSampler {
 public:
  ZipfSampler(size_t n, double s, uint64_t seed) : state_(seed) {
    cdf_.resize(std::max<size_t>(n, 1));
    double sum = 0;
    for (size_t k = 0; k < cdf_.size(); ++k) {
      sum += 1.0 / std::pow(static_cast<double>(k + 1), s);
      cdf_[k] = sum;
    }
    for (double& c : cdf_) c /= sum;
  }
  uint64_t Next() {
    // 53 random bits -> a uniform double in [0, 1).
    const double u = static_cast<double>(SplitMix64(&state_) >> 11) * 0x1.0p-53;
    const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
    return static_cast<uint64_t>(std::min<size_t>(it - cdf_.begin(), cdf_.size() - 1));
  }

 private:
  uint64_t state_;
  std::vector<double> cdf_;
};

}  // namespace

Result<TraceFormat> ParseTraceFormat(std::string_view name) {
  if (name == "keys") return TraceFormat::kKeys;
  if (name == "arc") return TraceFormat::kArc;
  if (name == "lirs") return TraceFormat::kLirs;
  return InvalidArgumentError("unknown trace format \"" + std::string(name) + "\" (expected keys, arc or lirs)");
}

Result<std::vector<uint64_t>> ReadTrace(std::istream& in, TraceFormat format, std::string_view source,
                                        uint64_t max_requests) {
  std::vector<uint64_t> requests;
  std::unordered_map<std::string, uint64_t> key_ids;  // keys format: text -> dense id
  std::string raw;
  size_t line_number = 0;
  while (std::getline(in, raw)) {
    ++line_number;
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.find('\0') != std::string_view::npos) {
      return LineError(source, line_number, "", "NUL byte in a text trace (is this a binary file?)");
    }
    if (requests.size() >= max_requests) {
      return LineError(source, line_number, line, "trace has more than " + std::to_string(max_requests) + " requests");
    }
    switch (format) {
      case TraceFormat::kKeys: {
        if (line.find_first_of(" \t") != std::string_view::npos) {
          return LineError(source, line_number, line, "expected one key per line, found several fields");
        }
        const auto [it, inserted] = key_ids.try_emplace(std::string(line), key_ids.size());
        requests.push_back(it->second);
        break;
      }
      case TraceFormat::kLirs: {
        if (line == "*") continue;
        uint64_t block;
        if (!ParseU64(line, &block)) {
          return LineError(source, line_number, line, "expected one non-negative block number");
        }
        requests.push_back(block);
        break;
      }
      case TraceFormat::kArc: {
        const std::vector<std::string_view> fields = Fields(line);
        uint64_t start, count;
        if (fields.size() < 2 || !ParseU64(fields[0], &start) || !ParseU64(fields[1], &count)) {
          return LineError(source, line_number, line,
                           "expected \"start count ...\" with non-negative integers");
        }
        if (count == 0 || count > kMaxArcRun) {
          return LineError(source, line_number, line,
                           "block count must be in [1, " + std::to_string(kMaxArcRun) + "]");
        }
        if (start > UINT64_MAX - (count - 1)) {
          return LineError(source, line_number, line, "block range overflows 64 bits");
        }
        if (count > max_requests - requests.size()) {
          return LineError(source, line_number, line,
                           "trace expands to more than " + std::to_string(max_requests) + " requests");
        }
        for (uint64_t b = 0; b < count; ++b) requests.push_back(start + b);
        break;
      }
    }
  }
  if (in.bad()) return UnavailableError(std::string(source) + ": read error after line " + std::to_string(line_number));
  return requests;
}

Result<std::vector<uint64_t>> ReadTraceFile(const std::string& path, TraceFormat format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open trace file");
  return ReadTrace(in, format, path);
}

std::vector<uint64_t> ZipfTrace(size_t num_keys, size_t requests, double s, uint64_t seed) {
  ZipfSampler sampler(num_keys, s, seed);
  std::vector<uint64_t> out(requests);
  for (uint64_t& key : out) key = sampler.Next();
  return out;
}

std::vector<uint64_t> ScanPollutedZipfTrace(size_t num_keys, size_t requests, double s, uint64_t seed,
                                            size_t scan_every, size_t scan_length) {
  ZipfSampler sampler(num_keys, s, seed);
  std::vector<uint64_t> out;
  out.reserve(requests + (scan_every == 0 ? 0 : requests / scan_every * scan_length));
  uint64_t next_cold = num_keys;  // scan keys lie outside the Zipf key space and never repeat
  for (size_t i = 0; i < requests; ++i) {
    out.push_back(sampler.Next());
    if (scan_every != 0 && (i + 1) % scan_every == 0) {
      for (size_t j = 0; j < scan_length; ++j) out.push_back(next_cold++);
    }
  }
  return out;
}

std::vector<uint64_t> LoopTrace(size_t loop_length, size_t repeats) {
  std::vector<uint64_t> out;
  out.reserve(loop_length * repeats);
  for (size_t r = 0; r < repeats; ++r) {
    for (size_t k = 0; k < loop_length; ++k) out.push_back(k);
  }
  return out;
}

}  // namespace chinook::cache
