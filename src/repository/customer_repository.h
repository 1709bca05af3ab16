// CustomerRepository: customers stored in PostgreSQL.
//
// Two implementations share this interface:
//   NewNaiveRepository      what the original service did, kept to be measured: unprepared SQL on
//                           every call, one INSERT per row in CreateBatch, one query per id in
//                           GetMany, OFFSET pagination.
//   NewOptimizedRepository  prepared statements (prepared lazily once per connection), binary
//                           results, CreateBatch by one binary COPY (all rows or none), GetMany in
//                           one round trip, keyset pagination with an opaque cursor.
// Both take their connections from a shared pg::ConnectionPool and run the schema migration
// (idempotent, versioned in `schema_migrations`) when created.
//
// Contract common to both:
//   - Every record is validated before any SQL is sent; a violation is InvalidArgument naming the
//     field and position ("email: consecutive dots in the local part at byte 2") and, in
//     CreateBatch, the row ("row 17: phone: ..."). Rules: id 1-64 characters, valid UTF-8, not
//     only whitespace, no control, invisible or bidirectional formatting character (Cc, Cf such as
//     U+202A-U+202E, U+2066-U+2069, U+200B-U+200F, U+2060, U+FEFF, and U+2028/U+2029); email of
//     the shape local@domain.tld (at most 254 bytes, the same characters refused, local part a
//     dot-atom: no leading, trailing or consecutive dots; domain labels 1-63 bytes); phone empty
//     (stored as NULL) or E.164 ("+" and 2-15 digits, the first not 0); name 1-1024 bytes;
//     metadata at most 64 entries and 8 KiB of keys plus values, keys non-empty; every string
//     valid UTF-8 without NUL (PostgreSQL text cannot hold NUL).
//   - Start-up (both factories): the migration, then a check that the tables are what the code
//     expects (columns, types, nullability, primary key; statements.h Migrate). A schema that
//     drifted, or that a newer build migrated, is FailedPrecondition naming table, column,
//     expected and found; the repository is not created and nothing is changed.
//   - Rows read back: a NULL where NOT NULL is promised is DataLoss naming the row and column
//     (never read as ""); a column of another type is FailedPrecondition; a value larger than
//     validation admits (row_codec.h kMaxRow*Bytes) is ResourceExhausted naming the limit.
//   - Values travel only as statement parameters or COPY data, never spliced into SQL: any valid
//     string (quotes, "'; DROP TABLE customers; --", non-ASCII) round-trips unchanged.
//   - Timestamps: an unset created_at / updated_at is filled with the current time. PostgreSQL
//     keeps microseconds, so nanoseconds are truncated to whole microseconds.
//   - Errors: InvalidArgument (input, do not retry), AlreadyExists (duplicate id), NotFound
//     (Update/Delete of an absent id), Unavailable (server down or connection lost: retry later),
//     ResourceExhausted (no pooled connection within acquire_timeout), DeadlineExceeded (statement
//     exceeded query_timeout), Internal (anything else from the server). Errors from the server
//     carry its SQLSTATE (pg::SqlStateOf(status)).
//   - A connection lost between calls (server restart) is replaced transparently on the next call;
//     a connection lost during a call fails that call with Unavailable. Writes are never retried
//     automatically (the outcome of an interrupted write is unknown).
//
// Thread safety: both implementations are safe for concurrent use from any number of threads;
// each call holds at most one pooled connection, and only for its own duration.
#ifndef CHINOOK_REPOSITORY_CUSTOMER_REPOSITORY_H_
#define CHINOOK_REPOSITORY_CUSTOMER_REPOSITORY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/customer/v1/customer.pb.h"
#include "chinook/status.h"
#include "pg/connection_pool.h"

namespace chinook::repository {

using Customer = ::chinook::customer::v1::Customer;

// Largest page List / ListOffset return; larger limits are InvalidArgument.
inline constexpr int kMaxPageSize = 1000;

// One page of a keyset listing, newest first (created_at DESC, id DESC).
struct CustomerPage {
  std::vector<Customer> customers;
  // Pass to the next List call to continue after the last customer of this page; empty when
  // this page is the last one. Opaque: its format may change between versions.
  std::string next_cursor;
};

// Counters since the repository was created. Thread-safe snapshot.
struct RepositoryStats {
  uint64_t calls = 0;        // method calls that went to the server (valid input, not empty)
  uint64_t statements = 0;   // SQL statements sent to the server, COPY included; the benchmarks'
                             // queries_per_op is the growth of this figure per operation
  uint64_t round_trips = 0;  // waits for the server (a pipeline of N statements is one)
  uint64_t rows_written = 0;
  uint64_t rows_read = 0;
};

struct RepositoryOptions {
  // PostgreSQL schema holding the tables; created if absent. Lets tests (and tenants) use
  // isolated tables on one database. Must be a plain identifier ([a-z_][a-z0-9_]*, <= 63 bytes).
  std::string schema = "public";
};

class CustomerRepository {
 public:
  virtual ~CustomerRepository() = default;

  // Inserts one customer. AlreadyExists when the id is taken.
  [[nodiscard]] virtual Status Create(const Customer& customer) = 0;

  // Inserts all customers or none (a failure leaves the table as it was). AlreadyExists when
  // any id is taken or repeated in the batch. An empty batch is OK and sends nothing.
  [[nodiscard]] virtual Status CreateBatch(std::span<const Customer> customers) = 0;

  // The customer with this id, or std::nullopt when there is none (not an error).
  [[nodiscard]] virtual Result<std::optional<Customer>> GetByID(std::string_view id) = 0;

  // Aligned with `ids`: element i is the customer with ids[i], or std::nullopt when there is
  // none. Repeated ids are allowed and each gets its copy. An empty `ids` sends nothing.
  [[nodiscard]] virtual Result<std::vector<std::optional<Customer>>> GetMany(
      std::span<const std::string> ids) = 0;

  // Keyset pagination, newest first. `cursor` is "" for the first page, else a next_cursor from
  // an earlier page (InvalidArgument when it is not one). 1 <= limit <= kMaxPageSize.
  // Customers created concurrently never make a page repeat or skip an older customer.
  [[nodiscard]] virtual Result<CustomerPage> List(int limit, std::string_view cursor) = 0;

  // The original API: `limit` customers after skipping `offset`, same order as List. Cost grows
  // with offset. 1 <= limit <= kMaxPageSize, offset >= 0.
  [[nodiscard]] virtual Result<std::vector<Customer>> ListOffset(int limit, int64_t offset) = 0;

  // Replaces email, name, phone, metadata and updated_at of an existing customer (created_at is
  // kept). NotFound when there is no customer with this id.
  [[nodiscard]] virtual Status Update(const Customer& customer) = 0;

  // NotFound when there is no customer with this id.
  [[nodiscard]] virtual Status Delete(std::string_view id) = 0;

  virtual RepositoryStats Stats() const = 0;
};

// Both factories connect once to run the migration; Unavailable if the server cannot be reached.
[[nodiscard]] Result<std::unique_ptr<CustomerRepository>> NewNaiveRepository(
    std::shared_ptr<pg::ConnectionPool> pool, RepositoryOptions options = {});
[[nodiscard]] Result<std::unique_ptr<CustomerRepository>> NewOptimizedRepository(
    std::shared_ptr<pg::ConnectionPool> pool, RepositoryOptions options = {});

}  // namespace chinook::repository

#endif  // CHINOOK_REPOSITORY_CUSTOMER_REPOSITORY_H_
