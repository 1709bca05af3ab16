// RAII owners for libpq's PGconn and PGresult, with deadlines on every wait.
//
// Connection wraps one PGconn. All waiting is done with poll() on the socket against a deadline,
// so a dead or stuck server yields Unavailable / DeadlineExceeded instead of a hang. Errors from
// the server carry their SQLSTATE (SqlStateOf(status), a payload of the Status) and map to codes: 23505 -> AlreadyExists,
// 22xxx / 23xxx -> InvalidArgument, 08xxx / 57Pxx / lost connection -> Unavailable, 57014 ->
// DeadlineExceeded, anything else -> Internal.
//
// Connection also keeps the set of statements prepared on it, so callers prepare lazily: the
// first use of a statement on a connection prepares it, later uses only execute.
//
// Thread safety: a Connection is not thread-safe; use it from one thread at a time (the pool lends
// it to one caller at a time). PgResult is a value owned by one thread.
#ifndef CHINOOK_PG_CONNECTION_H_
#define CHINOOK_PG_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "chinook/status.h"

// libpq's handle types, forward-declared so that libpq stays a private dependency.
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace chinook::pg {

// Deadlines and connection ages are read from the monotonic clock. (The caches' `cache::Clock` is a
// different thing: an injectable time source, so that TTL tests move time instead of sleeping.)
using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

// PostgreSQL type OIDs used for binary parameters (from pg_type.dat; stable across versions).
inline constexpr unsigned kOidInt8 = 20;
inline constexpr unsigned kOidText = 25;
inline constexpr unsigned kOidJsonb = 3802;
inline constexpr unsigned kOidTimestamptz = 1184;
inline constexpr unsigned kOidTextArray = 1009;

struct PGresultDeleter {
  void operator()(PGresult* r) const;
};
// An owned query result.
using ResultPtr = std::unique_ptr<PGresult, PGresultDeleter>;

// Statement parameters, all sent in binary format so that no value needs NUL-termination or
// quoting and timestamps skip text parsing. Views passed to AddText must outlive the call that
// sends the parameters; other values are copied.
class Params {
 public:
  void AddText(std::string_view value);  // text, varchar
  void AddNullText();
  void AddInt64(int64_t value);  // int8
  // timestamptz given as microseconds since the Unix epoch.
  void AddTimestampMicros(int64_t unix_micros);
  // jsonb from its JSON text.
  void AddJsonb(std::string_view json);
  // text[] (one-dimensional, no NULLs).
  void AddTextArray(const std::vector<std::string_view>& values);

  int size() const { return static_cast<int>(types_.size()); }
  void Clear();

  // For libpq; valid until the next Add / Clear.
  const unsigned* types() const { return types_.data(); }
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  // Copies `bytes` into owned storage and records it as the next value.
  void AddOwned(unsigned oid, std::string_view bytes);

  std::vector<unsigned> types_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  // Each value is either a caller's view (owned_offset_ < 0) or an offset into storage_; the
  // pointers are resolved in values() because storage_ may reallocate while values are added.
  std::vector<const char*> views_;
  std::vector<int64_t> owned_offsets_;
  std::string storage_;
  mutable std::vector<const char*> resolved_;
};

// Result column format.
enum class Format { kText = 0, kBinary = 1 };

// A statement to prepare once per connection. `name` must be unique per distinct SQL text
// within a process (connections of one pool may be shared by several repositories).
struct StatementSpec {
  std::string name;
  std::string sql;
  std::vector<unsigned> param_types;
};

class Connection {
 public:
  // Opens a connection, waiting at most until `deadline`. Unavailable (with libpq's reason) on
  // failure.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> Open(const std::string& dsn, Deadline deadline);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Simple-query protocol; `sql` may hold several statements (the last result is returned).
  [[nodiscard]] Result<ResultPtr> Exec(std::string_view sql, Deadline deadline);
  // Extended protocol without a prepared statement (parse + bind + execute each time).
  [[nodiscard]] Result<ResultPtr> ExecParams(const std::string& sql, const Params& params, Format result_format,
                                             Deadline deadline);
  // Runs a prepared statement, preparing it first if this connection has not seen it.
  [[nodiscard]] Result<ResultPtr> ExecPrepared(const StatementSpec& stmt, const Params& params,
                                               Format result_format, Deadline deadline);

  // Pipeline mode: sends every (statement, params) pair, then one Sync, then collects the results
  // in order: one network round trip for the whole batch. Statements are prepared first if needed
  // (one extra round trip, once per connection). Fails as a whole if any statement fails.
  [[nodiscard]] Result<std::vector<ResultPtr>> ExecPipelined(const StatementSpec& stmt,
                                                             const std::vector<Params>& params,
                                                             Format result_format, Deadline deadline);

  // COPY ... FROM STDIN: sends `copy_sql`, then the data in chunks that `next_chunk` stores in
  // its argument until it stores an empty chunk, then ends the copy. When `next_chunk` returns a
  // non-OK status the copy is aborted (the server discards everything it received) and that
  // status is returned. A COPY is one statement, hence one transaction: all rows or none.
  // Returns the number of rows copied.
  [[nodiscard]] Result<int64_t> CopyIn(const std::string& copy_sql,
                                       const std::function<Status(std::string_view* chunk)>& next_chunk,
                                       Deadline deadline);

  // A zero-wait liveness check for a connection about to be reused: true when the server has
  // closed it (restart, pg_terminate_backend, idle timeout) while it sat idle. Costs one poll()
  // and no round trip.
  bool PeerClosed();

  // True when this connection is unusable (lost, or left mid-protocol after a timeout) and must be
  // discarded rather than reused.
  bool broken() const;
  // True when the server considers us inside a transaction block (open or failed).
  bool in_transaction() const;

  SteadyClock::time_point created_at() const { return created_at_; }
  SteadyClock::time_point last_used() const { return last_used_; }
  void touch() { last_used_ = SteadyClock::now(); }

  PGconn* raw() const { return conn_; }

 private:
  explicit Connection(PGconn* conn);
  // Waits until the socket reports one of `events` (POLLIN, POLLOUT) or the deadline passes;
  // returns the events that occurred.
  Result<short> WaitSocket(short events, Deadline deadline);
  // Waits for room in the send buffer while reading whatever the server sends meanwhile (so
  // that neither side blocks on a full buffer).
  Status WaitWritable(Deadline deadline);
  // Flushes pending output (non-blocking mode), waiting for writability as needed.
  Status Flush(Deadline deadline);
  // Reads the next result of the current command; null when the command is complete.
  Result<ResultPtr> NextResult(Deadline deadline);
  // Drains results until the command completes; returns the last one or the first error.
  Result<ResultPtr> CollectResult(Deadline deadline);
  Status Prepare(const StatementSpec& stmt, Deadline deadline);
  // Called on a timeout: marks the connection broken so the pool closes it. No cancel request is
  // sent: PQcancel blocks without a deadline, which is what a stuck server would make it do.
  Status Abandon(std::string_view what);
  Status ConnectionError(std::string_view what);

  PGconn* conn_;
  bool broken_ = false;
  std::unordered_set<std::string> prepared_;
  SteadyClock::time_point created_at_;
  SteadyClock::time_point last_used_;
};

// The Status code for a SQLSTATE (see the mapping at the top of this file).
StatusCode CodeForSqlState(std::string_view sqlstate);

// The Status payload key under which errors from the server carry their SQLSTATE.
inline constexpr std::string_view kSqlStatePayload = "pg.sqlstate";

// The five-character SQLSTATE ("23505") of an error that came from PostgreSQL, else empty.
inline std::string_view SqlStateOf(const Status& status) {
  return status.GetPayload(kSqlStatePayload).value_or(std::string_view());
}

// Maps a failed result (or a connection-level failure when `result` is null) to a Status
// carrying the SQLSTATE and the server's message (with detail when present).
Status StatusFromResult(const PGresult* result, PGconn* conn);

}  // namespace chinook::pg

#endif  // CHINOOK_PG_CONNECTION_H_
