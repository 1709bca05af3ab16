#include "workload/service_mix.h"

#include <random>
#include <utility>

#include "cache/redis_cache.h"
#include "pg/connection_pool.h"
#include "repository/customer_repository.h"
#include "workload/traces.h"

namespace chinook::workload {
namespace {

// Length of the Zipf sequence a mix replays: long enough that its cycle is not a pattern the
// cache could learn within a run, 8 MiB per mix.
constexpr size_t kZipfSequenceLength = 1 << 20;

// A seed for the generator of new customers that no earlier run used: the repository keeps
// what earlier runs created, and Create of a taken id would fail.
uint64_t FreshSeed(uint64_t seed) {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32 ^ device()) ^ seed;
}

}  // namespace

ServiceMix::ServiceMix(customer::CustomerService* service, std::vector<customer::Customer> stored,
                       ServiceMixOptions options)
    : service_(service),
      stored_(std::move(stored)),
      options_(options),
      ranks_(ZipfTrace(stored_.size(), kZipfSequenceLength, options.zipf_s, options.seed)),
      next_rank_(options.seed % kZipfSequenceLength),
      create_seed_(FreshSeed(options.seed)),
      generator_({.seed = create_seed_}) {}

const customer::Customer& ServiceMix::ZipfCustomer() {
  const customer::Customer& c = stored_[ranks_[next_rank_]];
  if (++next_rank_ == ranks_.size()) next_rank_ = 0;
  return c;
}

Result<customer::CustomerPtr> ServiceMix::Step() {
  const auto missing = [](const std::string& id, const char* op) {
    return NotFoundError(std::string(op) + " did not find stored customer '" + id + "'");
  };
  int dice = static_cast<int>(generator_.Uniform(1000));
  if ((dice -= options_.get_many_permille) < 0) {
    std::vector<std::string> ids;
    ids.reserve(options_.get_many_ids);
    for (int i = 0; i < options_.get_many_ids; ++i) ids.push_back(ZipfCustomer().id());
    CHINOOK_ASSIGN_OR_RETURN(auto many, service_->GetMany(ids));
    for (size_t i = 0; i < ids.size(); ++i) {
      if ((many)[i] == nullptr) return missing(ids[i], "GetMany");
    }
    return (many)[0];
  }
  if ((dice -= options_.list_permille) < 0) {
    CHINOOK_ASSIGN_OR_RETURN(auto page, service_->List(options_.list_page_size, list_cursor_));
    if (page.customers.empty()) return NotFoundError("List returned an empty page of a stored table");
    list_cursor_ = ++list_page_ < options_.list_pages ? page.next_cursor : "";
    if (list_cursor_.empty()) list_page_ = 0;
    return std::make_shared<const customer::Customer>(std::move(page.customers.front()));
  }
  if ((dice -= options_.update_permille) < 0) {
    auto updated = std::make_shared<customer::Customer>(ZipfCustomer());
    updated->set_name("Soak update " + std::to_string(++updates_));
    CHINOOK_RETURN_IF_ERROR(service_->Update(*updated));
    return customer::CustomerPtr(std::move(updated));
  }
  if ((dice -= options_.create_permille) < 0) {
    auto created = std::make_shared<const customer::Customer>(generator_.Next());
    CHINOOK_RETURN_IF_ERROR(service_->Create(*created));
    return created;
  }
  const std::string& id = ZipfCustomer().id();
  CHINOOK_ASSIGN_OR_RETURN(auto got, service_->GetByID(id));
  if (got == nullptr) return missing(id, "GetByID");
  return got;
}

Result<std::unique_ptr<AssembledService>> AssembleService(const AssembleOptions& options) {
  if (options.pg_dsn.empty()) return InvalidArgumentError("AssembleService: no PostgreSQL DSN");
  if (options.redis_url.empty()) return InvalidArgumentError("AssembleService: no Redis URL");
  CHINOOK_ASSIGN_OR_RETURN(auto pool, pg::ConnectionPool::Create(
      {.dsn = options.pg_dsn, .max_open = options.max_open, .connect_timeout = options.connect_timeout}));
  CHINOOK_ASSIGN_OR_RETURN(auto repo, repository::NewOptimizedRepository(pool, {.schema = options.schema}));
  auto out = std::make_unique<AssembledService>();
  out->pool = pool;
  out->repository = std::move(repo);
  out->stored = MakeCorpus(options.customers, {.seed = options.corpus_seed});
  // Stored once per schema; AlreadyExists means an earlier run stored the same corpus.
  if (Status s = out->repository->CreateBatch(out->stored); !s.ok() && s.code() != StatusCode::kAlreadyExists) {
    return s.Annotate("storing the soak corpus");
  }
  CHINOOK_ASSIGN_OR_RETURN(auto remote, cache::NewRemoteCacheFromUrls(options.redis_url));
  out->remote = std::move(remote);
  customer::CustomerServiceOptions service_options;
  service_options.cache.l1.max_entries = options.customers / 10;
  out->service = std::make_unique<customer::CustomerService>(out->repository, out->remote, service_options);
  if (!out->service->WaitUntilCoherent(std::chrono::steady_clock::now() + std::chrono::seconds(5))) {
    return UnavailableError("the L1 invalidation subscription did not connect within 5 s");
  }
  return out;
}

double LeastSquaresSlope(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2 || y.size() != n) return 0;
  double mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < n; ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= n;
  mean_y /= n;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mean_x) * (y[i] - mean_y);
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
  }
  return sxx == 0 ? 0 : sxy / sxx;
}

}  // namespace chinook::workload
