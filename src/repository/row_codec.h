// Customer <-> PostgreSQL binary formats: statement parameters, binary result rows and COPY
// BINARY rows. Shared by both repositories so that they differ only in how they talk to the
// server, not in what they store.
//
// Thread safety: pure functions.
#ifndef CHINOOK_REPOSITORY_ROW_CODEC_H_
#define CHINOOK_REPOSITORY_ROW_CODEC_H_

#include <cstdint>
#include <string>

#include "chinook/status.h"
#include "pg/connection.h"
#include "repository/customer_repository.h"
#include "repository/validation.h"

namespace chinook::repository {

// Microseconds since the Unix epoch (PostgreSQL's precision; sub-microseconds are truncated).
int64_t TimestampToUnixMicros(const google::protobuf::Timestamp& t);
void SetTimestampFromUnixMicros(int64_t unix_micros, google::protobuf::Timestamp* t);
int64_t NowUnixMicros();

// created_at / updated_at of `c`, or `now` when unset.
inline int64_t CreatedAtMicros(const Customer& c, int64_t now) {
  return c.has_created_at() ? TimestampToUnixMicros(c.created_at()) : now;
}
inline int64_t UpdatedAtMicros(const Customer& c, int64_t now) {
  return c.has_updated_at() ? TimestampToUnixMicros(c.updated_at()) : now;
}

// Adds id, email, name, phone (NULL when empty) and metadata as parameters $n..$n+4.
// `c` must outlive the statement (text parameters are views). `json` is scratch space.
void BindCustomerFields(const Customer& c, pg::Params* params, std::string* json);

// The most bytes each column of a row may carry when read back: what validation admits
// (validation.h), and for metadata what jsonb prints of kMaxMetadataBytes of keys and values
// (control characters escaped as \u00XX take 6 bytes: 8 KiB can print as ~49 KiB).
inline constexpr size_t kMaxRowIdBytes = 4 * kMaxIdChars;  // characters of at most 4 bytes
inline constexpr size_t kMaxRowEmailBytes = kMaxEmailBytes;
inline constexpr size_t kMaxRowNameBytes = kMaxNameBytes;
inline constexpr size_t kMaxRowPhoneBytes = 1 + kMaxPhoneDigits;  // '+' and the digits
inline constexpr size_t kMaxRowMetadataBytes = 64 * 1024;
static_assert(kMaxRowMetadataBytes >= 6 * kMaxMetadataBytes + 8 * kMaxMetadataEntries + 2);

// Decodes the rows of one binary-format result whose columns are kCustomerColumns. The result's
// shape and column types are checked once, by For(); Decode() then only looks at a row's values,
// so a caller reading many rows pays for the checks once.
//
// Thread safety: a value; Decode() is const. REQUIRES: `result` outlives the decoder.
class CustomerRowDecoder {
 public:
  // Internal when `result` does not have kCustomerColumns' count of binary columns;
  // FailedPrecondition when a column's type is not the expected one (the table changed under us).
  [[nodiscard]] static Result<CustomerRowDecoder> For(const PGresult* result);

  // Decodes row `row` into *out (every field is set or cleared). Errors name the row (number and
  // id) and the column: DataLoss when a NOT NULL column is NULL or a value is not what the schema
  // promises, ResourceExhausted when a value is larger than the limits above (nothing is copied
  // or parsed then). REQUIRES: 0 <= row < RowCount(result).
  [[nodiscard]] Status Decode(int row, Customer* out) const;

 private:
  explicit CustomerRowDecoder(const PGresult* result) : result_(result) {}
  const PGresult* result_;
};

// CustomerRowDecoder::For(result), then Decode(row, out): for a caller reading one row.
[[nodiscard]] Status DecodeCustomerRow(const PGresult* result, int row, Customer* out);

// The number of rows in a result.
int RowCount(const PGresult* result);
// The id (first column) of row `row`; a view into `result`.
std::string_view RowId(const PGresult* result, int row);

// COPY BINARY framing: the header, one row per customer in kCustomerColumns order, the trailer.
void AppendCopyHeader(std::string* out);
void AppendCopyRow(const Customer& c, int64_t now_micros, std::string* out, std::string* json);
void AppendCopyTrailer(std::string* out);

}  // namespace chinook::repository

#endif  // CHINOOK_REPOSITORY_ROW_CODEC_H_
