#include "repository/optimized_repository.h"

#include <cstddef>
#include <memory_resource>
#include <unordered_map>

#include "repository/repository_base.h"
#include "repository/row_codec.h"

namespace chinook::repository {
namespace {

class OptimizedRepository final : public RepositoryBase {
 public:
  OptimizedRepository(std::shared_ptr<pg::ConnectionPool> pool, std::string_view schema, OptimizedTuning tuning)
      : RepositoryBase(std::move(pool), schema, Mode::kPrepared), tuning_(tuning) {}

  // One COPY BINARY statement: a single implicit transaction, so a failure anywhere (a taken
  // id, a lost connection) stores none of the rows.
  Status WriteBatch(pg::Connection& conn, std::span<const Customer> customers, int64_t now) override {
    std::string chunk;
    std::string json;
    size_t next_row = 0;
    bool header_sent = false;
    bool trailer_sent = false;
    auto next_chunk = [&](std::string_view* out) -> Status {
      chunk.clear();
      if (!header_sent) {
        AppendCopyHeader(&chunk);
        header_sent = true;
      }
      while (next_row < customers.size() && chunk.size() < tuning_.copy_chunk_bytes) {
        AppendCopyRow(customers[next_row++], now, &chunk, &json);
      }
      if (next_row == customers.size() && !trailer_sent && chunk.size() < tuning_.copy_chunk_bytes) {
        AppendCopyTrailer(&chunk);
        trailer_sent = true;
      }
      *out = chunk;
      return Status::Ok();
    };
    CountStatements(1, 1);
    CHINOOK_ASSIGN_OR_RETURN(auto copied, conn.CopyIn(statements_.copy, next_chunk, CallDeadline()));
    if (static_cast<size_t>(copied) != customers.size()) {
      return InternalError("COPY stored " + std::to_string(copied) + " of " + std::to_string(customers.size()) +
                           " rows");
    }
    return Status::Ok();
  }

  Status ReadMany(pg::Connection& conn, std::span<const std::string> ids,
                  std::vector<std::optional<Customer>>* out) override {
    return tuning_.get_many == GetManyStrategy::kAnyArray ? GetManyAny(conn, ids, out)
                                                          : GetManyPipelined(conn, ids, out);
  }

 private:
  Status GetManyAny(pg::Connection& conn, std::span<const std::string> ids, std::vector<std::optional<Customer>>* out) {
    std::vector<std::string_view> views(ids.begin(), ids.end());
    pg::Params params;
    params.AddTextArray(views);
    CHINOOK_ASSIGN_OR_RETURN(auto r, Run(conn, statements_.get_many, params, CallDeadline()));
    // Rows come back in index order, not request order: place each where its id was asked for
    // (every place, when an id was asked for twice).
    const PGresult* result = r.get();
    const int rows = RowCount(result);
    if (rows == 0) return Status::Ok();
    CHINOOK_ASSIGN_OR_RETURN(auto decoder, CustomerRowDecoder::For(result));
    // The index's nodes and buckets come from a buffer on the stack (a batch of up to about 150
    // rows fits; more spill to the heap in growing blocks): a plain unordered_map allocates a
    // node per row.
    alignas(std::max_align_t) char buffer[8192];
    std::pmr::monotonic_buffer_resource arena(buffer, sizeof buffer);
    std::pmr::unordered_map<std::string_view, int> row_of(&arena);
    row_of.reserve(rows);
    for (int i = 0; i < rows; ++i) row_of.emplace(RowId(result, i), i);
    for (size_t i = 0; i < ids.size(); ++i) {
      auto it = row_of.find(ids[i]);
      if (it == row_of.end()) continue;
      (*out)[i].emplace();
      CHINOOK_RETURN_IF_ERROR(decoder.Decode(it->second, &*(*out)[i]));
    }
    CountRows(rows, 0);
    return Status::Ok();
  }

  Status GetManyPipelined(pg::Connection& conn, std::span<const std::string> ids,
                          std::vector<std::optional<Customer>>* out) {
    std::vector<pg::Params> params(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) params[i].AddText(ids[i]);
    CountStatements(ids.size(), 1);
    CHINOOK_ASSIGN_OR_RETURN(auto results, 
        conn.ExecPipelined(statements_.get_by_id, params, pg::Format::kBinary, CallDeadline()));
    for (size_t i = 0; i < ids.size(); ++i) {
      const PGresult* r = (results)[i].get();
      if (RowCount(r) == 0) continue;
      (*out)[i].emplace();
      CHINOOK_RETURN_IF_ERROR(DecodeCustomerRow(r, 0, &*(*out)[i]));
      CountRows(1, 0);
    }
    return Status::Ok();
  }

  const OptimizedTuning tuning_;
};

}  // namespace

Result<std::unique_ptr<CustomerRepository>> NewOptimizedRepository(std::shared_ptr<pg::ConnectionPool> pool,
                                                                    RepositoryOptions options,
                                                                    OptimizedTuning tuning) {
  if (tuning.copy_chunk_bytes == 0) return InvalidArgumentError("repository: copy_chunk_bytes must be positive");
  CHINOOK_RETURN_IF_ERROR(PrepareRepository(pool, options));
  return std::unique_ptr<CustomerRepository>(new OptimizedRepository(std::move(pool), options.schema, tuning));
}

Result<std::unique_ptr<CustomerRepository>> NewOptimizedRepository(std::shared_ptr<pg::ConnectionPool> pool,
                                                                    RepositoryOptions options) {
  return NewOptimizedRepository(std::move(pool), std::move(options), OptimizedTuning{});
}

}  // namespace chinook::repository
