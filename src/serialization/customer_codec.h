// The optimized customer codec: wire-compatible with libprotobuf in both directions.
//
// Encoding writes the bytes libprotobuf writes, in one pass, through a raw cursor into a reused
// buffer (CustomerEncoder keeps the buffer's size: once grown, an Encode neither allocates nor
// zero-fills); a message carrying unknown fields goes through libprotobuf. Decoding is zero-copy:
// DecodeCustomerView fills a CustomerView whose strings point into the input bytes, validates
// UTF-8 as proto3 requires, and reuses the view's vectors, so a steady-state decode allocates
// nothing. The shapes every encoder writes (metadata entries of key then value with one-byte
// lengths, Timestamps of seconds then nanos) take inline fast paths; any other shape, and every
// error, takes the general decoder. Anything libprotobuf
// writes decodes: fields in any order, repeated singular fields (last wins; the timestamps merge),
// map entries with missing key or value, and unknown fields: top-level ones are kept as raw bytes;
// those nested inside a Timestamp or a map entry are skipped (libprotobuf drops the map-entry ones
// too; nothing writes the Timestamp ones in practice).
//
// Errors say what and where: "customer: field 2 (email): invalid UTF-8 at byte 5 of 9 (input
// offset 14)".
//
// Bounds: time is linear in the input size. Strings are never copied, so what a decode allocates
// is its views' vectors (metadata entries, unknown-field spans, and in a batch the CustomerViews):
// each element takes at least 2 input bytes, so without limits an input of n bytes could make
// n / 2 * sizeof(CustomerView) (72 * n) bytes of views, a 64 MiB input 4.8 GB. DecodeOptions
// caps them: a decode allocates at most max_view_bytes (each vector's growth is charged before it
// is allocated, as a fresh vector would grow, so reused views accept exactly what fresh ones
// would), and afterwards the views hold at most max_view_bytes (capacity kept from earlier, larger
// decodes is given back when it would make them hold more). At the worst moment, a decode into
// reused views holds what they kept plus what it allocated, and one vector's old buffer beside its
// new one: under 3 x max_view_bytes. Past the limit the decode stops with ResourceExhausted
// naming the limit, the field and the input offset.
//
// Thread safety: the free functions are thread-safe; a CustomerView or CustomerEncoder is not
// (use one per thread).
#ifndef CHINOOK_SERIALIZATION_CUSTOMER_CODEC_H_
#define CHINOOK_SERIALIZATION_CUSTOMER_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/customer/v1/customer.pb.h"
#include "chinook/status.h"

namespace chinook::serialization {

using chinook::customer::v1::Customer;

struct TimestampView {
  int64_t seconds = 0;
  int32_t nanos = 0;
  bool present = false;  // the field appeared on the wire
};

struct MetadataEntryView {
  std::string_view key;
  std::string_view value;
};

// A decoded customer whose strings alias the decoded bytes: valid only while they live.
struct CustomerView {
  std::string_view id;
  std::string_view email;
  std::string_view name;
  std::string_view phone;
  // In wire order. A key may repeat on the wire; as in a parsed map, the last one wins
  // (FindMetadata and ToMessage honour that).
  std::vector<MetadataEntryView> metadata;
  TimestampView created_at;
  TimestampView updated_at;
  // Raw bytes (tag and payload) of each top-level field this schema does not know, in order.
  std::vector<std::string_view> unknown_fields;

  // Empties the view, keeping vector capacity for the next decode.
  void Clear();
  // Bytes its vectors hold (capacity), and giving back the capacity beyond their size.
  size_t HeldBytes() const;
  void ReleaseUnused();
  std::optional<std::string_view> FindMetadata(std::string_view key) const;
};

// Limits on the decoded form of hostile input (see "Bounds" above). The defaults admit every batch
// that fits the gzip limit (GzipOptions::max_output_bytes, 64 MiB) of realistic customers, and
// refuse what only a bomb needs.
struct DecodeOptions {
  // Customers per batch (DecodeBatchView only). 500,000 is what 64 MiB holds of customers of 134
  // bytes, smaller than typical (the test corpus averages 184 bytes: 365,000 per 64 MiB); 5x the
  // largest batch the benchmarks load (100,000 rows by COPY), 500x the serialized batches they
  // measure. Their views take 72 MB plus 32 bytes per metadata entry.
  size_t max_customers = 500'000;
  // Bytes the views may hold. Typical customers need about their encoded size in views (a
  // 144-byte CustomerView, 32 bytes per metadata entry), so twice the gzip limit admits any
  // realistic batch while 64 MiB of empty customers (33 million views, 4.8 GB) stops at 1/36 of
  // its appetite.
  size_t max_view_bytes = 128u << 20;
};

// Decodes one serialized Customer. On error `out` is left in an unspecified but valid state.
// ResourceExhausted when its views would exceed options.max_view_bytes.
Status DecodeCustomerView(std::string_view bytes, CustomerView* out, const DecodeOptions& options = {});

namespace wire {
class ViewBudget;
}
// DecodeCustomerView charging its views to a budget the caller shares across customers (batch
// decoding). Error offsets are relative to `bytes`.
Status DecodeCustomerViewWithin(std::string_view bytes, wire::ViewBudget* budget, CustomerView* out);

// Copies a view into a message (reusing its string capacity). Unknown fields are kept.
void ToMessage(const CustomerView& view, Customer* out);

// Decodes into a message: DecodeCustomerView's validation and error messages, then ToMessage.
Status DecodeCustomer(std::string_view bytes, Customer* out);

// Appends the wire bytes of `customer` to `out`. Like libprotobuf, it writes strings as they are:
// a string that is not UTF-8 (the repository's validation keeps those out) is written, and every
// proto3 decoder, this one included, will refuse it.
void EncodeCustomer(const Customer& customer, std::string* out);

namespace wire {
class WireWriter;
}  // namespace wire
// EncodeCustomer into a writer that is already open (batch encoding).
void EncodeCustomerTo(const Customer& customer, wire::WireWriter* writer);

// Encodes customers into one reused buffer: after warm-up an Encode allocates nothing.
class CustomerEncoder {
 public:
  // The returned bytes are valid until the next call.
  std::string_view Encode(const Customer& customer);

 private:
  std::string buffer_;
};

}  // namespace chinook::serialization

#endif  // CHINOOK_SERIALIZATION_CUSTOMER_CODEC_H_
