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

Status::Status(StatusCode code, std::string message) {
  // An "error" with code kOk would be a contradiction; it is kept as OK.
  if (code != StatusCode::kOk) rep_ = std::make_unique<Rep>(Rep{code, std::move(message), {}});
}

const std::string& Status::Empty() {
  static const std::string* const kEmpty = new std::string;
  return *kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(rep_->code));
  if (!rep_->sqlstate.empty()) out += " [SQLSTATE " + rep_->sqlstate + "]";
  out += ": ";
  out += rep_->message;
  return out;
}

Status Status::Annotate(std::string_view where) const {
  if (ok()) return *this;
  Status s(rep_->code, std::string(where) + ": " + rep_->message);
  s.rep_->sqlstate = rep_->sqlstate;
  return s;
}

}  // namespace chinook
