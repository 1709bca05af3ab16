// What the naive and the optimized repository share: validation, parameter binding, row
// decoding, statistics, and every method whose only difference is whether its one statement is
// prepared. The subclasses implement the two strategies that differ (WriteBatch for CreateBatch,
// ReadMany for GetMany); the base validates, borrows the connection and counts around them.
//
// Thread safety: safe for concurrent use; counters are atomics, everything else is immutable
// after construction or borrowed per call from the (internally synchronized) pool.
#ifndef CHINOOK_REPOSITORY_REPOSITORY_BASE_H_
#define CHINOOK_REPOSITORY_REPOSITORY_BASE_H_

#include <atomic>
#include <memory>
#include <string>

#include "pg/connection_pool.h"
#include "repository/customer_repository.h"
#include "repository/statements.h"

namespace chinook::repository {

class RepositoryBase : public CustomerRepository {
 public:
  Status Create(const Customer& customer) override;
  Status CreateBatch(std::span<const Customer> customers) final;
  Result<std::optional<Customer>> GetByID(std::string_view id) override;
  Result<std::vector<std::optional<Customer>>> GetMany(std::span<const std::string> ids) final;
  Result<CustomerPage> List(int limit, std::string_view cursor) override;
  Result<std::vector<Customer>> ListOffset(int limit, int64_t offset) override;
  Status Update(const Customer& customer) override;
  Status Delete(std::string_view id) override;
  RepositoryStats Stats() const override;

 protected:
  enum class Mode {
    kUnprepared,  // parse and plan on every call, as the original did
    kPrepared,    // prepared once per connection, then only bound and executed
  };
  RepositoryBase(std::shared_ptr<pg::ConnectionPool> pool, std::string_view schema, Mode mode);

  // Stores all of `customers` (validated, unique, non-empty) or none; `now` fills unset
  // timestamps.
  virtual Status WriteBatch(pg::Connection& conn, std::span<const Customer> customers, int64_t now) = 0;
  // Fills (*out)[i] with the customer whose id is ids[i], if any. `ids` is validated, non-empty
  // and `out` is sized to match.
  virtual Status ReadMany(pg::Connection& conn, std::span<const std::string> ids,
                          std::vector<std::optional<Customer>>* out) = 0;

  // Counts a call and borrows a connection for it; errors name the operation.
  Result<pg::Lease> Borrow(std::string_view op);
  // The deadline for the statements of a call starting now.
  pg::Deadline CallDeadline() const;
  // Runs one statement (prepared or not, per the mode) and counts it.
  Result<pg::ResultPtr> Run(pg::Connection& conn, const pg::StatementSpec& stmt, const pg::Params& params,
                            pg::Deadline deadline);
  // The one statement of a single-statement call `op` ("get_by_id", "list", "update", ...):
  // borrows a connection, runs `stmt` under the call's deadline, and names `op` in an error. The
  // connection goes back to the pool on return; the result does not need it.
  Result<pg::ResultPtr> RunCall(std::string_view op, const pg::StatementSpec& stmt, const pg::Params& params);
  // Runs a plain SQL command (BEGIN, COMMIT) and counts it.
  Status RunCommand(pg::Connection& conn, std::string_view sql, pg::Deadline deadline);
  Result<std::vector<Customer>> DecodeRows(const PGresult* result, int max_rows);

  void CountStatements(uint64_t statements, uint64_t round_trips) {
    statements_sent_.fetch_add(statements, std::memory_order_relaxed);
    round_trips_.fetch_add(round_trips, std::memory_order_relaxed);
  }
  void CountRows(uint64_t read, uint64_t written) {
    if (read) rows_read_.fetch_add(read, std::memory_order_relaxed);
    if (written) rows_written_.fetch_add(written, std::memory_order_relaxed);
  }

  const std::shared_ptr<pg::ConnectionPool> pool_;
  const Statements statements_;

 private:
  const Mode mode_;
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> statements_sent_{0};
  std::atomic<uint64_t> round_trips_{0};
  std::atomic<uint64_t> rows_read_{0};
  std::atomic<uint64_t> rows_written_{0};
};

// What both factories do before constructing: check the arguments and run the migration.
[[nodiscard]] Status PrepareRepository(const std::shared_ptr<pg::ConnectionPool>& pool,
                                       const RepositoryOptions& options);

// Rows a statement changed (PQcmdTuples).
int64_t AffectedRows(const PGresult* result);

}  // namespace chinook::repository

#endif  // CHINOOK_REPOSITORY_REPOSITORY_BASE_H_
