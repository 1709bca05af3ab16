#include "repository/repository_base.h"

#include <libpq-fe.h>

#include <cstdlib>

#include "repository/cursor.h"
#include "repository/row_codec.h"
#include "repository/validation.h"

namespace chinook::repository {
namespace {

Status CheckLimit(int limit) {
  if (limit < 1 || limit > kMaxPageSize) {
    return InvalidArgumentError("limit: must be in [1, " + std::to_string(kMaxPageSize) + "], got " +
                                std::to_string(limit));
  }
  return Status::Ok();
}

}  // namespace

Status PrepareRepository(const std::shared_ptr<pg::ConnectionPool>& pool, const RepositoryOptions& options) {
  if (pool == nullptr) return InvalidArgumentError("repository: pool is null");
  CHINOOK_RETURN_IF_ERROR(ValidateSchemaName(options.schema));
  Result<pg::Lease> lease = pool->Acquire();
  if (!lease.ok()) return lease.status().Annotate("repository: migrate");
  return Migrate(**lease, options.schema, pg::SteadyClock::now() + pool->options().query_timeout);
}

int64_t AffectedRows(const PGresult* result) { return std::strtoll(PQcmdTuples(const_cast<PGresult*>(result)), nullptr, 10); }

RepositoryBase::RepositoryBase(std::shared_ptr<pg::ConnectionPool> pool, std::string_view schema, Mode mode)
    : pool_(std::move(pool)), statements_(MakeStatements(schema)), mode_(mode) {}

Result<pg::Lease> RepositoryBase::Borrow(std::string_view op) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  Result<pg::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return lease.status().Annotate(op);
  return lease;
}

pg::Deadline RepositoryBase::CallDeadline() const { return pg::SteadyClock::now() + pool_->options().query_timeout; }

Result<pg::ResultPtr> RepositoryBase::Run(pg::Connection& conn, const pg::StatementSpec& stmt,
                                          const pg::Params& params, pg::Deadline deadline) {
  CountStatements(1, 1);
  return mode_ == Mode::kPrepared ? conn.ExecPrepared(stmt, params, pg::Format::kBinary, deadline)
                                  : conn.ExecParams(stmt.sql, params, pg::Format::kBinary, deadline);
}

Result<pg::ResultPtr> RepositoryBase::RunCall(std::string_view op, const pg::StatementSpec& stmt,
                                              const pg::Params& params) {
  CHINOOK_ASSIGN_OR_RETURN(auto lease, Borrow(op));
  Result<pg::ResultPtr> r = Run(*lease, stmt, params, CallDeadline());
  if (!r.ok()) return r.status().Annotate(op);
  return r;
}

Status RepositoryBase::RunCommand(pg::Connection& conn, std::string_view sql, pg::Deadline deadline) {
  CountStatements(1, 1);
  Result<pg::ResultPtr> r = conn.Exec(sql, deadline);
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<Customer>> RepositoryBase::DecodeRows(const PGresult* result, int max_rows) {
  const int n = std::min(RowCount(result), max_rows);
  std::vector<Customer> out(n);
  if (n == 0) return out;
  CHINOOK_ASSIGN_OR_RETURN(auto decoder, CustomerRowDecoder::For(result));
  for (int i = 0; i < n; ++i) CHINOOK_RETURN_IF_ERROR(decoder.Decode(i, &out[i]));
  CountRows(n, 0);
  return out;
}

Status RepositoryBase::Create(const Customer& customer) {
  CHINOOK_RETURN_IF_ERROR(ValidateCustomer(customer));
  CHINOOK_ASSIGN_OR_RETURN(auto lease, Borrow("create"));
  const int64_t now = NowUnixMicros();
  pg::Params params;
  std::string json;
  BindCustomerFields(customer, &params, &json);
  params.AddTimestampMicros(CreatedAtMicros(customer, now));
  params.AddTimestampMicros(UpdatedAtMicros(customer, now));
  Result<pg::ResultPtr> r = Run(*lease, statements_.insert, params, CallDeadline());
  if (!r.ok()) return r.status().Annotate("create");
  CountRows(0, 1);
  return Status::Ok();
}

Status RepositoryBase::CreateBatch(std::span<const Customer> customers) {
  CHINOOK_RETURN_IF_ERROR(ValidateBatch(customers));
  if (customers.empty()) return Status::Ok();
  CHINOOK_ASSIGN_OR_RETURN(auto lease, Borrow("create_batch"));
  if (Status s = WriteBatch(*lease, customers, NowUnixMicros()); !s.ok()) return s.Annotate("create_batch");
  CountRows(0, customers.size());
  return Status::Ok();
}

Result<std::vector<std::optional<Customer>>> RepositoryBase::GetMany(std::span<const std::string> ids) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (Status s = ValidateId(ids[i]); !s.ok()) return s.Annotate("ids[" + std::to_string(i) + "]");
  }
  std::vector<std::optional<Customer>> out(ids.size());
  if (ids.empty()) return out;
  CHINOOK_ASSIGN_OR_RETURN(auto lease, Borrow("get_many"));
  if (Status s = ReadMany(*lease, ids, &out); !s.ok()) return s.Annotate("get_many");
  return out;
}

Result<std::optional<Customer>> RepositoryBase::GetByID(std::string_view id) {
  CHINOOK_RETURN_IF_ERROR(ValidateId(id));
  pg::Params params;
  params.AddText(id);
  CHINOOK_ASSIGN_OR_RETURN(pg::ResultPtr r, RunCall("get_by_id", statements_.get_by_id, params));
  if (RowCount(r.get()) == 0) return std::optional<Customer>();
  std::optional<Customer> out(std::in_place);
  if (Status s = DecodeCustomerRow(r.get(), 0, &*out); !s.ok()) return s.Annotate("get_by_id");
  CountRows(1, 0);
  return out;
}

Result<CustomerPage> RepositoryBase::List(int limit, std::string_view cursor) {
  CHINOOK_RETURN_IF_ERROR(CheckLimit(limit));
  pg::Params params;
  const pg::StatementSpec* stmt = &statements_.list_first;
  KeysetPosition after;
  if (!cursor.empty()) {
    CHINOOK_ASSIGN_OR_RETURN(auto decoded, DecodeCursor(cursor));
    after = std::move(decoded);
    params.AddTimestampMicros(after.created_at_unix_micros);
    params.AddText(after.id);
    stmt = &statements_.list_after;
  }
  // One row more than asked tells whether another page follows, so the last page has no cursor.
  params.AddInt64(limit + 1);
  CHINOOK_ASSIGN_OR_RETURN(pg::ResultPtr r, RunCall("list", *stmt, params));
  Result<std::vector<Customer>> rows = DecodeRows(r.get(), limit);
  if (!rows.ok()) return rows.status().Annotate("list");
  CustomerPage page;
  page.customers = std::move(*rows);
  if (RowCount(r.get()) > limit) {
    const Customer& last = page.customers.back();
    page.next_cursor = EncodeCursor(TimestampToUnixMicros(last.created_at()), last.id());
  }
  return page;
}

Result<std::vector<Customer>> RepositoryBase::ListOffset(int limit, int64_t offset) {
  CHINOOK_RETURN_IF_ERROR(CheckLimit(limit));
  if (offset < 0) return InvalidArgumentError("offset: must be >= 0, got " + std::to_string(offset));
  pg::Params params;
  params.AddInt64(limit);
  params.AddInt64(offset);
  CHINOOK_ASSIGN_OR_RETURN(pg::ResultPtr r, RunCall("list_offset", statements_.list_offset, params));
  Result<std::vector<Customer>> rows = DecodeRows(r.get(), limit);
  if (!rows.ok()) return rows.status().Annotate("list_offset");
  return rows;
}

Status RepositoryBase::Update(const Customer& customer) {
  CHINOOK_RETURN_IF_ERROR(ValidateCustomer(customer));
  pg::Params params;
  std::string json;
  BindCustomerFields(customer, &params, &json);
  params.AddTimestampMicros(UpdatedAtMicros(customer, NowUnixMicros()));
  CHINOOK_ASSIGN_OR_RETURN(pg::ResultPtr r, RunCall("update", statements_.update, params));
  if (AffectedRows(r.get()) == 0) return NotFoundError("update: no customer with this id");
  CountRows(0, 1);
  return Status::Ok();
}

Status RepositoryBase::Delete(std::string_view id) {
  CHINOOK_RETURN_IF_ERROR(ValidateId(id));
  pg::Params params;
  params.AddText(id);
  CHINOOK_ASSIGN_OR_RETURN(pg::ResultPtr r, RunCall("delete", statements_.remove, params));
  if (AffectedRows(r.get()) == 0) return NotFoundError("delete: no customer with this id");
  CountRows(0, 1);
  return Status::Ok();
}

RepositoryStats RepositoryBase::Stats() const {
  RepositoryStats s;
  s.calls = calls_.load(std::memory_order_relaxed);
  s.statements = statements_sent_.load(std::memory_order_relaxed);
  s.round_trips = round_trips_.load(std::memory_order_relaxed);
  s.rows_read = rows_read_.load(std::memory_order_relaxed);
  s.rows_written = rows_written_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace chinook::repository
