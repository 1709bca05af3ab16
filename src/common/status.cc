#include "chinook/status.h"

#include <cstdio>
#include <cstdlib>

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

void Status::SetPayload(std::string_view key, std::string value) {
  if (!rep_) return;
  for (auto& [k, v] : rep_->payloads) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  rep_->payloads.emplace_back(std::string(key), std::move(value));
}

std::optional<std::string_view> Status::GetPayload(std::string_view key) const {
  if (!rep_) return std::nullopt;
  for (const auto& [k, v] : rep_->payloads) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

const std::string& Status::Empty() {
  static const std::string* const kEmpty = new std::string;
  return *kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(rep_->code));
  for (const auto& [key, value] : rep_->payloads) out += " [" + key + "=" + value + "]";
  out += ": ";
  out += rep_->message;
  return out;
}

Status Status::Annotate(std::string_view where) const {
  if (ok()) return *this;
  Status s(rep_->code, std::string(where) + ": " + rep_->message);
  s.rep_->payloads = rep_->payloads;
  return s;
}

namespace internal {
void DieOnBadResultAccess(const Status& status) {
  std::fprintf(stderr, "Result::value() on an error: %s\n", status.ToString().c_str());
  std::fflush(stderr);
  std::abort();
}
}  // namespace internal

}  // namespace chinook
