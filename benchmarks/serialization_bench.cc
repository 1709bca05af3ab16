// Serialization benchmarks: each optimisation beside its naive twin, on one deterministic corpus of
// 1,000 realistic customers. One "item" is one customer through a full round trip (encode, then
// decode), so items_per_second of the twins compare directly.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "benchmark_memory.h"
#include "serialization/batch_codec.h"
#include "serialization/customer_codec.h"
#include "serialization/gzip.h"
#include "workload/customer_corpus.h"

namespace chinook::serialization {
namespace {

constexpr size_t kCorpusSize = 1000;

const std::vector<Customer>& Corpus() {
  static const auto* corpus = new std::vector<Customer>(workload::MakeCorpus(kCorpusSize));
  return *corpus;
}

const CustomerBatch& CorpusBatch() {
  static const auto* batch = [] {
    auto* b = new CustomerBatch;
    for (const Customer& c : Corpus()) *b->add_customers() = c;
    return b;
  }();
  return *batch;
}

// What the original service did per customer: SerializeAsString, then parse into a freshly
// allocated message.
void BM_Serialize_Naive(benchmark::State& state) {
  const auto& corpus = Corpus();
  size_t i = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    const std::string bytes = NaiveEncodeCustomer(corpus[i]);
    auto decoded = NaiveDecodeCustomer(bytes);
    if (!decoded.ok()) state.SkipWithError(decoded.status().ToString().c_str());
    benchmark::DoNotOptimize(decoded);
    if (++i == corpus.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Serialize_Naive);

// Encode into a reused buffer, decode zero-copy into a reused view (UTF-8 validated).
void BM_Serialize_Optimized(benchmark::State& state) {
  const auto& corpus = Corpus();
  CustomerEncoder encoder;
  CustomerView view;
  size_t i = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    const std::string_view bytes = encoder.Encode(corpus[i]);
    Status s = DecodeCustomerView(bytes, &view);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(view.metadata.data());
    if (++i == corpus.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Serialize_Optimized);

// The 1,000 customers as one CustomerBatch message: SerializeAsString, parse into a new batch.
void BM_SerializeBatch_Naive(benchmark::State& state) {
  const CustomerBatch& batch = CorpusBatch();
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    const std::string bytes = NaiveEncodeBatch(batch);
    auto decoded = NaiveDecodeBatch(bytes);
    if (!decoded.ok()) state.SkipWithError(decoded.status().ToString().c_str());
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kCorpusSize));
}
BENCHMARK(BM_SerializeBatch_Naive);

// The timed loop of the batch round trips: one warm-up round trip outside the counters (a failure
// there skips the benchmark), then round_trip() per iteration with the memory counters on.
// Returns false when the warm-up failed.
template <typename RoundTrip>
bool TimeRoundTrips(benchmark::State& state, const RoundTrip& round_trip, const std::vector<CustomerView>& views) {
  if (Status s = round_trip(); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return false;
  }
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    Status s = round_trip();
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(views.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kCorpusSize));
  return true;
}

// Batch encoding straight from the customers into a reused buffer, zero-copy batch decode.
// The batch benchmarks run one untimed, uncounted round trip first: it grows the reused buffers
// (about 2,600 one-off allocations), so that allocs_per_op is the steady state, what a server
// reusing them pays per batch, at any iteration count (spread over a short run, the one-offs read
// as 10 per batch).
void BM_SerializeBatch_Optimized(benchmark::State& state) {
  const auto& corpus = Corpus();
  std::string bytes;
  std::vector<CustomerView> views;
  const auto round_trip = [&] {
    bytes.clear();
    EncodeBatch(corpus, &bytes);
    return DecodeBatchView(bytes, &views);
  };
  if (!TimeRoundTrips(state, round_trip, views)) return;
}
BENCHMARK(BM_SerializeBatch_Optimized);

// The optimized batch round trip with gzip in between (compressor and decompressor reused; one
// warm-up round trip as above). bytes_per_second counts uncompressed batch bytes;
// compression_ratio = raw / compressed.
void BM_SerializeBatch_Gzip(benchmark::State& state) {
  const auto& corpus = Corpus();
  GzipCompressor compressor({.level = static_cast<int>(state.range(0))});
  GzipDecompressor decompressor;
  std::string raw, packed, unpacked;
  std::vector<CustomerView> views;
  const auto round_trip = [&] {
    raw.clear();
    EncodeBatch(corpus, &raw);
    Status s = compressor.Compress(raw, &packed);
    if (s.ok()) s = decompressor.Decompress(packed, &unpacked);
    if (s.ok()) s = DecodeBatchView(unpacked, &views);
    return s;
  };
  if (!TimeRoundTrips(state, round_trip, views)) return;
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(raw.size()));
  state.counters["compression_ratio"] =
      packed.empty() ? 0.0 : static_cast<double>(raw.size()) / static_cast<double>(packed.size());
}
BENCHMARK(BM_SerializeBatch_Gzip)->ArgName("level")->Arg(1)->Arg(6);

}  // namespace
}  // namespace chinook::serialization
