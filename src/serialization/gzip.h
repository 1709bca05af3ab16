// Standard gzip (RFC 1952, so `gzip -d` reads it) through zlib, with the stream state reused
// across calls and a hard limit on decompressed size.
//
// Decompression never allocates more than max_output_bytes + 1 bytes of output, whatever the
// input claims, and an output of max_output_bytes + 1 bytes or more is refused: a gzip bomb stops
// with ResourceExhausted naming the limit and the input offset. Time is linear in what it
// inflates, so at most max_output_bytes + 1 bytes' worth. SIZE_MAX means no limit: the output
// then grows (geometrically) as far as memory allows, and ResourceExhausted, not std::bad_alloc,
// reports when it does not. A corrupt, truncated or trailing-garbage
// stream returns DataLoss saying what zlib found and at which input offset. Concatenated gzip
// members (what `cat a.gz b.gz` makes) decompress as one stream, as `gzip -d` does.
//
// Thread safety: a compressor or decompressor is not thread-safe; use one per thread.
#ifndef CHINOOK_SERIALIZATION_GZIP_H_
#define CHINOOK_SERIALIZATION_GZIP_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/status.h"

namespace chinook::serialization {

struct GzipOptions {
  // zlib level, 0 (store) to 9 (smallest); -1 is zlib's default (6). Customer batches are
  // repetitive text, so level 1 already gets most of the ratio at a fraction of level 6's time.
  int level = 1;
  // Decompressed output beyond this is refused (ResourceExhausted): 64 MiB holds ~365,000
  // customers of the test corpus (184 bytes on average), far above any batch we send, far below
  // what a bomb would take. The bytes are not
  // the whole story: DecodeOptions (customer_codec.h) bounds what decoding them may allocate.
  size_t max_output_bytes = 64u << 20;
  // Compression only: up to this many threads compress one input at once, as pigz does. The
  // input is cut into that many pieces of at least kMinMemberBytes, each compressed on its own
  // thread into a gzip member of its own, and the members are concatenated: one stream to
  // `gzip -d` and to GzipDecompressor (RFC 1952 allows any number of members). 1 (the default)
  // uses the calling thread only; each further member costs a thread start (tens of
  // microseconds) and a fresh 32 KiB dictionary (a fraction of a percent of size).
  int threads = 1;
};

// The smallest piece a multi-threaded Compress gives a thread of its own.
inline constexpr size_t kMinMemberBytes = 64 * 1024;

class GzipCompressor {
 public:
  explicit GzipCompressor(GzipOptions options = {});
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;

  // Replaces *out with gzip holding `input`: one member, or with options.threads > 1 and a large
  // enough input several (see GzipOptions::threads). InvalidArgument for a level out of range or
  // threads < 1.
  Status Compress(std::string_view input, std::string* out);

 private:
  struct State;
  // One member, on the calling thread, with this compressor's stream.
  Status CompressMember(std::string_view input, std::string* out);

  GzipOptions options_;
  std::unique_ptr<State> state_;  // created on first use, then reset between calls
  // The other members' compressors (single-threaded), kept so that their streams are reused.
  std::vector<std::unique_ptr<GzipCompressor>> helpers_;
  // Their members' bytes, kept between calls so that each buffer is allocated once, not per call.
  std::vector<std::string> packed_;
};

class GzipDecompressor {
 public:
  explicit GzipDecompressor(GzipOptions options = {});
  ~GzipDecompressor();
  GzipDecompressor(const GzipDecompressor&) = delete;
  GzipDecompressor& operator=(const GzipDecompressor&) = delete;

  // Replaces *out with the decompressed bytes of `input` (one or more gzip members). On error *out
  // holds whatever was decompressed before it, at most max_output_bytes + 1 bytes.
  Status Decompress(std::string_view input, std::string* out);

 private:
  struct State;
  GzipOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace chinook::serialization

#endif  // CHINOOK_SERIALIZATION_GZIP_H_
