#include "workload/traces.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace chinook::workload {
namespace {

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

std::vector<uint64_t> RecencyTrace(size_t working_set, size_t requests, double s, size_t drift_every,
                                   uint64_t seed) {
  working_set = std::max<size_t>(working_set, 1);
  drift_every = std::max<size_t>(drift_every, 1);
  std::vector<uint64_t> out = ZipfTrace(working_set, requests, s, seed);
  for (size_t t = 0; t < out.size(); ++t) {
    const uint64_t newest = working_set - 1 + t / drift_every;
    out[t] = newest - out[t];  // rank 0 is the newest key of the window
  }
  return out;
}

std::vector<uint64_t> PhasedZipfTrace(size_t num_keys, size_t requests, double s, size_t phases, uint64_t seed) {
  phases = std::max<size_t>(phases, 1);
  std::vector<uint64_t> out;
  out.reserve(requests);
  for (size_t p = 0; p < phases; ++p) {
    const size_t length = requests / phases + (p < requests % phases ? 1 : 0);
    for (uint64_t rank : ZipfTrace(num_keys, length, s, seed + p)) out.push_back(p * num_keys + rank);
  }
  return out;
}

std::vector<uint64_t> InterleaveTraces(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b, uint64_t seed) {
  const uint64_t offset = a.empty() ? 0 : *std::max_element(a.begin(), a.end()) + 1;
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> out;
  out.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const uint64_t left_a = a.size() - i, left = left_a + (b.size() - j);
    if (rng() % left < left_a) {
      out.push_back(a[i++]);
    } else {
      out.push_back(offset + b[j++]);
    }
  }
  return out;
}

}  // namespace chinook::workload
