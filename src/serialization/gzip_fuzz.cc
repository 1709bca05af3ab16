// libFuzzer target: gzip decompression and batch decoding of what comes out.
// Properties: never crashes, never produces more than the output limit, and a batch that
// decodes re-encodes to bytes libprotobuf parses.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "serialization/batch_codec.h"
#include "serialization/gzip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kLimit = 1 << 20;  // small, so bombs are cheap to find and refuse
  static auto* decompressor = new chinook::serialization::GzipDecompressor({.max_output_bytes = kLimit});
  std::string out;
  const chinook::Status s =
      decompressor->Decompress(std::string_view(reinterpret_cast<const char*>(data), size), &out);
  if (out.size() > kLimit + 1) std::abort();
  if (!s.ok()) return 0;
  std::vector<chinook::serialization::CustomerView> views;
  if (!chinook::serialization::DecodeBatchView(out, &views).ok()) return 0;
  std::vector<chinook::serialization::Customer> customers(views.size());
  for (size_t i = 0; i < views.size(); ++i) chinook::serialization::ToMessage(views[i], &customers[i]);
  std::string again;
  chinook::serialization::EncodeBatch(customers, &again);
  chinook::serialization::CustomerBatch reparsed;
  if (!reparsed.ParseFromString(again) || static_cast<size_t>(reparsed.customers_size()) != customers.size()) {
    std::abort();
  }
  return 0;
}
