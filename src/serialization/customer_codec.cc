#include "serialization/customer_codec.h"

#include <google/protobuf/unknown_field_set.h>

#include "common/utf8.h"
#include "serialization/wire.h"

namespace chinook::serialization {
namespace {

using wire::WireReader;

// Field numbers of the wire contract (proto/chinook/customer/v1/customer.proto).
enum CustomerField : uint64_t {
  kId = 1,
  kEmail = 2,
  kName = 3,
  kPhone = 4,
  kMetadata = 5,
  kCreatedAt = 6,
  kUpdatedAt = 7,
};

const char* FieldName(uint64_t field) {
  switch (field) {
    case kId: return "id";
    case kEmail: return "email";
    case kName: return "name";
    case kPhone: return "phone";
    case kMetadata: return "metadata";
    case kCreatedAt: return "created_at";
    case kUpdatedAt: return "updated_at";
    default: return "unknown";
  }
}

std::string Where(uint64_t field) {
  return "field " + std::to_string(field) + " (" + FieldName(field) + ")";
}

Status Truncated(std::string_view what, size_t offset) {
  return DataLossError("customer: " + std::string(what) + ": truncated or malformed at input offset " +
                       std::to_string(offset));
}

// The error for a string that is not UTF-8; out of line and cold, so the checks stay small.
[[gnu::cold, gnu::noinline]] Status InvalidUtf8(std::string_view s, size_t offset, const std::string& where) {
  const size_t valid = ValidUtf8Prefix(s);
  return DataLossError("customer: " + where + ": invalid UTF-8 at byte " + std::to_string(valid) + " of " +
                       std::to_string(s.size()) + " (input offset " + std::to_string(offset + valid) + ")");
}

// Checks UTF-8; `where` is called only to build the error message, so the valid path allocates
// nothing.
template <typename Where>
inline Status CheckUtf8(std::string_view s, size_t offset, Where where) {
  if (ValidUtf8PrefixFast(s) == s.size()) [[likely]] return Status::Ok();
  return InvalidUtf8(s, offset, where());
}

Status ViewLimitExceeded(const wire::ViewBudget& budget, const std::string& what, size_t offset) {
  return ResourceExhaustedError("customer: " + what + " at input offset " + std::to_string(offset) +
                                ": decoded views would exceed DecodeOptions::max_view_bytes (" +
                                std::to_string(budget.limit()) + " bytes)");
}

// Reads a varint at *p, before `end`; false (leaving *p) when it is truncated or longer than ten
// bytes. Bounds are checked per byte: a timestamp's varints end its slice, so there is no ten-byte
// run to read unchecked.
inline bool ReadVarintAt(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  const uint8_t* q = *p;
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && q < end; shift += 7) {
    const uint8_t b = *q++;
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (b < 0x80) {
      *v = result;
      *p = q;
      return true;
    }
  }
  return false;
}

// The Timestamp every encoder writes: seconds (tag 0x08) then nanos (tag 0x10), each optional, once.
// False when the bytes have another shape (other fields, order, repeats, or malformed): then
// DecodeTimestamp decides, and it rewrites whatever this wrote with the same values.
inline bool DecodeTimestampFast(std::string_view bytes, TimestampView* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* const end = p + bytes.size();
  out->present = true;
  uint64_t v;
  if (p < end && *p == 0x08) {
    ++p;
    if (!ReadVarintAt(&p, end, &v)) return false;
    out->seconds = static_cast<int64_t>(v);
  }
  if (p < end && *p == 0x10) {
    ++p;
    if (!ReadVarintAt(&p, end, &v)) return false;
    out->nanos = static_cast<int32_t>(v);  // int32 on the wire is sign-extended to 64 bits
  }
  return p == end;
}

// A google.protobuf.Timestamp of any shape (the general decoder behind DecodeTimestampFast);
// repeated occurrences merge, as libprotobuf merges sub-messages.
Status DecodeTimestamp(std::string_view bytes, size_t base, uint64_t field, TimestampView* out) {
  WireReader r(bytes, base);
  out->present = true;
  while (!r.done()) {
    uint64_t number;
    uint32_t wt;
    if (!r.ReadTag(&number, &wt)) return Truncated(Where(field) + " tag", r.offset());
    uint64_t v;
    if (number == 1 && wt == wire::kVarint) {
      if (!r.ReadVarint(&v)) return Truncated(Where(field) + ".seconds", r.offset());
      out->seconds = static_cast<int64_t>(v);
    } else if (number == 2 && wt == wire::kVarint) {
      if (!r.ReadVarint(&v)) return Truncated(Where(field) + ".nanos", r.offset());
      out->nanos = static_cast<int32_t>(v);  // int32 on the wire is sign-extended to 64 bits
    } else if (!r.SkipField(wt, number)) {
      return Truncated(Where(field) + " unknown field " + std::to_string(number), r.offset());
    }
  }
  return Status::Ok();
}

// The map entry every encoder writes: key (tag 0x0A) then value (tag 0x12), each with a one-byte
// length, both valid UTF-8. False for any other shape or invalid UTF-8: then DecodeMetadataEntry
// decides (and names the error).
inline bool DecodeMetadataEntryFast(std::string_view bytes, MetadataEntryView* out) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  if (n < 4 || b[0] != 0x0A || b[1] >= 0x80) return false;
  const size_t key_len = b[1];
  if (key_len + 4 > n || b[2 + key_len] != 0x12 || key_len + 4 + b[3 + key_len] != n) return false;
  const std::string_view key(bytes.data() + 2, key_len);
  const std::string_view value(bytes.data() + 4 + key_len, n - 4 - key_len);
  if (ValidUtf8PrefixFast(key) != key.size() || ValidUtf8PrefixFast(value) != value.size()) return false;
  out->key = key;
  out->value = value;
  return true;
}

// One map<string,string> entry of any shape (the general decoder behind DecodeMetadataEntryFast):
// key = 1, value = 2, either may be absent (then "").
Status DecodeMetadataEntry(std::string_view bytes, size_t base, size_t index, MetadataEntryView* out) {
  WireReader r(bytes, base);
  *out = {};
  auto where = [&](const char* part) {
    return "field 5 (metadata) entry " + std::to_string(index) + " " + part;
  };
  while (!r.done()) {
    uint64_t number;
    uint32_t wt;
    if (!r.ReadTag(&number, &wt)) return Truncated(where("tag"), r.offset());
    if ((number == 1 || number == 2) && wt == wire::kLengthDelimited) {
      const size_t at = r.offset();
      std::string_view s;
      if (!r.ReadLengthDelimited(&s)) return Truncated(where(number == 1 ? "key" : "value"), at);
      const size_t data_offset = r.offset() - s.size();
      CHINOOK_RETURN_IF_ERROR(CheckUtf8(s, data_offset, [&] { return where(number == 1 ? "key" : "value"); }));
      (number == 1 ? out->key : out->value) = s;
    } else if (!r.SkipField(wt, number)) {
      return Truncated(where("unknown field"), r.offset());
    }
  }
  return Status::Ok();
}

}  // namespace

void CustomerView::Clear() {
  id = email = name = phone = {};
  metadata.clear();
  created_at = {};
  updated_at = {};
  unknown_fields.clear();
}

size_t CustomerView::HeldBytes() const {
  return metadata.capacity() * sizeof(MetadataEntryView) + unknown_fields.capacity() * sizeof(std::string_view);
}

void CustomerView::ReleaseUnused() {
  metadata.shrink_to_fit();
  unknown_fields.shrink_to_fit();
}

std::optional<std::string_view> CustomerView::FindMetadata(std::string_view key) const {
  for (auto it = metadata.rbegin(); it != metadata.rend(); ++it) {
    if (it->key == key) return it->value;
  }
  return std::nullopt;
}

Status DecodeCustomerView(std::string_view bytes, CustomerView* out, const DecodeOptions& options) {
  wire::ViewBudget budget(options.max_view_bytes);
  Status s = DecodeCustomerViewWithin(bytes, &budget, out);
  if (out->HeldBytes() > options.max_view_bytes) out->ReleaseUnused();
  return s;
}

Status DecodeCustomerViewWithin(std::string_view bytes, wire::ViewBudget* budget, CustomerView* out) {
  out->Clear();
  size_t metadata_charged = 0;
  size_t unknown_charged = 0;
  WireReader r(bytes);
  while (!r.done()) {
    const char* field_start = r.position();
    const size_t field_offset = r.offset();
    uint64_t number;
    uint32_t wt = wire::kLengthDelimited;
    std::string_view s;
    // Nearly every field of a customer is a short string: tag, length and bounds in one step.
    const bool consumed = r.ReadShortLengthDelimited(&number, &s);
    if (!consumed && !r.ReadTag(&number, &wt)) {
      return DataLossError("customer: malformed tag (truncated, too long, or field number 0) at input offset " +
                           std::to_string(field_offset));
    }
    if (number >= kId && number <= kUpdatedAt && wt == wire::kLengthDelimited) {
      if (!consumed && !r.ReadLengthDelimited(&s)) return Truncated(Where(number), field_offset);
      const size_t data_offset = r.offset() - s.size();
      switch (number) {
        case kId:
        case kEmail:
        case kName:
        case kPhone: {
          if (ValidUtf8PrefixFast(s) != s.size()) [[unlikely]] return InvalidUtf8(s, data_offset, Where(number));
          std::string_view* slot = number == kId ? &out->id
                                   : number == kEmail ? &out->email
                                   : number == kName  ? &out->name
                                                      : &out->phone;
          *slot = s;
          break;
        }
        case kMetadata:
          if (!budget->MakeRoomForOne(&out->metadata, &metadata_charged)) {
            return ViewLimitExceeded(*budget, Where(number) + " entry " + std::to_string(out->metadata.size()),
                                     field_offset);
          }
          out->metadata.emplace_back();
          // The fast paths inline here; the calls below are for other shapes and for errors.
          if (!DecodeMetadataEntryFast(s, &out->metadata.back())) [[unlikely]] {
            CHINOOK_RETURN_IF_ERROR(
                DecodeMetadataEntry(s, data_offset, out->metadata.size() - 1, &out->metadata.back()));
          }
          break;
        case kCreatedAt:
          if (!DecodeTimestampFast(s, &out->created_at)) [[unlikely]] {
            CHINOOK_RETURN_IF_ERROR(DecodeTimestamp(s, data_offset, number, &out->created_at));
          }
          break;
        case kUpdatedAt:
          if (!DecodeTimestampFast(s, &out->updated_at)) [[unlikely]] {
            CHINOOK_RETURN_IF_ERROR(DecodeTimestamp(s, data_offset, number, &out->updated_at));
          }
          break;
      }
      continue;
    }
    // A field we do not know, or a known number with another wire type: libprotobuf keeps both
    // as unknown fields, and so do we.
    if (!consumed && (wt == wire::kEndGroup || !r.SkipField(wt, number))) {
      return Truncated("unknown field " + std::to_string(number), field_offset);
    }
    if (!budget->MakeRoomForOne(&out->unknown_fields, &unknown_charged)) {
      return ViewLimitExceeded(
          *budget, "unknown field " + std::to_string(number) + " (kept unknown field " +
                       std::to_string(out->unknown_fields.size()) + ")",
          field_offset);
    }
    out->unknown_fields.emplace_back(field_start, static_cast<size_t>(r.position() - field_start));
  }
  return Status::Ok();
}

void ToMessage(const CustomerView& view, Customer* out) {
  out->Clear();
  out->mutable_id()->assign(view.id);
  out->mutable_email()->assign(view.email);
  out->mutable_name()->assign(view.name);
  out->mutable_phone()->assign(view.phone);
  auto& metadata = *out->mutable_metadata();
  for (const MetadataEntryView& e : view.metadata) metadata[std::string(e.key)].assign(e.value);
  if (view.created_at.present) {
    out->mutable_created_at()->set_seconds(view.created_at.seconds);
    out->mutable_created_at()->set_nanos(view.created_at.nanos);
  }
  if (view.updated_at.present) {
    out->mutable_updated_at()->set_seconds(view.updated_at.seconds);
    out->mutable_updated_at()->set_nanos(view.updated_at.nanos);
  }
  if (!view.unknown_fields.empty()) {
    std::string raw;
    for (std::string_view f : view.unknown_fields) raw.append(f);
    // Cannot fail: every piece was validated by DecodeCustomerView.
    out->GetReflection()->MutableUnknownFields(out)->ParseFromArray(raw.data(), static_cast<int>(raw.size()));
  }
}

Status DecodeCustomer(std::string_view bytes, Customer* out) {
  // A per-thread scratch view keeps steady-state decodes free of vector allocations.
  thread_local CustomerView view;
  Status s = DecodeCustomerView(bytes, &view);
  if (!s.ok()) return s;
  ToMessage(view, out);
  return Status::Ok();
}

namespace {

using wire::Tag;

// The most bytes a Timestamp field takes: tag, one-byte length, and two tagged ten-byte varints.
constexpr size_t kMaxTimestampField = 2 + 2 * (1 + 10);

// Writes a Timestamp field at `p` (REQUIRES: kMaxTimestampField bytes of room); returns the end.
// Its length is known before its body: no guess to move.
char* WriteTimestamp(char* p, char tag, const google::protobuf::Timestamp& t) {
  const auto seconds = static_cast<uint64_t>(t.seconds());
  // int32 fields are sign-extended to 64 bits on the wire: a negative nanos takes ten bytes.
  const auto nanos = static_cast<uint64_t>(static_cast<int64_t>(t.nanos()));
  const size_t body = (seconds != 0 ? 1 + wire::VarintSize(seconds) : 0) + (nanos != 0 ? 1 + wire::VarintSize(nanos) : 0);
  *p++ = tag;
  *p++ = static_cast<char>(body);  // at most 22: one byte
  if (seconds != 0) {
    *p++ = Tag(1, wire::kVarint);
    p = wire::WriteVarint(seconds, p);
  }
  if (nanos != 0) {
    *p++ = Tag(2, wire::kVarint);
    p = wire::WriteVarint(nanos, p);
  }
  return p;
}

bool HasUnknownFields(const Customer& customer) {
  // Customer::GetReflection() looks the descriptor up on every call; it never changes.
  static const google::protobuf::Reflection* const reflection = Customer::GetReflection();
  return !reflection->GetUnknownFields(customer).empty();
}

}  // namespace

void EncodeCustomerTo(const Customer& customer, wire::WireWriter* w) {
  // Messages carrying unknown fields go through libprotobuf, which re-emits them verbatim.
  if (HasUnknownFields(customer)) [[unlikely]] {
    w->Bytes(customer.SerializeAsString());
    return;
  }
  // The common case, written directly in one pass: the bytes libprotobuf writes (fields in number
  // order, empty proto3 strings omitted, map entries with both key and value), minus its sizing
  // pass, map-entry wrappers and the UTF-8 re-validation it does while serializing. Room is
  // reserved per group of fields, so the writes between go through a raw pointer unchecked.
  const std::string& id = customer.id();
  const std::string& email = customer.email();
  const std::string& name = customer.name();
  const std::string& phone = customer.phone();
  char* p = w->Room(4 * wire::kMaxFieldOverhead + id.size() + email.size() + name.size() + phone.size());
  if (!id.empty()) p = wire::WriteStringField(p, Tag(kId, wire::kLengthDelimited), id);
  if (!email.empty()) p = wire::WriteStringField(p, Tag(kEmail, wire::kLengthDelimited), email);
  if (!name.empty()) p = wire::WriteStringField(p, Tag(kName, wire::kLengthDelimited), name);
  if (!phone.empty()) p = wire::WriteStringField(p, Tag(kPhone, wire::kLengthDelimited), phone);
  w->Commit(p);
  for (const auto& [key, value] : customer.metadata()) {
    const size_t entry = 2 + wire::VarintSize(key.size()) + key.size() + wire::VarintSize(value.size()) + value.size();
    p = w->Room(wire::kMaxFieldOverhead + entry);
    *p++ = Tag(kMetadata, wire::kLengthDelimited);
    p = wire::WriteVarint(entry, p);
    p = wire::WriteStringField(p, Tag(1, wire::kLengthDelimited), key);
    p = wire::WriteStringField(p, Tag(2, wire::kLengthDelimited), value);
    w->Commit(p);
  }
  p = w->Room(2 * kMaxTimestampField);
  if (customer.has_created_at()) p = WriteTimestamp(p, Tag(kCreatedAt, wire::kLengthDelimited), customer.created_at());
  if (customer.has_updated_at()) p = WriteTimestamp(p, Tag(kUpdatedAt, wire::kLengthDelimited), customer.updated_at());
  w->Commit(p);
}

void EncodeCustomer(const Customer& customer, std::string* out) {
  wire::WireWriter w(out);
  EncodeCustomerTo(customer, &w);
  w.Finish();
}

std::string_view CustomerEncoder::Encode(const Customer& customer) {
  // buffer_ keeps its size between calls (scratch past the message): no zero-fill, no trim.
  wire::WireWriter w(&buffer_, 0);
  EncodeCustomerTo(customer, &w);
  return std::string_view(buffer_.data(), w.position());
}

}  // namespace chinook::serialization
