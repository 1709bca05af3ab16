// Status and Result<T>: the error type across every Chinook library boundary.
//
// No exception escapes a Chinook API; a failure is a Status with a code saying what kind of failure
// it is and a message saying what went wrong and where ("gzip: output exceeds limit of 67108864
// bytes at input offset 1234"). A cache miss or an absent row is a normal outcome, reported through
// std::optional or an empty result, not through a Status.
//
// Thread safety: Status and Result are values; distinct objects may be used from distinct threads,
// and const methods may be called concurrently.
#ifndef CHINOOK_STATUS_H_
#define CHINOOK_STATUS_H_

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace chinook {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // The caller's input is malformed: fix the input, do not retry.
  kNotFound,            // The named thing does not exist.
  kAlreadyExists,       // A create collided with an existing key.
  kFailedPrecondition,  // The system is not in a state where the call can run.
  kResourceExhausted,   // A bounded resource (pool, output limit) ran out.
  kDeadlineExceeded,    // The call's deadline passed before it finished.
  kUnavailable,         // A server is down or unreachable: retrying later may succeed.
  kDataLoss,            // Stored or received bytes are corrupt or truncated.
  kInternal,            // An invariant broke: a bug, in us or a dependency.
};

// "InvalidArgument", "NotFound", ...: the name used in messages and reports.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  // An OK Status is one null pointer, so returning success costs nothing on hot paths; only
  // errors allocate.
  Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  const std::string& message() const { return rep_ ? rep_->message : Empty(); }

  // Payloads: extra, machine-readable facts about an error, keyed by a name its area owns
  // (absl::Status's payloads, without the Cord): PostgreSQL's SQLSTATE is one (pg::SqlStateOf).
  // Setting a payload on an OK Status does nothing; setting a key again replaces its value.
  void SetPayload(std::string_view key, std::string value);
  // The payload under `key`, or nullopt.
  std::optional<std::string_view> GetPayload(std::string_view key) const;

  // "InvalidArgument: email: missing '@' (row 3)"; "OK" for success. Payloads follow the code:
  // "AlreadyExists [pg.sqlstate=23505]: customer c1".
  std::string ToString() const;

  // Prefixes the message with where the error was seen: "decode customer 17: " + message.
  Status Annotate(std::string_view where) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::vector<std::pair<std::string, std::string>> payloads;  // few: a vector beats a map
  };
  static const std::string& Empty();

  std::unique_ptr<Rep> rep_;  // null when OK
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status ResourceExhaustedError(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

namespace internal {
// Prints "Result::value() on an error: <status>" to stderr and aborts: the defined failure of
// reading the value of a failed Result (absl::StatusOr's, where exceptions are off). No exception
// escapes, as promised above; the message says which error was ignored.
[[noreturn]] void DieOnBadResultAccess(const Status& status);
}  // namespace internal

// Either a T or a non-OK Status. REQUIRES for value()/operator*/operator->: ok(); breaking it is
// the defined failure above, in every build type, not undefined behaviour or an exception.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, like absl::StatusOr
  // A Result made from an OK Status would hold neither a value nor an error: it holds an
  // Internal error saying so (absl::StatusOr does the same), in release builds too.
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "Result constructed from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    Check();
    return *std::get_if<T>(&v_);
  }
  const T& value() const& {
    Check();
    return *std::get_if<T>(&v_);
  }
  T&& value() && {
    Check();
    return std::move(*std::get_if<T>(&v_));
  }
  // The value, or `fallback` when this holds an error.
  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *std::get_if<T>(&v_) : static_cast<T>(std::forward<U>(fallback));
  }
  template <typename U>
  T value_or(U&& fallback) && {
    return ok() ? std::move(*std::get_if<T>(&v_)) : static_cast<T>(std::forward<U>(fallback));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void Check() const {
    if (!ok()) internal::DieOnBadResultAccess(std::get<Status>(v_));
  }
  std::variant<T, Status> v_;
};

}  // namespace chinook

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define CHINOOK_RETURN_IF_ERROR(expr)          \
  do {                                         \
    ::chinook::Status chinook_status_ = (expr); \
    if (!chinook_status_.ok()) return chinook_status_; \
  } while (0)

// CHINOOK_ASSIGN_OR_RETURN(lhs, expr): evaluates `expr`, a Result<T>; on error returns its Status
// from the enclosing function (which returns a Status or any Result); else moves the value into
// `lhs`, which may declare a variable: CHINOOK_ASSIGN_OR_RETURN(auto pool, Pool::Create(o));
// (absl's ASSIGN_OR_RETURN). `lhs` must not contain an unparenthesized comma.
#define CHINOOK_ASSIGN_OR_RETURN(lhs, expr) \
  CHINOOK_ASSIGN_OR_RETURN_IMPL_(CHINOOK_STATUS_CONCAT_(chinook_result_, __LINE__), lhs, expr)
#define CHINOOK_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                   \
  if (!result.ok()) return result.status();               \
  lhs = std::move(result).value()
#define CHINOOK_STATUS_CONCAT_INNER_(a, b) a##b
#define CHINOOK_STATUS_CONCAT_(a, b) CHINOOK_STATUS_CONCAT_INNER_(a, b)

#endif  // CHINOOK_STATUS_H_
