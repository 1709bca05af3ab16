#include "chinook/status.h"

namespace chinook {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kFailedPrecondition: return "FailedPrecondition";
    case StatusCode::kResourceExhausted: return "ResourceExhausted";
    case StatusCode::kDeadlineExceeded: return "DeadlineExceeded";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kDataLoss: return "DataLoss";
    case StatusCode::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  if (!sqlstate_.empty()) out += " [SQLSTATE " + sqlstate_ + "]";
  out += ": ";
  out += message_;
  return out;
}

Status Status::Annotate(std::string_view where) const {
  if (ok()) return *this;
  Status s(code_, std::string(where) + ": " + message_);
  s.sqlstate_ = sqlstate_;
  return s;
}

}  // namespace chinook
