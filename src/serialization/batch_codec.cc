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

namespace {

// DecodeBatchView's loop; *count is the number of customers decoded into `out`, also on error.
Status DecodeBatchInto(std::string_view bytes, std::vector<CustomerView>* out, const DecodeOptions& options,
                       size_t* count_out) {
  wire::ViewBudget budget(options.max_view_bytes);
  size_t customers_charged = 0;
  size_t& count = *count_out;
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
    // Built only for an error message: the valid path allocates nothing.
    auto where = [&] { return "batch customer " + std::to_string(count) + " (input offset " + std::to_string(at); };
    if (count == options.max_customers) {
      return ResourceExhaustedError(where() + "): more than DecodeOptions::max_customers (" +
                                    std::to_string(options.max_customers) + ") customers");
    }
    if (!budget.ChargeElement(count, sizeof(CustomerView), &customers_charged, options.max_customers)) {
      return ResourceExhaustedError(where() + "): decoded views would exceed DecodeOptions::max_view_bytes (" +
                                    std::to_string(budget.limit()) + " bytes)");
    }
    if (count == out->size()) {
      if (count == out->capacity()) out->reserve(customers_charged);
      out->emplace_back();
    }
    Status s = DecodeCustomerViewWithin(item, &budget, &(*out)[count]);
    if (!s.ok()) return s.Annotate(where() + ")");
    ++count;
  }
  return Status::Ok();
}

}  // namespace

Status DecodeBatchView(std::string_view bytes, std::vector<CustomerView>* out, const DecodeOptions& options) {
  size_t count = 0;
  const Status s = DecodeBatchInto(bytes, out, options, &count);
  out->resize(count);
  // Capacity kept from earlier, larger decodes was not charged; when it makes the views hold more
  // than the limit, give it back (rare: only after decodes far larger than this one), so that
  // repeated hostile decodes into one vector cannot pile up memory.
  if (HeldBytes(*out) > options.max_view_bytes) {
    out->shrink_to_fit();
    for (CustomerView& view : *out) view.ReleaseUnused();
  }
  return s;
}

size_t HeldBytes(const std::vector<CustomerView>& views) {
  size_t held = views.capacity() * sizeof(CustomerView);
  for (const CustomerView& view : views) held += view.HeldBytes();
  return held;
}

}  // namespace chinook::serialization
