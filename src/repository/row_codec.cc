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

Status DecodeTimestamp(const PGresult* r, int row, int col, google::protobuf::Timestamp* out) {
  const std::string_view v = Value(r, row, col);
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

Status DecodeCustomerRow(const PGresult* r, int row, Customer* out) {
  if (PQnfields(r) != kColumnCount || PQbinaryTuples(r) != 1) {
    return InternalError("customer row: expected " + std::to_string(kColumnCount) + " binary columns");
  }
  // protobuf 3.21's setters take (pointer, size), not string_view.
  const std::string_view id = Value(r, row, 0);
  const std::string_view email = Value(r, row, 1);
  const std::string_view name = Value(r, row, 2);
  out->set_id(id.data(), id.size());
  out->set_email(email.data(), email.size());
  out->set_name(name.data(), name.size());
  if (PQgetisnull(r, row, 3)) {
    out->clear_phone();
  } else {
    const std::string_view phone = Value(r, row, 3);
    out->set_phone(phone.data(), phone.size());
  }
  const std::string_view metadata = Value(r, row, 4);
  if (metadata.empty() || metadata[0] != '\x01') return DataLossError("metadata: unknown jsonb binary version");
  CHINOOK_RETURN_IF_ERROR(ParseMetadataJson(metadata.substr(1), out->mutable_metadata()));
  CHINOOK_RETURN_IF_ERROR(DecodeTimestamp(r, row, 5, out->mutable_created_at()));
  return DecodeTimestamp(r, row, 6, out->mutable_updated_at());
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
