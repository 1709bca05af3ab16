#include "serialization/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <exception>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace chinook::serialization {
namespace {

// windowBits 15 (32 KiB, zlib's largest) + 16 selects the gzip wrapper instead of zlib's.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemLevel = 8;  // zlib's default
// zlib counts in uInt; larger inputs are fed in pieces of this size.
constexpr size_t kMaxChunk = 1u << 30;
constexpr size_t kMinOutputStep = 16 * 1024;

// Grows *s to `size` bytes keeping the first `used`, with capacity exactly `size`: std::string's
// own growth may double the capacity, which would let a bomb allocate twice the output limit.
// ResourceExhausted, instead of std::bad_alloc, when the memory is not there (only reachable with
// a limit above what the machine has, such as SIZE_MAX for "no limit").
Status GrowExactly(std::string* s, size_t used, size_t size) {
  if (s->capacity() >= size) {  // a reused buffer: no allocation
    s->resize(size);
    return Status::Ok();
  }
  try {
    std::string bigger;
    bigger.reserve(size);
    bigger.assign(s->data(), used);
    bigger.resize(size);
    s->swap(bigger);
  } catch (const std::exception&) {  // std::bad_alloc or std::length_error
    s->resize(used);
    return ResourceExhaustedError("gzip: could not allocate " + std::to_string(size) +
                                  " bytes for the decompressed output");
  }
  return Status::Ok();
}

std::string ZlibMessage(const z_stream& z, int ret) {
  if (z.msg != nullptr) return z.msg;
  return "zlib error " + std::to_string(ret);
}

// A z_stream that `End` (deflateEnd or inflateEnd) frees: the state of a compressor or of a
// decompressor, set up on first use and reset between calls, so that zlib allocates its window
// once and not per call.
template <int (*End)(z_streamp)>
struct ZStream {
  z_stream z{};
  ~ZStream() { End(&z); }
};

// Readies the stream of *state for a call: set up by `init` on first use, reset by `reset` after.
// `what` ("deflate", "inflate") names the zlib calls in errors; a literal, so that the call on
// every Compress and Decompress builds no string.
template <typename State, typename Init>
Status ReadyStream(std::unique_ptr<State>* state, Init init, int (*reset)(z_streamp), const char* what) {
  if (*state == nullptr) {
    auto fresh = std::make_unique<State>();
    const int ret = init(&fresh->z);
    if (ret != Z_OK) return InternalError(std::string("gzip: ") + what + "Init2 failed: " + ZlibMessage(fresh->z, ret));
    *state = std::move(fresh);
  } else if (reset(&(*state)->z) != Z_OK) {
    return InternalError(std::string("gzip: ") + what + "Reset failed");
  }
  return Status::Ok();
}

}  // namespace

struct GzipCompressor::State : ZStream<&deflateEnd> {};

GzipCompressor::GzipCompressor(GzipOptions options) : options_(options) {}
GzipCompressor::~GzipCompressor() = default;

Status GzipCompressor::Compress(std::string_view input, std::string* out) {
  if (options_.level < -1 || options_.level > 9) {
    return InvalidArgumentError("gzip: compression level " + std::to_string(options_.level) +
                                " is outside [-1, 9]");
  }
  if (options_.threads < 1) {
    return InvalidArgumentError("gzip: threads " + std::to_string(options_.threads) + " is below 1");
  }
  const size_t members = std::min(static_cast<size_t>(options_.threads), std::max<size_t>(input.size() / kMinMemberBytes, 1));
  if (members == 1) return CompressMember(input, out);
  // Equal pieces; member 0 on this thread, the others on threads of their own, all at once.
  GzipOptions single = options_;
  single.threads = 1;
  while (helpers_.size() < members - 1) helpers_.push_back(std::make_unique<GzipCompressor>(single));
  const size_t piece = input.size() / members;
  const auto piece_of = [&](size_t m) {
    return input.substr(m * piece, m + 1 == members ? std::string_view::npos : piece);
  };
  packed_.resize(members - 1);
  std::vector<Status> status(members - 1);
  std::vector<std::thread> threads;
  threads.reserve(members - 1);
  for (size_t m = 1; m < members; ++m) {
    const auto work = [&, m] { status[m - 1] = helpers_[m - 1]->CompressMember(piece_of(m), &packed_[m - 1]); };
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {  // no thread to be had: this member on the caller
      work();
    }
  }
  Status first = CompressMember(piece_of(0), out);
  for (std::thread& t : threads) t.join();
  CHINOOK_RETURN_IF_ERROR(first);
  size_t total = out->size();
  for (size_t m = 1; m < members; ++m) {
    CHINOOK_RETURN_IF_ERROR(status[m - 1]);
    total += packed_[m - 1].size();
  }
  out->reserve(total);
  for (size_t m = 1; m < members; ++m) out->append(packed_[m - 1]);
  return Status::Ok();
}

Status GzipCompressor::CompressMember(std::string_view input, std::string* out) {
  const auto init = [this](z_stream* z) {
    return deflateInit2(z, options_.level, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY);
  };
  CHINOOK_RETURN_IF_ERROR(ReadyStream(&state_, init, &deflateReset, "deflate"));
  z_stream& z = state_->z;
  // deflateBound is exact enough that one output allocation suffices for the whole input.
  out->resize(deflateBound(&z, static_cast<uLong>(input.size())) + 64);
  size_t produced = 0;
  size_t consumed = 0;
  while (true) {
    const size_t in_chunk = std::min(input.size() - consumed, kMaxChunk);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data() + consumed));
    z.avail_in = static_cast<uInt>(in_chunk);
    if (out->size() - produced < kMinOutputStep) out->resize(out->size() + std::max(kMinOutputStep, out->size() / 2));
    const size_t out_room = std::min(out->size() - produced, kMaxChunk);
    z.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    z.avail_out = static_cast<uInt>(out_room);
    const bool last = consumed + in_chunk == input.size();
    const int ret = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
    consumed += in_chunk - z.avail_in;
    produced += out_room - z.avail_out;
    if (ret == Z_STREAM_END) break;
    if (ret != Z_OK && ret != Z_BUF_ERROR) return InternalError("gzip: deflate failed: " + ZlibMessage(z, ret));
  }
  out->resize(produced);
  return Status::Ok();
}

struct GzipDecompressor::State : ZStream<&inflateEnd> {};

GzipDecompressor::GzipDecompressor(GzipOptions options) : options_(options) {}
GzipDecompressor::~GzipDecompressor() = default;

Status GzipDecompressor::Decompress(std::string_view input, std::string* out) {
  out->clear();
  if (input.empty()) return DataLossError("gzip: empty input (not a gzip stream)");
  const auto init = [](z_stream* z) { return inflateInit2(z, kGzipWindowBits); };
  CHINOOK_RETURN_IF_ERROR(ReadyStream(&state_, init, &inflateReset, "inflate"));
  z_stream& z = state_->z;
  const size_t limit = options_.max_output_bytes;
  // The buffer may hold one byte more than allowed: that byte is how we learn the output is too
  // large. Saturating, so that SIZE_MAX ("no limit") does not wrap to a zero-byte ceiling.
  const size_t ceiling = limit < out->max_size() ? limit + 1 : out->max_size();
  auto too_large = [&](size_t consumed) {
    return ResourceExhaustedError("gzip: decompressed output exceeds GzipOptions::max_output_bytes (" +
                                  std::to_string(limit) + " bytes) at input offset " + std::to_string(consumed) +
                                  " of " + std::to_string(input.size()));
  };
  // Start near a typical ratio and grow geometrically, never past the ceiling.
  size_t capacity = std::min(ceiling, std::max(kMinOutputStep, std::min(input.size(), SIZE_MAX / 4) * 4));
  CHINOOK_RETURN_IF_ERROR(GrowExactly(out, 0, capacity));
  size_t produced = 0;
  size_t consumed = 0;
  while (true) {
    if (produced == capacity) {
      if (capacity == ceiling) {  // only when ceiling == max_size(): no string can hold more
        out->resize(produced);
        return ResourceExhaustedError("gzip: decompressed output exceeds the largest string (" +
                                      std::to_string(ceiling) + " bytes)");
      }
      capacity = capacity > ceiling / 2 ? ceiling : capacity * 2;
      CHINOOK_RETURN_IF_ERROR(GrowExactly(out, produced, capacity));
    }
    const size_t in_chunk = std::min(input.size() - consumed, kMaxChunk);
    const size_t out_room = std::min(capacity - produced, kMaxChunk);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data() + consumed));
    z.avail_in = static_cast<uInt>(in_chunk);
    z.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    z.avail_out = static_cast<uInt>(out_room);
    const int ret = inflate(&z, Z_NO_FLUSH);
    consumed += in_chunk - z.avail_in;
    produced += out_room - z.avail_out;
    // Checked before the return code: an output of exactly limit + 1 bytes can end the stream.
    if (produced > limit) {
      out->resize(produced);
      return too_large(consumed);
    }
    switch (ret) {
      case Z_OK:
        continue;
      case Z_STREAM_END: {
        if (consumed == input.size()) {
          out->resize(produced);
          return Status::Ok();
        }
        // Another member follows (as `gzip -d` accepts), or garbage does.
        const auto* rest = reinterpret_cast<const unsigned char*>(input.data() + consumed);
        if (input.size() - consumed >= 2 && rest[0] == 0x1f && rest[1] == 0x8b) {
          if (inflateReset(&z) != Z_OK) return InternalError("gzip: inflateReset failed");
          continue;
        }
        out->resize(produced);
        return DataLossError("gzip: trailing garbage after the end of the gzip stream at input offset " +
                             std::to_string(consumed) + " of " + std::to_string(input.size()));
      }
      case Z_BUF_ERROR:
        if (produced == capacity) continue;  // out of room: grow and go on
        out->resize(produced);
        return DataLossError("gzip: truncated stream: input ended at offset " + std::to_string(consumed) +
                             " before the end of the compressed data");
      case Z_DATA_ERROR:
      case Z_NEED_DICT:
        out->resize(produced);
        return DataLossError("gzip: corrupt data at input offset " + std::to_string(consumed) + ": " +
                             ZlibMessage(z, ret));
      case Z_MEM_ERROR:
        out->resize(produced);
        return ResourceExhaustedError("gzip: zlib ran out of memory");
      default:
        out->resize(produced);
        return InternalError("gzip: inflate failed: " + ZlibMessage(z, ret));
    }
  }
}

}  // namespace chinook::serialization
