// CustomerBatch encoding: the naive path the original service used, and the optimized one.
//
// Naive (kept to be measured): SerializeAsString into a fresh string and a parse into a freshly
// allocated message, per customer or per batch.
// Optimized: EncodeBatch appends each customer as a length-delimited field 1 directly into a
// reused buffer (no CustomerBatch message is built, so nothing is copied), and DecodeBatchView
// decodes zero-copy into reused CustomerViews.
//
// Thread safety: all functions are thread-safe; the output objects are the caller's.
#ifndef CHINOOK_SERIALIZATION_BATCH_CODEC_H_
#define CHINOOK_SERIALIZATION_BATCH_CODEC_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/customer/v1/customer.pb.h"
#include "chinook/status.h"
#include "serialization/customer_codec.h"

namespace chinook::serialization {

using chinook::customer::v1::CustomerBatch;

// The original service's per-customer round trip.
std::string NaiveEncodeCustomer(const Customer& customer);
Result<std::unique_ptr<Customer>> NaiveDecodeCustomer(std::string_view bytes);

// The original service's batch round trip.
std::string NaiveEncodeBatch(const CustomerBatch& batch);
Result<std::unique_ptr<CustomerBatch>> NaiveDecodeBatch(std::string_view bytes);

// Appends the wire bytes of CustomerBatch{customers} to `out`.
void EncodeBatch(std::span<const Customer> customers, std::string* out);

// Decodes a serialized CustomerBatch into `out` (resized to the number of customers; elements
// are reused, so steady-state decodes of similar batches allocate nothing). Errors name the
// customer's index: "batch customer 17: customer: field 2 (email): invalid UTF-8 ...".
//
// Bounds (customer_codec.h, "Bounds"): time linear in bytes.size(); at most options.max_customers
// customers; the decode allocates at most options.max_view_bytes for the views (the CustomerViews
// of `out`, their metadata and unknown-field vectors, each growth charged before it is made), and
// afterwards `out` holds at most that much, on success or error (capacity kept from earlier,
// larger decodes is given back when it would hold more). Past either limit: ResourceExhausted
// naming the limit, the customer index and the input offset, before anything more is allocated.
// A 65 KB gzip bomb of 33 million empty customers stops at customer 500,000 having allocated
// 72 MB of views, where it would otherwise take 4.8 GB.
Status DecodeBatchView(std::string_view bytes, std::vector<CustomerView>* out, const DecodeOptions& options = {});

// Bytes a vector of views holds (its capacity and each view's HeldBytes): what a decode leaves
// allocated, at most max_view_bytes after DecodeBatchView.
size_t HeldBytes(const std::vector<CustomerView>& views);

}  // namespace chinook::serialization

#endif  // CHINOOK_SERIALIZATION_BATCH_CODEC_H_
