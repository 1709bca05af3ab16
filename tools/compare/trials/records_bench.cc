// Trial program "records": what a service's benchmark file looks like around protobuf messages.
// Round trips that allocate (build, serialize, parse), batch parsing, copies, CSV formatting and
// an id index. Target (slowed in the slow builds): BM_Proto_RoundTrip, one round trip per
// iteration, so the slowdown repeats the round trip in kSlowdownPct percent of the iterations.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "chinook/customer/v1/customer.pb.h"
#include "slowdown.h"

namespace {

using chinook::customer::v1::Customer;
using chinook::customer::v1::CustomerBatch;
using chinook::trials::Rng;

constexpr int kMetadataEntries = 8;
constexpr int kBatchSize = 32;
constexpr int kIndexSize = 256;

void FillCustomer(Rng& rng, int i, Customer* c) {
  c->set_id("cus_" + std::to_string(100000 + i));
  c->set_email("user" + std::to_string(rng.Below(1000000)) + "@example.com");
  c->set_name("Customer Number " + std::to_string(i));
  c->set_phone("+1-555-" + std::to_string(1000000 + rng.Below(9000000)));
  for (int k = 0; k < kMetadataEntries; ++k) {
    (*c->mutable_metadata())["key" + std::to_string(k)] = "value-" + std::to_string(rng.Below(100000));
  }
  c->mutable_created_at()->set_seconds(1700000000 + static_cast<int64_t>(rng.Below(10000000)));
  c->mutable_updated_at()->set_seconds(1700000000 + static_cast<int64_t>(rng.Below(10000000)));
}

Customer MakeCustomer(int i) {
  Rng rng(42 + static_cast<uint64_t>(i));
  Customer c;
  FillCustomer(rng, i, &c);
  return c;
}

// Build a message from scratch, serialize it, parse it back: the allocation-heavy path of a
// cache fill.
void RoundTrip(int i, std::string* wire, Customer* parsed) {
  Customer c = MakeCustomer(i);
  c.SerializeToString(wire);
  parsed->ParseFromString(*wire);
}

void BM_Proto_RoundTrip(benchmark::State& state) {
  chinook::trials::ExtraOps extra;
  std::string wire;
  int i = 0;
  for (auto _ : state) {
    Customer parsed;
    RoundTrip(i, &wire, &parsed);
    if (extra.Next()) RoundTrip(i, &wire, &parsed);
    benchmark::DoNotOptimize(parsed.id().data());
    i = (i + 1) & 1023;
  }
}
BENCHMARK(BM_Proto_RoundTrip);

void BM_Proto_Serialize(benchmark::State& state) {
  const Customer c = MakeCustomer(7);
  std::string wire;
  for (auto _ : state) {
    c.SerializeToString(&wire);
    benchmark::DoNotOptimize(wire.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_Proto_Serialize);

void BM_Proto_ParseBatch(benchmark::State& state) {
  CustomerBatch batch;
  for (int i = 0; i < kBatchSize; ++i) *batch.add_customers() = MakeCustomer(i);
  const std::string wire = batch.SerializeAsString();
  for (auto _ : state) {
    CustomerBatch parsed;
    parsed.ParseFromString(wire);
    benchmark::DoNotOptimize(parsed.customers_size());
  }
  state.SetItemsProcessed(state.iterations() * kBatchSize);
}
BENCHMARK(BM_Proto_ParseBatch);

void BM_Proto_Copy(benchmark::State& state) {
  const Customer c = MakeCustomer(11);
  for (auto _ : state) {
    Customer copy(c);
    benchmark::DoNotOptimize(copy.metadata_size());
  }
}
BENCHMARK(BM_Proto_Copy);

void BM_Record_FormatCsv(benchmark::State& state) {
  std::vector<Customer> customers;
  for (int i = 0; i < kBatchSize; ++i) customers.push_back(MakeCustomer(i));
  std::string out;
  char line[256];
  for (auto _ : state) {
    out.clear();
    for (const Customer& c : customers) {
      const int n = std::snprintf(line, sizeof(line), "%s,%s,\"%s\",%s,%lld\n", c.id().c_str(), c.email().c_str(),
                                  c.name().c_str(), c.phone().c_str(),
                                  static_cast<long long>(c.created_at().seconds()));
      out.append(line, static_cast<size_t>(n));
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatchSize);
}
BENCHMARK(BM_Record_FormatCsv);

void BM_Record_IndexById(benchmark::State& state) {
  std::vector<Customer> customers;
  for (int i = 0; i < kIndexSize; ++i) customers.push_back(MakeCustomer(i));
  for (auto _ : state) {
    std::unordered_map<std::string, const Customer*> index;
    for (const Customer& c : customers) index.emplace(c.id(), &c);
    benchmark::DoNotOptimize(index.find("cus_100100"));
  }
  state.SetItemsProcessed(state.iterations() * kIndexSize);
}
BENCHMARK(BM_Record_IndexById);

}  // namespace

BENCHMARK_MAIN();
