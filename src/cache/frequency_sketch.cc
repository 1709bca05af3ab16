#include "cache/frequency_sketch.h"

#include <algorithm>
#include <bit>

namespace chinook::cache::internal {
namespace {

constexpr uint64_t kResetMask = 0x7777777777777777ULL;  // clears each nibble's high bit after >> 1
constexpr uint64_t kOneMask = 0x1111111111111111ULL;    // each nibble's low bit

}  // namespace

FrequencySketch::FrequencySketch(size_t capacity) : capacity_(capacity) { SetPeriod(kDefaultPeriodPerEntry); }

void FrequencySketch::SetPeriod(double per_entry) {
  sample_size_ = std::max<size_t>(static_cast<size_t>(per_entry * static_cast<double>(std::max<size_t>(capacity_, 1))), 1);
  if (size_ >= sample_size_ && initialized()) Reset();
}

void FrequencySketch::Initialize() {
  if (initialized()) return;
  const size_t words = std::bit_ceil(std::max<size_t>(capacity_, 8));
  table_.assign(words, 0);
  mask_ = words - 1;
}

int FrequencySketch::Frequency(uint64_t hash) const {
  if (!initialized()) return 0;
  // The low two bits pick which group of four counters (of the word's 16) the key uses, so that
  // keys sharing a word in one row rarely share the counter too.
  const int start = static_cast<int>((hash & 3) << 2);
  int frequency = 15;
  for (int i = 0; i < 4; ++i) {
    const uint64_t word = table_[IndexOf(hash, i)];
    const int count = static_cast<int>((word >> ((start + i) << 2)) & 0xf);
    frequency = std::min(frequency, count);
  }
  return frequency;
}

bool FrequencySketch::IncrementAt(size_t index, int counter) {
  const int offset = counter << 2;
  const uint64_t mask = 0xfULL << offset;
  if ((table_[index] & mask) != mask) {
    table_[index] += 1ULL << offset;
    return true;
  }
  return false;
}

void FrequencySketch::Increment(uint64_t hash) {
  if (!initialized()) return;
  const int start = static_cast<int>((hash & 3) << 2);
  bool added = false;
  for (int i = 0; i < 4; ++i) added |= IncrementAt(IndexOf(hash, i), start + i);
  if (added && ++size_ >= sample_size_) Reset();
}

void FrequencySketch::Reset() {
  // Halving truncates odd counters; subtracting a quarter of them (each key touches four) keeps
  // `size_` an unbiased count of what is left, as Caffeine does.
  size_t odd = 0;
  for (uint64_t& word : table_) {
    odd += static_cast<size_t>(std::popcount(word & kOneMask));
    word = (word >> 1) & kResetMask;
  }
  const size_t truncated = odd >> 2;
  size_ = (size_ > truncated ? size_ - truncated : 0) >> 1;
  ++resets_;
}

}  // namespace chinook::cache::internal
