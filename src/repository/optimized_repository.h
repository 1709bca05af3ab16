// Internal: the optimized repository with its GetMany strategy chosen explicitly, so that the
// benchmark can keep measuring the alternative that lost (see GetManyStrategy).
//
// Thread safety: as CustomerRepository.
#ifndef CHINOOK_REPOSITORY_OPTIMIZED_REPOSITORY_H_
#define CHINOOK_REPOSITORY_OPTIMIZED_REPOSITORY_H_

#include <memory>

#include "repository/customer_repository.h"

namespace chinook::repository {

enum class GetManyStrategy {
  // One statement, `WHERE id = ANY($1)` with the ids as a binary text[]: one round trip, one
  // index scan over all keys. The default: it measured several times faster than pipelining at
  // 100 ids (BM_Repo_GetMany_Optimized vs BM_Repo_GetMany_Pipelined).
  kAnyArray,
  // One prepared point SELECT per id, all sent in libpq pipeline mode: one round trip, but the
  // server still runs N statements.
  kPipeline,
};

struct OptimizedTuning {
  GetManyStrategy get_many = GetManyStrategy::kAnyArray;
  // COPY data is sent in chunks of about this size, bounding memory for any batch size.
  size_t copy_chunk_bytes = 256 * 1024;
};

[[nodiscard]] Result<std::unique_ptr<CustomerRepository>> NewOptimizedRepository(
    std::shared_ptr<pg::ConnectionPool> pool, RepositoryOptions options, OptimizedTuning tuning);

}  // namespace chinook::repository

#endif  // CHINOOK_REPOSITORY_OPTIMIZED_REPOSITORY_H_
