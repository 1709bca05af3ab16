#include "customer/customer_service.h"

#include "serialization/customer_codec.h"

namespace chinook::customer {
namespace {

// An id longer than this cannot exist (the repository allows 64 characters of UTF-8, at most
// 256 bytes); refusing it early keeps absurd keys out of both cache tiers.
constexpr size_t kMaxIdBytes = 256;

constexpr std::string_view kListPrefix = "chinook:v1:customer-list:";
constexpr std::string_view kListGenerationKey = "chinook:v1:customer-list:generation";

cache::Codec<Customer> CustomerCodec() {
  return {[](const Customer& c, std::string* out) { serialization::EncodeCustomer(c, out); },
          [](std::string_view bytes, Customer* out) { return serialization::DecodeCustomer(bytes, out); }};
}

Status CheckId(std::string_view id) {
  if (id.empty()) return InvalidArgumentError("id: empty");
  if (id.size() > kMaxIdBytes) {
    return InvalidArgumentError("id: " + std::to_string(id.size()) + " bytes, more than any customer id can have");
  }
  return Status::Ok();
}

// A cached page: [u32 little-endian cursor length][cursor][CustomerBatch bytes].
std::string EncodePage(const repository::CustomerPage& page) {
  std::string out;
  const auto n = static_cast<uint32_t>(page.next_cursor.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  out += page.next_cursor;
  v1::CustomerBatch batch;
  for (const Customer& c : page.customers) *batch.add_customers() = c;
  batch.AppendToString(&out);
  return out;
}

bool DecodePage(std::string_view bytes, repository::CustomerPage* page) {
  if (bytes.size() < 4) return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  if (bytes.size() - 4 < n) return false;
  page->next_cursor.assign(bytes.substr(4, n));
  v1::CustomerBatch batch;
  const std::string_view rest = bytes.substr(4 + n);
  if (!batch.ParseFromArray(rest.data(), static_cast<int>(rest.size()))) return false;
  page->customers.assign(batch.customers().begin(), batch.customers().end());
  return true;
}

// Records the lifetime of the scope (one service call, whatever path it returns by).
class ScopedLatency {
 public:
  explicit ScopedLatency(metrics::LatencyHistogram& histogram)
      : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
  ~ScopedLatency() { histogram_.Record(std::chrono::steady_clock::now() - start_); }
  ScopedLatency(const ScopedLatency&) = delete;
  ScopedLatency& operator=(const ScopedLatency&) = delete;

 private:
  metrics::LatencyHistogram& histogram_;
  const std::chrono::steady_clock::time_point start_;
};

}  // namespace

const char* ServiceOpName(ServiceOp op) {
  switch (op) {
    case ServiceOp::kCreate: return "create";
    case ServiceOp::kCreateBatch: return "create_batch";
    case ServiceOp::kUpdate: return "update";
    case ServiceOp::kDelete: return "delete";
    case ServiceOp::kGetByID: return "get_by_id";
    case ServiceOp::kGetMany: return "get_many";
    case ServiceOp::kList: return "list";
  }
  return "unknown";
}

CustomerService::CustomerService(std::shared_ptr<repository::CustomerRepository> repository,
                                 std::shared_ptr<cache::RemoteCache> remote, CustomerServiceOptions options)
    : options_(std::move(options)),
      repository_(std::move(repository)),
      remote_(std::move(remote)),
      cache_(remote_, CustomerCodec(), options_.cache) {}

void CustomerService::AfterWrite(std::span<const std::string> ids) {
  if (!cache_.Invalidate(ids).ok()) invalidation_errors_.fetch_add(1, std::memory_order_relaxed);
  if (remote_ != nullptr && options_.cache_list_pages && !remote_->Increment(kListGenerationKey).ok()) {
    invalidation_errors_.fetch_add(1, std::memory_order_relaxed);
  }
}

void CustomerService::AfterWrite(std::string_view id) {
  const std::string key(id);
  AfterWrite(std::span<const std::string>(&key, 1));
}

Status CustomerService::Create(const Customer& customer) {
  ScopedLatency timer(latency_[static_cast<int>(ServiceOp::kCreate)]);
  CHINOOK_RETURN_IF_ERROR(repository_->Create(customer));
  AfterWrite(customer.id());
  return Status::Ok();
}

Status CustomerService::CreateBatch(std::span<const Customer> customers) {
  ScopedLatency timer(latency_[static_cast<int>(ServiceOp::kCreateBatch)]);
  CHINOOK_RETURN_IF_ERROR(repository_->CreateBatch(customers));
  std::vector<std::string> ids;
  ids.reserve(customers.size());
  for (const Customer& c : customers) ids.push_back(c.id());
  if (!ids.empty()) AfterWrite(ids);
  return Status::Ok();
}

Status CustomerService::Update(const Customer& customer) {
  ScopedLatency timer(latency_[static_cast<int>(ServiceOp::kUpdate)]);
  CHINOOK_RETURN_IF_ERROR(repository_->Update(customer));
  AfterWrite(customer.id());
  return Status::Ok();
}

Status CustomerService::Delete(std::string_view id) {
  ScopedLatency timer(latency_[static_cast<int>(ServiceOp::kDelete)]);
  CHINOOK_RETURN_IF_ERROR(repository_->Delete(id));
  AfterWrite(id);
  return Status::Ok();
}

Result<CustomerPtr> CustomerService::GetByID(std::string_view id) {
  ScopedLatency timer(latency_[static_cast<int>(ServiceOp::kGetByID)]);
  CHINOOK_RETURN_IF_ERROR(CheckId(id));
  CHINOOK_ASSIGN_OR_RETURN(auto r, cache_.Get(std::string(id), [this](const std::string& key) { return repository_->GetByID(key); }));
  return r.has_value() ? *r : CustomerPtr();
}

Result<std::vector<CustomerPtr>> CustomerService::GetMany(std::span<const std::string> ids) {
  ScopedLatency timer(latency_[static_cast<int>(ServiceOp::kGetMany)]);
  for (size_t i = 0; i < ids.size(); ++i) {
    Status s = CheckId(ids[i]);
    if (!s.ok()) return s.Annotate("ids[" + std::to_string(i) + "]");
  }
  CHINOOK_ASSIGN_OR_RETURN(auto r, cache_.GetMany(ids, [this](std::span<const std::string> keys) { return repository_->GetMany(keys); }));
  std::vector<CustomerPtr> out;
  out.reserve(r.size());
  for (auto& v : r) out.push_back(v.has_value() ? std::move(*v) : CustomerPtr());
  return out;
}

Result<repository::CustomerPage> CustomerService::List(int limit, std::string_view cursor) {
  ScopedLatency timer(latency_[static_cast<int>(ServiceOp::kList)]);
  if (remote_ == nullptr || !options_.cache_list_pages) return repository_->List(limit, cursor);
  // The generation read first: a page stored under it was read from the database afterwards,
  // so it is at least as new as every write that had finished moving the generation on.
  auto generation = remote_->ReadCounter(kListGenerationKey);
  if (!generation.ok()) return repository_->List(limit, cursor);  // Redis trouble: no page cache
  std::string key(kListPrefix);
  key += std::to_string(*generation) + ":" + std::to_string(limit) + ":";
  key += cursor;
  if (auto bytes = remote_->Get(key)) {
    repository::CustomerPage page;
    if (DecodePage(*bytes, &page)) {
      list_page_hits_.fetch_add(1, std::memory_order_relaxed);
      return page;
    }
  }
  list_page_misses_.fetch_add(1, std::memory_order_relaxed);
  auto page = repository_->List(limit, cursor);
  if (page.ok()) (void)remote_->Set(key, EncodePage(*page), options_.list_page_ttl);
  return page;
}

CustomerServiceStats CustomerService::Stats() const {
  CustomerServiceStats s;
  s.cache = cache_.Stats();
  s.repository = repository_->Stats();
  s.l1_hits = s.cache.l1.hits;
  s.l1_misses = s.cache.l1.misses;
  s.l1_hit_rate = s.cache.l1_hit_rate();
  s.l2_hits = s.cache.l2_hits;
  s.l2_misses = s.cache.l2_misses;
  s.l2_hit_rate = s.cache.l2_hit_rate();
  s.loader_calls = s.cache.loader_calls;
  s.list_page_hits = list_page_hits_.load(std::memory_order_relaxed);
  s.list_page_misses = list_page_misses_.load(std::memory_order_relaxed);
  s.redis_errors = s.cache.l2.errors;
  s.redis_reconnects = s.cache.l2.reconnects;
  s.l1_coherent = cache_.l1_coherent();
  s.invalidation_errors = invalidation_errors_.load(std::memory_order_relaxed);
  s.repository_queries = s.repository.statements;
  return s;
}

}  // namespace chinook::customer
