// libFuzzer target: the customer decoder against arbitrary bytes.
// Properties: never crashes; accepts exactly what libprotobuf accepts; whatever it accepts
// re-encodes to bytes that decode to the same customer.
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "serialization/customer_codec.h"

using chinook::serialization::Customer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static google::protobuf::LogSilencer* silence = new google::protobuf::LogSilencer;  // UTF-8 complaints
  (void)silence;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  chinook::serialization::CustomerView view;
  const chinook::Status ours = chinook::serialization::DecodeCustomerView(bytes, &view);
  Customer theirs;
  const bool lib_ok = theirs.ParseFromArray(data, static_cast<int>(size));
  if (ours.ok() != lib_ok) std::abort();  // accept/reject must agree with libprotobuf
  if (!ours.ok()) return 0;
  // The view keeps top-level unknown fields only; unknown fields inside a Timestamp are skipped
  // (documented in customer_codec.h), so they are left out of the comparison.
  if (theirs.has_created_at()) theirs.mutable_created_at()->DiscardUnknownFields();
  if (theirs.has_updated_at()) theirs.mutable_updated_at()->DiscardUnknownFields();
  Customer decoded;
  chinook::serialization::ToMessage(view, &decoded);
  if (!google::protobuf::util::MessageDifferencer::Equals(decoded, theirs)) std::abort();
  std::string again;
  chinook::serialization::EncodeCustomer(decoded, &again);
  Customer reparsed;
  if (!reparsed.ParseFromString(again) || !google::protobuf::util::MessageDifferencer::Equals(reparsed, theirs)) {
    std::abort();
  }
  return 0;
}
