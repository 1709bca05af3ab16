#include "cache/sim/workloads.h"

#include <algorithm>
#include <random>

#include "cache/trace.h"

namespace chinook::cache::sim {

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

}  // namespace chinook::cache::sim
