// Deterministic, realistic customers for benchmarks, tools and tests: the same seed gives the same
// customers on every machine (the generator is a fixed PCG-style engine, not std:: distributions,
// whose output is implementation-defined).
//
// Thread safety: CustomerGenerator is not thread-safe; MakeCorpus is a pure function.
#ifndef CHINOOK_WORKLOAD_CUSTOMER_CORPUS_H_
#define CHINOOK_WORKLOAD_CUSTOMER_CORPUS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "chinook/customer/v1/customer.pb.h"

namespace chinook::workload {

struct CorpusOptions {
  uint64_t seed = 42;
  // Metadata entries per customer are drawn from [0, max_metadata_entries].
  int max_metadata_entries = 8;
  // Mix in non-ASCII UTF-8 (accents, CJK, emoji) in names and metadata values.
  bool unicode = true;
};

class CustomerGenerator {
 public:
  explicit CustomerGenerator(CorpusOptions options = {});

  // The next customer; ids are "cust-<seed>-<n>" so they are unique within a seed.
  chinook::customer::v1::Customer Next();

  uint64_t NextU64();
  uint64_t Uniform(uint64_t n);  // in [0, n)

 private:
  CorpusOptions options_;
  uint64_t state_;
  uint64_t count_ = 0;
};

// `n` customers from CustomerGenerator(options).
std::vector<chinook::customer::v1::Customer> MakeCorpus(size_t n, CorpusOptions options = {});

}  // namespace chinook::workload

#endif  // CHINOOK_WORKLOAD_CUSTOMER_CORPUS_H_
