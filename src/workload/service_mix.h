// ServiceMix: a deterministic, endless mix of CustomerService operations, the workload of the
// soak benchmark (benchmarks/soak_bench.cc) and of the load run (chinook-soak).
//
// Each Step() draws one operation: GetByID with Zipf-distributed ids (the common case of a
// customer API), GetMany of a few Zipf ids, List (walking a few pages, then starting over),
// Update of a Zipf id and Create of a new customer. Reads of stored ids must find them: a
// missing customer is an error, so a soak run also checks the service's answers.
//
// AssembleService builds what customer_bench.cc measures: pool -> optimized repository (own
// schema, corpus stored) -> Redis -> CustomerService with an L1 of a tenth of the corpus.
//
// Thread safety: a ServiceMix is not thread-safe (one per thread); the service it drives is.
#ifndef CHINOOK_WORKLOAD_SERVICE_MIX_H_
#define CHINOOK_WORKLOAD_SERVICE_MIX_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chinook/status.h"
#include "customer/customer_service.h"
#include "pg/connection_pool.h"
#include "workload/customer_corpus.h"

namespace chinook::workload {

struct ServiceMixOptions {
  // Zipf exponent of the ids read and updated; 0.99 as YCSB's default.
  double zipf_s = 0.99;
  // Seeds the operation choice and the Zipf sequence; two mixes with different seeds on one
  // service behave like two independent clients.
  uint64_t seed = 1;
  // Shares of the operations in per mille; GetByID takes the rest. Writes are 1%, as in the
  // read-mostly workload a cache exists for; each costs a durable commit (a few ms of fsync),
  // so a larger share would turn the run into a measurement of the disk.
  int get_many_permille = 100;
  int list_permille = 50;
  int update_permille = 7;
  int create_permille = 3;
  // Ids per GetMany; page size and pages walked per List sequence.
  int get_many_ids = 8;
  int list_page_size = 20;
  int list_pages = 5;
};

class ServiceMix {
 public:
  // REQUIRES: every customer of `stored` is in the service's repository, and `service` outlives
  // this object.
  ServiceMix(customer::CustomerService* service, std::vector<customer::Customer> stored,
             ServiceMixOptions options = {});

  // Runs one operation. Returns the customer it read or wrote (the first one for GetMany and
  // List), or the service's error; NotFound when a read missed a stored customer.
  [[nodiscard]] Result<customer::CustomerPtr> Step();

  // The seed of the customers Create makes ("cust-<seed>-<n>"), so that a run can remove their
  // cache keys afterwards.
  uint64_t create_seed() const { return create_seed_; }

 private:
  const customer::Customer& ZipfCustomer();

  customer::CustomerService* const service_;
  const std::vector<customer::Customer> stored_;
  const ServiceMixOptions options_;
  const std::vector<uint64_t> ranks_;  // Zipf sequence over stored_, replayed cyclically
  size_t next_rank_ = 0;
  const uint64_t create_seed_;
  CustomerGenerator generator_;  // new customers for Create, ids unique per seed
  std::string list_cursor_;
  int list_page_ = 0;
  uint64_t updates_ = 0;
};

// The service and what it owns, kept alive together.
struct AssembledService {
  std::shared_ptr<pg::ConnectionPool> pool;
  std::shared_ptr<repository::CustomerRepository> repository;
  std::shared_ptr<cache::RemoteCache> remote;
  std::unique_ptr<customer::CustomerService> service;
  std::vector<customer::Customer> stored;  // the corpus, all in the repository
};

struct AssembleOptions {
  std::string pg_dsn;     // required
  // Required: the Redis tier as cache::NewRemoteCacheFromUrls reads it: one redis:// URL (one
  // node), several comma-separated (the ketama ring), or redis+cluster://h:p,h:p (a cluster).
  std::string redis_url;
  // Schema of the soak's tables; the corpus is stored once and reused by later runs.
  std::string schema = "chinook_soak";
  size_t customers = 5'000;
  uint64_t corpus_seed = 5150;
  int max_open = 4;
  // The pool's connect timeout; a load run that must notice a restarted server soon sets less.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
};
[[nodiscard]] Result<std::unique_ptr<AssembledService>> AssembleService(const AssembleOptions& options);

// Least-squares slope of y over x; 0 with fewer than two distinct x.
double LeastSquaresSlope(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace chinook::workload

#endif  // CHINOOK_WORKLOAD_SERVICE_MIX_H_
