// libFuzzer targets: gzip decompression and batch decoding of what comes out, with views reused
// across inputs as a server reuses them. Two builds of this file:
//   chinook-fuzz-gzip        a 1 MiB gzip limit (CHINOOK_FUZZ_GZIP_LIMIT), so bombs are cheap to
//                            find and refuse, and many inputs run per second;
//   chinook-fuzz-batch_gzip  the production limits (GzipOptions and DecodeOptions defaults), so that
//                            a memory bomb is a finding: under -rss_limit_mb / -malloc_limit_mb
//                            (ci/fuzz.sh) a decode that allocated past its bound fails the run.
// Properties: never crashes; the decompressed bytes stay within max_output_bytes + 1, the batch
// within max_customers and its views within max_view_bytes, on success and on error alike (what
// one input leaves in the reused views must not let the next exceed the bound); a bound's error
// names its limit; a batch that decodes re-encodes to bytes libprotobuf parses into as many
// customers.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "serialization/batch_codec.h"
#include "serialization/gzip.h"

namespace ser = chinook::serialization;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
#ifdef CHINOOK_FUZZ_GZIP_LIMIT
  static const ser::GzipOptions gzip_options{.max_output_bytes = CHINOOK_FUZZ_GZIP_LIMIT};
#else
  static const ser::GzipOptions gzip_options;
#endif
  static const ser::DecodeOptions decode_options;
  static auto* decompressor = new ser::GzipDecompressor(gzip_options);
  static auto* views = new std::vector<ser::CustomerView>;
  static auto* out = new std::string;
  const chinook::Status s = decompressor->Decompress(std::string_view(reinterpret_cast<const char*>(data), size), out);
  if (out->size() > gzip_options.max_output_bytes + 1) std::abort();
  if (!s.ok()) return 0;
  const chinook::Status decoded = ser::DecodeBatchView(*out, views, decode_options);
  if (views->size() > decode_options.max_customers || ser::HeldBytes(*views) > decode_options.max_view_bytes) {
    std::abort();
  }
  if (!decoded.ok()) {
    if (decoded.code() == chinook::StatusCode::kResourceExhausted &&
        decoded.message().find("DecodeOptions::max_") == std::string::npos) {
      std::abort();  // a bound's error must name the limit
    }
    return 0;
  }
  std::vector<ser::Customer> customers(views->size());
  for (size_t i = 0; i < views->size(); ++i) ser::ToMessage((*views)[i], &customers[i]);
  std::string again;
  ser::EncodeBatch(customers, &again);
  ser::CustomerBatch reparsed;
  if (!reparsed.ParseFromString(again) || static_cast<size_t>(reparsed.customers_size()) != customers.size()) {
    std::abort();
  }
  return 0;
}
