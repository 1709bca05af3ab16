#include "serialization/batch_codec.h"

#include <climits>

#include "serialization/wire.h"

namespace chinook::serialization {

namespace {

// The original service's decode: a freshly allocated message, parsed by libprotobuf (whose only
// diagnostic is success or failure).
template <typename Message>
Result<std::unique_ptr<Message>> ParseIntoNew(std::string_view bytes, const char* what) {
  auto message = std::make_unique<Message>();
  if (bytes.size() > INT_MAX || !message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLossError(std::string(what) + ": libprotobuf could not parse " + std::to_string(bytes.size()) +
                         " bytes");
  }
  return message;
}

}  // namespace

std::string NaiveEncodeCustomer(const Customer& customer) { return customer.SerializeAsString(); }

Result<std::unique_ptr<Customer>> NaiveDecodeCustomer(std::string_view bytes) {
  return ParseIntoNew<Customer>(bytes, "customer");
}

std::string NaiveEncodeBatch(const CustomerBatch& batch) { return batch.SerializeAsString(); }

Result<std::unique_ptr<CustomerBatch>> NaiveDecodeBatch(std::string_view bytes) {
  return ParseIntoNew<CustomerBatch>(bytes, "batch");
}

void EncodeBatch(std::span<const Customer> customers, std::string* out) {
  // Customers are typically 100-16,000 bytes: a two-byte length prefix, moved when it is not.
  constexpr size_t kLengthGuess = 2;
  wire::WireWriter w(out);
  for (const Customer& c : customers) {
    w.Byte(wire::Tag(1, wire::kLengthDelimited));
    const size_t at = w.BeginLength(kLengthGuess);
    EncodeCustomerTo(c, &w);
    w.EndLength(at, kLengthGuess);
  }
  w.Finish();
}

Status DecodeBatchView(std::string_view bytes, std::vector<CustomerView>* out) {
  size_t count = 0;
  wire::WireReader r(bytes);
  while (!r.done()) {
    const size_t at = r.offset();
    uint64_t number;
    uint32_t wt;
    if (!r.ReadTag(&number, &wt)) {
      return DataLossError("batch: malformed tag at input offset " + std::to_string(at));
    }
    if (number != 1 || wt != wire::kLengthDelimited) {
      // Unknown batch-level fields are skipped, as libprotobuf would keep them aside.
      if (wt == wire::kEndGroup || !r.SkipField(wt, number)) {
        return DataLossError("batch: truncated or malformed field " + std::to_string(number) +
                             " at input offset " + std::to_string(at));
      }
      continue;
    }
    std::string_view item;
    if (!r.ReadLengthDelimited(&item)) {
      return DataLossError("batch customer " + std::to_string(count) + ": length runs past the end (input offset " +
                           std::to_string(at) + " of " + std::to_string(bytes.size()) + ")");
    }
    if (count == out->size()) out->emplace_back();
    Status s = DecodeCustomerView(item, &(*out)[count]);
    if (!s.ok()) {
      return s.Annotate("batch customer " + std::to_string(count) + " (input offset " +
                        std::to_string(r.offset() - item.size()) + ")");
    }
    ++count;
  }
  out->resize(count);
  return Status::Ok();
}

}  // namespace chinook::serialization
