// Errors of connection.h: SQLSTATE to status codes, and the Status of a failed PGresult (message,
// detail, SQLSTATE payload).
#include "pg/connection.h"

#include <libpq-fe.h>

#include <string>
#include <string_view>

#include "pg/connection_internal.h"

namespace chinook::pg {
namespace internal {

std::string Trimmed(const char* message) {
  std::string s;
  for (const char* p = message ? message : ""; *p; ++p) {
    const bool space = *p == '\n' || *p == '\t' || *p == '\r' || *p == ' ';
    if (!space) {
      s.push_back(*p);
    } else if (!s.empty() && s.back() != ' ') {
      s.push_back(' ');
    }
  }
  if (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace internal

StatusCode CodeForSqlState(std::string_view s) {
  if (s == "23505") return StatusCode::kAlreadyExists;
  if (s == "57014") return StatusCode::kDeadlineExceeded;  // query_canceled (statement_timeout)
  if (s.size() != 5) return StatusCode::kInternal;
  const std::string_view cls = s.substr(0, 2);
  if (cls == "22" || cls == "23") return StatusCode::kInvalidArgument;  // data exception, integrity
  // Connection exceptions, admin/crash shutdown, cannot connect now; serialization failures and
  // deadlocks (class 40) are transient too: a retry may succeed.
  if (cls == "08" || cls == "57" || cls == "40") return StatusCode::kUnavailable;
  if (cls == "53") return StatusCode::kResourceExhausted;  // insufficient resources
  return StatusCode::kInternal;
}

Status StatusFromResult(const PGresult* result, PGconn* conn) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message;
  if (const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr) {
    message = primary;
    if (const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)) {
      message += " (";
      message += detail;
      message += ")";
    }
  } else if (result && *PQresultErrorMessage(result) != '\0') {
    message = internal::Trimmed(PQresultErrorMessage(result));
  } else {
    message = internal::Trimmed(PQerrorMessage(conn));
  }
  const bool lost = conn != nullptr && PQstatus(conn) == CONNECTION_BAD;
  StatusCode code = sqlstate ? CodeForSqlState(sqlstate) : StatusCode::kInternal;
  if (lost) code = StatusCode::kUnavailable;
  Status status(code, "postgres: " + message);
  if (sqlstate) status.SetPayload(kSqlStatePayload, sqlstate);
  return status;
}

}  // namespace chinook::pg
