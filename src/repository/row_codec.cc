#include "repository/row_codec.h"

#include <libpq-fe.h>

#include <chrono>
#include <limits>

#include "pg/wire.h"
#include "repository/json.h"
#include "repository/statements.h"

namespace chinook::repository {
namespace {

constexpr int kColumnCount = 7;
// COPY BINARY's signature, then a flags word and a header-extension length (both zero).
constexpr char kCopySignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with the terminating NUL

std::string_view Value(const PGresult* r, int row, int col) {
  return {PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col))};
}

// What a row of kCustomerColumns must be, column by column. The size limits bound what reading a
// row may copy: they are what validation lets in (validation.h), and for metadata what its JSON
// can take once jsonb escapes it (kMaxMetadataBytes of control characters at 6 bytes each as
// \u00XX, plus 64 entries' quotes, colons and commas), with room to spare.
struct RowColumn {
  std::string_view name;
  unsigned type_oid;
  std::string_view type_name;
  bool nullable;
  size_t max_bytes;
  std::string_view limit_name;
};
constexpr RowColumn kRowColumns[kColumnCount] = {
    {"id", pg::kOidText, "text", false, kMaxRowIdBytes, "kMaxRowIdBytes"},
    {"email", pg::kOidText, "text", false, kMaxRowEmailBytes, "kMaxRowEmailBytes"},
    {"name", pg::kOidText, "text", false, kMaxRowNameBytes, "kMaxRowNameBytes"},
    {"phone", pg::kOidText, "text", true, kMaxRowPhoneBytes, "kMaxRowPhoneBytes"},
    {"metadata", pg::kOidJsonb, "jsonb", false, kMaxRowMetadataBytes, "kMaxRowMetadataBytes"},
    {"created_at", pg::kOidTimestamptz, "timestamptz", false, 8, "the binary timestamptz size"},
    {"updated_at", pg::kOidTimestamptz, "timestamptz", false, 8, "the binary timestamptz size"},
};

// "customer row 3 (id \"cust-1\")": the id is shown when it is short and printable, as any id
// validation admitted is; otherwise only the row number.
std::string RowLabel(const PGresult* r, int row) {
  std::string label = "customer row " + std::to_string(row);
  if (PQgetisnull(r, row, 0)) return label + " (id NULL)";
  const std::string_view id = Value(r, row, 0);
  bool printable = id.size() <= kMaxRowIdBytes;
  for (char c : id) printable = printable && (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F && c != '"');
  return printable ? label + " (id \"" + std::string(id) + "\")" : label;
}

// `v` is the value of column `col` of a row of `r`.
Status DecodeTimestamp(const PGresult* r, int col, std::string_view v, google::protobuf::Timestamp* out) {
  if (v.size() != 8) return DataLossError(std::string(PQfname(r, col)) + ": not a binary timestamptz");
  const int64_t pg_micros = pg::ReadBigEndian64(v.data());
  // 'infinity' and '-infinity' are stored as the int64 extremes; a customer cannot have them.
  if (pg_micros == std::numeric_limits<int64_t>::max() || pg_micros == std::numeric_limits<int64_t>::min()) {
    return DataLossError(std::string(PQfname(r, col)) + ": infinite timestamp");
  }
  SetTimestampFromUnixMicros(pg::PgMicrosToUnix(pg_micros), out);
  return Status::Ok();
}

void AppendField(std::string_view bytes, std::string* out) {
  pg::PutBigEndian32(out, static_cast<int32_t>(bytes.size()));
  out->append(bytes);
}

}  // namespace

int64_t TimestampToUnixMicros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

void SetTimestampFromUnixMicros(int64_t unix_micros, google::protobuf::Timestamp* t) {
  int64_t seconds = unix_micros / 1000000;
  int64_t micros = unix_micros % 1000000;
  if (micros < 0) {  // floor division: nanos are never negative
    micros += 1000000;
    seconds -= 1;
  }
  t->set_seconds(seconds);
  t->set_nanos(static_cast<int32_t>(micros * 1000));
}

int64_t NowUnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void BindCustomerFields(const Customer& c, pg::Params* params, std::string* json) {
  params->AddText(c.id());
  params->AddText(c.email());
  params->AddText(c.name());
  if (c.phone().empty()) {
    params->AddNullText();
  } else {
    params->AddText(c.phone());
  }
  json->clear();
  AppendMetadataJson(c.metadata(), json);
  params->AddJsonb(*json);
}

int RowCount(const PGresult* result) { return PQntuples(result); }

std::string_view RowId(const PGresult* result, int row) { return Value(result, row, 0); }

Result<CustomerRowDecoder> CustomerRowDecoder::For(const PGresult* r) {
  if (PQnfields(r) != kColumnCount || PQbinaryTuples(r) != 1) {
    return InternalError("customer row: expected " + std::to_string(kColumnCount) + " binary columns");
  }
  // The result's types first: a column whose type changed under a running repository (the naive
  // one sends unprepared statements) is schema drift, not corrupt data.
  for (int col = 0; col < kColumnCount; ++col) {
    const RowColumn& want = kRowColumns[col];
    if (PQftype(r, col) != want.type_oid) {
      return FailedPreconditionError("customer row: column " + std::string(want.name) + ": expected type " +
                                     std::string(want.type_name) + " (oid " + std::to_string(want.type_oid) +
                                     "), found oid " + std::to_string(PQftype(r, col)) +
                                     ": the table differs from what this build expects");
    }
  }
  return CustomerRowDecoder(r);
}

Status CustomerRowDecoder::Decode(int row, Customer* out) const {
  const PGresult* r = result_;
  // Each value's bytes once: libpq's accessors are out-of-line calls that check their arguments.
  std::string_view values[kColumnCount];
  bool null[kColumnCount];
  for (int col = 0; col < kColumnCount; ++col) {
    const RowColumn& want = kRowColumns[col];
    null[col] = PQgetisnull(r, row, col);
    if (null[col]) {
      if (want.nullable) continue;
      return DataLossError(RowLabel(r, row) + ": column " + std::string(want.name) +
                           " is NULL where the schema promises NOT NULL");
    }
    values[col] = Value(r, row, col);
    if (values[col].size() > want.max_bytes) {
      return ResourceExhaustedError(RowLabel(r, row) + ": column " + std::string(want.name) + " holds " +
                                    std::to_string(values[col].size()) + " bytes, over the " +
                                    std::to_string(want.max_bytes) + " a customer row may carry (" +
                                    std::string(want.limit_name) + ")");
    }
  }
  // protobuf 3.21's setters take (pointer, size), not string_view.
  out->set_id(values[0].data(), values[0].size());
  out->set_email(values[1].data(), values[1].size());
  out->set_name(values[2].data(), values[2].size());
  if (null[3]) {
    out->clear_phone();
  } else {
    out->set_phone(values[3].data(), values[3].size());
  }
  const std::string_view metadata = values[4];
  if (metadata.empty() || metadata[0] != '\x01') {
    return DataLossError(RowLabel(r, row) + ": column metadata: unknown jsonb binary version");
  }
  if (Status s = ParseMetadataJson(metadata.substr(1), out->mutable_metadata()); !s.ok()) {
    return s.Annotate(RowLabel(r, row) + ": column metadata");
  }
  CHINOOK_RETURN_IF_ERROR(DecodeTimestamp(r, 5, values[5], out->mutable_created_at()));
  return DecodeTimestamp(r, 6, values[6], out->mutable_updated_at());
}

Status DecodeCustomerRow(const PGresult* result, int row, Customer* out) {
  CHINOOK_ASSIGN_OR_RETURN(auto decoder, CustomerRowDecoder::For(result));
  return decoder.Decode(row, out);
}

void AppendCopyHeader(std::string* out) {
  out->append(kCopySignature, sizeof(kCopySignature));
  pg::PutBigEndian32(out, 0);
  pg::PutBigEndian32(out, 0);
}

void AppendCopyRow(const Customer& c, int64_t now_micros, std::string* out, std::string* json) {
  pg::PutBigEndian16(out, kColumnCount);
  AppendField(c.id(), out);
  AppendField(c.email(), out);
  AppendField(c.name(), out);
  if (c.phone().empty()) {
    pg::PutBigEndian32(out, -1);  // NULL
  } else {
    AppendField(c.phone(), out);
  }
  json->assign(1, '\x01');  // jsonb binary version
  AppendMetadataJson(c.metadata(), json);
  AppendField(*json, out);
  pg::PutBigEndian32(out, 8);
  pg::PutBigEndian64(out, pg::UnixMicrosToPg(CreatedAtMicros(c, now_micros)));
  pg::PutBigEndian32(out, 8);
  pg::PutBigEndian64(out, pg::UnixMicrosToPg(UpdatedAtMicros(c, now_micros)));
}

void AppendCopyTrailer(std::string* out) { pg::PutBigEndian16(out, -1); }

}  // namespace chinook::repository
