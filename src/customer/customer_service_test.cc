// CustomerService against real PostgreSQL and Redis: each test has its own schema and its own
// Redis key prefix, so tests may run in parallel.
#include "customer/customer_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "repository/repository_test_env.h"
#include "testing/service_env.h"
#include "testing/status_matchers.h"
#include "workload/customer_corpus.h"

namespace chinook::customer {
namespace {

using namespace std::chrono_literals;

class CustomerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_.port = 0;  // TearDown cleans Redis only once SetUp got that far
    CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
    CHINOOK_REQUIRE_ENV(redis_url, ::chinook::workload::kRedisUrlVar);
    auto pool = pg::ConnectionPool::Create({.dsn = dsn, .max_open = 4});
    CHINOOK_ASSERT_OK(pool);
    pool_ = *pool;
    schema_ = std::make_unique<repository::testing::ScopedSchema>(dsn, "svc");
    auto repo = repository::NewOptimizedRepository(pool_, {.schema = schema_->name()});
    CHINOOK_ASSERT_OK(repo);
    repository_ = std::move(*repo);
    auto endpoint = cache::ParseRedisUrl(redis_url);
    ASSERT_TRUE(endpoint.ok());
    endpoint_ = *endpoint;
    // Customer ids are unique per test (the corpus seed), so the shared key namespace is safe.
    seed_ = static_cast<uint64_t>(getpid()) * 1000 + ++test_counter_;
  }
  void TearDown() override {
    if (endpoint_.port != 0) {
      (void)cache::NewRedisCache(endpoint_)->DeleteMatching(cache::CustomerCacheKey(std::string("cust-").append(std::to_string(seed_)).append("-*")));
    }
  }

  std::unique_ptr<CustomerService> NewService(std::shared_ptr<cache::RemoteCache> remote = nullptr) {
    if (remote == nullptr) remote = cache::NewRedisCache(endpoint_);
    auto service = std::make_unique<CustomerService>(repository_, std::move(remote));
    EXPECT_TRUE(service->WaitUntilCoherent(std::chrono::steady_clock::now() + 5s));
    return service;
  }
  std::vector<Customer> Corpus(size_t n) { return chinook::workload::MakeCorpus(n, {.seed = seed_}); }

  static inline int test_counter_ = 0;
  std::shared_ptr<pg::ConnectionPool> pool_;
  std::unique_ptr<repository::testing::ScopedSchema> schema_;
  std::shared_ptr<repository::CustomerRepository> repository_;
  cache::RedisEndpoint endpoint_;  // port 0 until SetUp found the server
  uint64_t seed_ = 0;
};

TEST_F(CustomerServiceTest, ReadsAreCachedAndCountedPerTier) {
  auto service = NewService();
  const auto customers = Corpus(3);
  ASSERT_TRUE(service->CreateBatch(customers).ok());
  const uint64_t queries_before = service->Stats().repository_queries;
  auto first = service->GetByID(customers[0].id());
  CHINOOK_ASSERT_OK(first);
  ASSERT_NE(*first, nullptr);
  EXPECT_EQ((*first)->email(), customers[0].email());
  EXPECT_EQ(service->Stats().repository_queries, queries_before + 1);

  // Once the fill's own invalidation has gone by, repeated reads are L1 hits with no query.
  std::this_thread::sleep_for(20ms);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(service->GetByID(customers[0].id()).ok());
  const CustomerServiceStats s = service->Stats();
  EXPECT_LE(s.repository_queries, queries_before + 1);
  EXPECT_GE(s.l1_hits, 4u);
  EXPECT_EQ(s.loader_calls, 1u);
  EXPECT_EQ(s.redis_errors, 0u);

  auto absent = service->GetByID("cust-nobody");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, nullptr);
  EXPECT_EQ(service->GetByID("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service->GetByID(std::string(1000, 'x')).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CustomerServiceTest, AnUpdateInOneServiceIsSeenByAnotherAtOnce) {
  auto writer = NewService();
  auto reader = NewService();
  auto customers = Corpus(1);
  ASSERT_TRUE(writer->Create(customers[0]).ok());
  // The reader caches the customer in its L1 (reads until served from L1).
  for (int i = 0; i < 200 && reader->Stats().l1_hits == 0; ++i) {
    ASSERT_TRUE(reader->GetByID(customers[0].id()).ok());
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_GT(reader->Stats().l1_hits, 0u);

  customers[0].set_name("Renamed Customer");
  ASSERT_TRUE(writer->Update(customers[0]).ok());
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto got = reader->GetByID(customers[0].id());
    ASSERT_TRUE(got.ok());
    seen = (*got)->name();
    if (seen == "Renamed Customer") break;
    std::this_thread::sleep_for(200us);
  }
  EXPECT_EQ(seen, "Renamed Customer");

  ASSERT_TRUE(writer->Delete(customers[0].id()).ok());
  CustomerPtr after_delete = std::make_shared<Customer>();
  for (int i = 0; i < 2000 && after_delete != nullptr; ++i) {
    auto got = reader->GetByID(customers[0].id());
    ASSERT_TRUE(got.ok());
    after_delete = *got;
    if (after_delete != nullptr) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(after_delete, nullptr);
}

TEST_F(CustomerServiceTest, GetManyQueriesTheRepositoryOnceForAllMisses) {
  auto service = NewService();
  const auto customers = Corpus(20);
  ASSERT_TRUE(service->CreateBatch(customers).ok());
  ASSERT_TRUE(service->GetByID(customers[0].id()).ok());
  std::vector<std::string> ids;
  for (const auto& c : customers) ids.push_back(c.id());
  ids.push_back("cust-missing");
  const uint64_t queries_before = service->Stats().repository_queries;
  auto many = service->GetMany(ids);
  CHINOOK_ASSERT_OK(many);
  ASSERT_EQ(many->size(), ids.size());
  for (size_t i = 0; i < customers.size(); ++i) {
    ASSERT_NE((*many)[i], nullptr) << i;
    EXPECT_EQ((*many)[i]->id(), customers[i].id());
  }
  EXPECT_EQ(many->back(), nullptr);
  EXPECT_EQ(service->Stats().repository_queries, queries_before + 1);
  const std::vector<std::string> bad = {"ok-id", ""};
  EXPECT_EQ(service->GetMany(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CustomerServiceTest, ListPagesAreCachedUntilTheNextWrite) {
  auto service = NewService();
  ASSERT_TRUE(service->CreateBatch(Corpus(30)).ok());
  auto first = service->List(10, "");
  CHINOOK_ASSERT_OK(first);
  ASSERT_EQ(first->customers.size(), 10u);
  const uint64_t queries = service->Stats().repository_queries;
  auto again = service->List(10, "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(service->Stats().repository_queries, queries);  // from Redis
  EXPECT_EQ(again->next_cursor, first->next_cursor);
  ASSERT_EQ(again->customers.size(), 10u);
  EXPECT_EQ(again->customers[3].id(), first->customers[3].id());
  EXPECT_GE(service->Stats().list_page_hits, 1u);

  auto page2 = service->List(10, first->next_cursor);
  ASSERT_TRUE(page2.ok());
  EXPECT_NE(page2->customers[0].id(), first->customers[0].id());

  // A new customer is the newest: the cached first page must not hide it.
  Customer newest = chinook::workload::MakeCorpus(1, {.seed = seed_ + 500'000})[0];
  newest.mutable_created_at()->set_seconds(4'102'444'800);  // 2100-01-01: newer than the corpus
  ASSERT_TRUE(service->Create(newest).ok());
  auto after = service->List(10, "");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->customers[0].id(), newest.id());
  (void)cache::NewRedisCache(endpoint_)->Delete({cache::CustomerCacheKey(newest.id())});
}

TEST_F(CustomerServiceTest, RedisDownNeverFailsAReadOrAWrite) {
  cache::RedisEndpoint dead = endpoint_;
  dead.port = 1;
  CustomerServiceOptions options;
  options.cache.listener.connection.connect_timeout = 50ms;
  CustomerService service(repository_, cache::NewRedisCache(dead), options);
  const auto customers = Corpus(5);
  ASSERT_TRUE(service.CreateBatch(customers).ok());
  for (int i = 0; i < 3; ++i) {
    auto got = service.GetByID(customers[1].id());
    CHINOOK_ASSERT_OK(got);
    ASSERT_NE(*got, nullptr);
  }
  std::vector<std::string> ids = {customers[0].id(), customers[2].id()};
  auto many = service.GetMany(ids);
  ASSERT_TRUE(many.ok());
  EXPECT_NE((*many)[1], nullptr);
  auto page = service.List(3, "");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->customers.size(), 3u);
  const CustomerServiceStats s = service.Stats();
  EXPECT_GT(s.redis_errors, 0u);
  EXPECT_GT(s.invalidation_errors, 0u);
  EXPECT_EQ(s.loader_calls, 4u);  // every read went to the repository
}

}  // namespace
}  // namespace chinook::customer
