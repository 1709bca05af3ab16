// libFuzzer targets: gzip decompression and batch decoding of what comes out, with views reused
// across inputs as a server reuses them. Two builds of this file (CHINOOK_FUZZ_LIMIT_DIVISOR):
//   chinook-fuzz-gzip        the production limits / 64 (a 1 MiB gzip limit): bombs are cheap to
//                            find and refuse, and many inputs run per second;
//   chinook-fuzz-batch_gzip  the production limits / 4 (GzipOptions and DecodeOptions defaults,
//                            ratios kept: 16 MiB of gzip output, 125,000 customers, 32 MiB of
//                            views), so that a memory bomb of the decoded form is a finding: 16 MiB
//                            of empty customers would be 8 million views (1.2 GB), which under
//                            -malloc_limit_mb=1024 / -rss_limit_mb=2048 (ci/fuzz.sh) fails the
//                            run, while each input stays well under a second under the sanitizers.
// Properties: never crashes; the decompressed bytes stay within max_output_bytes + 1, the batch
// within max_customers and its views within max_view_bytes, on success and on error alike (what
// one input leaves in the reused views must not let the next exceed the bound); a bound's error
// names its limit; a batch (up to 1 MiB) that decodes re-encodes to bytes libprotobuf parses into
// as many customers.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "serialization/batch_codec.h"
#include "serialization/gzip.h"

namespace ser = chinook::serialization;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kDivisor = CHINOOK_FUZZ_LIMIT_DIVISOR;
  static const ser::GzipOptions gzip_options{.max_output_bytes = ser::GzipOptions().max_output_bytes / kDivisor};
  static const ser::DecodeOptions decode_options{.max_customers = ser::DecodeOptions().max_customers / kDivisor,
                                                 .max_view_bytes = ser::DecodeOptions().max_view_bytes / kDivisor};
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
  // The round trip through libprotobuf checks correctness, which small batches explore as well;
  // on a 16 MiB batch of 2 million unknown fields it would take seconds per input.
  constexpr size_t kRoundTripMaxBytes = 1 << 20;
  if (out->size() > kRoundTripMaxBytes) return 0;
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
