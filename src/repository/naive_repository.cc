// The "before" of every optimisation, kept to be measured: unprepared statements, one INSERT per
// row and one SELECT per id. It is still correct (a batch is one transaction, values are
// parameters): slow is the only thing wrong with it.
#include "repository/repository_base.h"
#include "repository/row_codec.h"
#include "repository/validation.h"

namespace chinook::repository {
namespace {

class NaiveRepository final : public RepositoryBase {
 public:
  NaiveRepository(std::shared_ptr<pg::ConnectionPool> pool, std::string_view schema)
      : RepositoryBase(std::move(pool), schema, Mode::kUnprepared) {}

  Status CreateBatch(std::span<const Customer> customers) override {
    CHINOOK_RETURN_IF_ERROR(ValidateBatch(customers));
    if (customers.empty()) return Status::Ok();
    CountCall();
    Result<pg::Lease> lease = Borrow("create_batch");
    if (!lease.ok()) return lease.status();
    pg::Connection& conn = **lease;
    const pg::Deadline deadline = CallDeadline();
    const int64_t now = NowUnixMicros();
    if (Status s = RunCommand(conn, "BEGIN", deadline); !s.ok()) return s.Annotate("create_batch");
    pg::Params params;
    std::string json;
    for (size_t row = 0; row < customers.size(); ++row) {
      const Customer& c = customers[row];
      params.Clear();
      BindCustomerFields(c, &params, &json);
      params.AddTimestampMicros(CreatedAtMicros(c, now));
      params.AddTimestampMicros(UpdatedAtMicros(c, now));
      Result<pg::ResultPtr> r = Run(conn, statements_.insert, params, deadline);
      // The pool rolls back a connection returned inside a transaction; doing it here as well
      // keeps the failed transaction's locks no longer than needed.
      if (!r.ok()) {
        if (!conn.broken()) (void)RunCommand(conn, "ROLLBACK", deadline);
        return r.status().Annotate("create_batch: row " + std::to_string(row));
      }
    }
    if (Status s = RunCommand(conn, "COMMIT", deadline); !s.ok()) return s.Annotate("create_batch: commit");
    CountRows(0, customers.size());
    return Status::Ok();
  }

  Result<std::vector<std::optional<Customer>>> GetMany(std::span<const std::string> ids) override {
    CHINOOK_RETURN_IF_ERROR(ValidateIds(ids));
    std::vector<std::optional<Customer>> out(ids.size());
    if (ids.empty()) return out;
    CountCall();
    Result<pg::Lease> lease = Borrow("get_many");
    if (!lease.ok()) return lease.status();
    const pg::Deadline deadline = CallDeadline();
    pg::Params params;
    for (size_t i = 0; i < ids.size(); ++i) {
      params.Clear();
      params.AddText(ids[i]);
      Result<pg::ResultPtr> r = Run(**lease, statements_.get_by_id, params, deadline);
      if (!r.ok()) return r.status().Annotate("get_many");
      if (RowCount(r->get()) == 0) continue;
      out[i].emplace();
      if (Status s = DecodeCustomerRow(r->get(), 0, &*out[i]); !s.ok()) return s.Annotate("get_many");
      CountRows(1, 0);
    }
    return out;
  }
};

}  // namespace

Result<std::unique_ptr<CustomerRepository>> NewNaiveRepository(std::shared_ptr<pg::ConnectionPool> pool,
                                                                RepositoryOptions options) {
  CHINOOK_RETURN_IF_ERROR(PrepareRepository(pool, options));
  return std::unique_ptr<CustomerRepository>(new NaiveRepository(std::move(pool), options.schema));
}

}  // namespace chinook::repository
