// CustomerService: the customer API over the repository (PostgreSQL) and the tiered cache
// (in-process W-TinyLFU L1 -> Redis L2).
//
// Reads go through the cache: GetByID coalesces concurrent misses of one id into one repository
// query; GetMany answers from L1, then one MGET per Redis node, then one repository GetMany for
// the rest. List pages are cached in Redis under a generation number that every write increments,
// so a write makes all cached pages unreachable at once without pattern deletes.
//
// Writes go to the repository first; on success the written ids are invalidated in both tiers
// (and, through Redis client-side caching, in every other process's L1) and the list generation
// moves on. A cache problem never fails a call: with Redis down, reads fall back to the
// repository (L1 is bypassed while cross-process invalidations cannot reach it) and writes still
// succeed; the problem shows in Stats() (redis_errors, invalidation_errors).
//
// Every public call's latency (failed calls included) is recorded in a histogram per operation;
// service_metrics.h exposes them with Stats() in the Prometheus format.
//
// Thread safety: all methods may be called concurrently.
#ifndef CHINOOK_CUSTOMER_CUSTOMER_SERVICE_H_
#define CHINOOK_CUSTOMER_CUSTOMER_SERVICE_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/message_cache_policy.h"
#include "cache/redis_cache.h"
#include "cache/tiered_cache.h"
#include "chinook/customer/v1/customer.pb.h"
#include "chinook/status.h"
#include "metrics/latency_histogram.h"
#include "repository/customer_repository.h"

namespace chinook::customer {

using Customer = ::chinook::customer::v1::Customer;
// Shared, immutable: what the L1 holds; returned without copying.
using CustomerPtr = std::shared_ptr<const Customer>;

struct CustomerServiceOptions {
  // Tier settings; the TTLs and tiers default to what the Customer message declares in its
  // (chinook.cache.v1.cache_policy) option.
  cache::TieredCacheOptions cache = cache::CacheOptionsFor<Customer>();
  // Lifetime of a cached List page in Redis. Writes make pages unreachable at once (generation);
  // the TTL only frees the memory of pages nobody asks for any more.
  std::chrono::milliseconds list_page_ttl = std::chrono::seconds(60);
  // Whether List pages are cached at all (they need Redis).
  bool cache_list_pages = true;
};

struct CustomerServiceStats {
  double l1_hit_rate = 0;
  double l2_hit_rate = 0;
  uint64_t l1_hits = 0;
  uint64_t l1_misses = 0;
  uint64_t l2_hits = 0;
  uint64_t l2_misses = 0;
  uint64_t loader_calls = 0;         // cache misses that reached the repository
  uint64_t list_page_hits = 0;       // List pages answered from Redis
  uint64_t list_page_misses = 0;
  uint64_t redis_errors = 0;         // failed Redis commands (reads became misses)
  uint64_t redis_reconnects = 0;     // Redis connections opened again after a failure
  bool l1_coherent = true;           // false while L1 is bypassed (invalidations cannot reach it)
  uint64_t invalidation_errors = 0;  // writes whose cache invalidation failed (stale until TTL)
  uint64_t repository_queries = 0;   // SQL statements the repository sent
  cache::TieredCacheStats cache;
  repository::RepositoryStats repository;
};

// The public calls whose latency the service records.
enum class ServiceOp { kCreate, kCreateBatch, kUpdate, kDelete, kGetByID, kGetMany, kList };
inline constexpr int kServiceOpCount = 7;
// snake_case name of the operation ("get_by_id"), used as a metric label.
const char* ServiceOpName(ServiceOp op);

class CustomerService {
 public:
  // `remote` may be null: then only the in-process cache is used.
  CustomerService(std::shared_ptr<repository::CustomerRepository> repository,
                  std::shared_ptr<cache::RemoteCache> remote, CustomerServiceOptions options = {});

  [[nodiscard]] Status Create(const Customer& customer);
  [[nodiscard]] Status CreateBatch(std::span<const Customer> customers);
  [[nodiscard]] Status Update(const Customer& customer);
  [[nodiscard]] Status Delete(std::string_view id);

  // The customer, or nullptr when there is none. InvalidArgument for an empty or oversized id.
  [[nodiscard]] Result<CustomerPtr> GetByID(std::string_view id);
  // Aligned with `ids`; nullptr where there is no such customer.
  [[nodiscard]] Result<std::vector<CustomerPtr>> GetMany(std::span<const std::string> ids);
  // The repository's keyset pagination, newest first; pages cached in Redis.
  [[nodiscard]] Result<repository::CustomerPage> List(int limit, std::string_view cursor);

  // Waits until the L1's cross-process invalidation is connected (start-up); true when it is.
  bool WaitUntilCoherent(std::chrono::steady_clock::time_point deadline) const {
    return cache_.WaitUntilCoherent(deadline);
  }
  CustomerServiceStats Stats() const;
  // Latency of every call of `op` since construction, failed calls included.
  const metrics::LatencyHistogram& Latency(ServiceOp op) const { return latency_[static_cast<int>(op)]; }

 private:
  // After a successful write: invalidate the ids and move the list generation on.
  void AfterWrite(std::span<const std::string> ids);
  // The same after a write of the one customer `id`.
  void AfterWrite(std::string_view id);

  const CustomerServiceOptions options_;
  const std::shared_ptr<repository::CustomerRepository> repository_;
  const std::shared_ptr<cache::RemoteCache> remote_;
  cache::TieredCache<Customer> cache_;
  std::atomic<uint64_t> list_page_hits_{0}, list_page_misses_{0}, invalidation_errors_{0};
  // Indexed by ServiceOp. Internally synchronized (lock-free Record).
  std::array<metrics::LatencyHistogram, kServiceOpCount> latency_;
};

}  // namespace chinook::customer

#endif  // CHINOOK_CUSTOMER_CUSTOMER_SERVICE_H_
