// The optimized customer codec: wire-compatible with libprotobuf in both directions.
//
// Encoding uses libprotobuf's generated serializer into a caller-owned, reused buffer (no
// allocation once the buffer has grown). Decoding is zero-copy: DecodeCustomerView fills a
// CustomerView whose strings point into the input bytes, validates UTF-8 as proto3 requires, and
// reuses the view's vectors, so a steady-state decode allocates nothing. Anything libprotobuf
// writes decodes: fields in any order, repeated singular fields (last wins; the timestamps merge),
// map entries with missing key or value, and unknown fields: top-level ones are kept as raw bytes;
// those nested inside a Timestamp or a map entry are skipped (libprotobuf drops the map-entry ones
// too; nothing writes the Timestamp ones in practice).
//
// Errors say what and where: "customer: field 2 (email): invalid UTF-8 at byte 5 of 9 (input
// offset 14)".
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
  std::optional<std::string_view> FindMetadata(std::string_view key) const;
};

// Decodes one serialized Customer. On error `out` is left in an unspecified but valid state.
Status DecodeCustomerView(std::string_view bytes, CustomerView* out);

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
}
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
