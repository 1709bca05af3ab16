// libFuzzer target: batch decoding after gzip, at the production limits (GzipOptions and
// DecodeOptions defaults), so that a memory bomb is a finding: run with -rss_limit_mb and
// -malloc_limit_mb (ci/fuzz.sh does), a decode that allocated past its bound would fail the run.
// Properties: never crashes; the decompressed bytes stay within max_output_bytes, the batch within
// max_customers and its views within max_view_bytes, on success and on error alike; a batch that
// decodes re-encodes to bytes libprotobuf parses into as many customers.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "serialization/batch_codec.h"
#include "serialization/gzip.h"

namespace {

using chinook::serialization::CustomerView;

size_t HeldBytes(const std::vector<CustomerView>& views) {
  size_t held = views.capacity() * sizeof(CustomerView);
  for (const CustomerView& v : views) held += v.HeldBytes();
  return held;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const chinook::serialization::GzipOptions gzip_options;
  static const chinook::serialization::DecodeOptions decode_options;
  static auto* decompressor = new chinook::serialization::GzipDecompressor(gzip_options);
  // Reused across inputs, as a server reuses them: what one input leaves behind must not let the
  // next exceed the bound.
  static auto* views = new std::vector<CustomerView>;
  static auto* out = new std::string;
  const chinook::Status s =
      decompressor->Decompress(std::string_view(reinterpret_cast<const char*>(data), size), out);
  if (out->size() > gzip_options.max_output_bytes + 1) std::abort();
  if (!s.ok()) return 0;
  const chinook::Status decoded = chinook::serialization::DecodeBatchView(*out, views, decode_options);
  if (views->size() > decode_options.max_customers || HeldBytes(*views) > decode_options.max_view_bytes) {
    std::abort();
  }
  if (!decoded.ok()) {
    if (decoded.code() == chinook::StatusCode::kResourceExhausted &&
        decoded.message().find("DecodeOptions::max_") == std::string::npos) {
      std::abort();  // a bound's error must name the limit
    }
    return 0;
  }
  std::vector<chinook::serialization::Customer> customers(views->size());
  for (size_t i = 0; i < views->size(); ++i) chinook::serialization::ToMessage((*views)[i], &customers[i]);
  std::string again;
  chinook::serialization::EncodeBatch(customers, &again);
  chinook::serialization::CustomerBatch reparsed;
  if (!reparsed.ParseFromString(again) || static_cast<size_t>(reparsed.customers_size()) != customers.size()) {
    std::abort();
  }
  return 0;
}
