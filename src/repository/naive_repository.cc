// The "before" of every optimisation, kept to be measured: unprepared statements, one INSERT per
// row and one SELECT per id. It is still correct (a batch is one transaction, values are
// parameters): slow is the only thing wrong with it.
#include "repository/repository_base.h"
#include "repository/row_codec.h"

namespace chinook::repository {
namespace {

class NaiveRepository final : public RepositoryBase {
 public:
  NaiveRepository(std::shared_ptr<pg::ConnectionPool> pool, std::string_view schema)
      : RepositoryBase(std::move(pool), schema, Mode::kUnprepared) {}

  // One INSERT per row inside BEGIN ... COMMIT.
  Status WriteBatch(pg::Connection& conn, std::span<const Customer> customers, int64_t now) override {
    const pg::Deadline deadline = CallDeadline();
    CHINOOK_RETURN_IF_ERROR(RunCommand(conn, "BEGIN", deadline));
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
        return r.status().Annotate("row " + std::to_string(row));
      }
    }
    return RunCommand(conn, "COMMIT", deadline);
  }

  // One SELECT per id.
  Status ReadMany(pg::Connection& conn, std::span<const std::string> ids,
                  std::vector<std::optional<Customer>>* out) override {
    const pg::Deadline deadline = CallDeadline();
    pg::Params params;
    for (size_t i = 0; i < ids.size(); ++i) {
      params.Clear();
      params.AddText(ids[i]);
      CHINOOK_ASSIGN_OR_RETURN(auto r, Run(conn, statements_.get_by_id, params, deadline));
      if (RowCount(r.get()) == 0) continue;
      (*out)[i].emplace();
      CHINOOK_RETURN_IF_ERROR(DecodeCustomerRow(r.get(), 0, &*(*out)[i]));
      CountRows(1, 0);
    }
    return Status::Ok();
  }
};

}  // namespace

Result<std::unique_ptr<CustomerRepository>> NewNaiveRepository(std::shared_ptr<pg::ConnectionPool> pool,
                                                                RepositoryOptions options) {
  CHINOOK_RETURN_IF_ERROR(PrepareRepository(pool, options));
  return std::unique_ptr<CustomerRepository>(new NaiveRepository(std::move(pool), options.schema));
}

}  // namespace chinook::repository
