#include "cache/redis_cache.h"

#include <algorithm>
#include <atomic>
#include <charconv>

#include "cache/ketama.h"

namespace chinook::cache {
namespace {

class RedisCache final : public RemoteCache {
 public:
  RedisCache(RedisEndpoint endpoint, RedisCacheOptions options)
      : options_(options), client_(std::move(endpoint), options.connection) {}

  std::optional<std::string> Get(std::string_view key) override {
    auto reply = client_.Command({"GET", key});
    if (!reply.ok()) return Error();
    return Unwrap(*reply);
  }

  std::vector<std::optional<std::string>> GetMany(const std::vector<std::string>& keys) override {
    std::vector<std::optional<std::string>> out(keys.size());
    if (keys.empty()) return out;
    std::vector<std::string_view> command;
    command.reserve(keys.size() + 1);
    command.push_back("MGET");
    for (const std::string& k : keys) command.push_back(k);
    auto reply = client_.Command(command);
    if (!reply.ok() || reply->type != RedisReply::Type::kArray || reply->elements.size() != keys.size()) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      misses_.fetch_add(keys.size(), std::memory_order_relaxed);
      return out;
    }
    for (size_t i = 0; i < keys.size(); ++i) out[i] = Unwrap(reply->elements[i]);
    return out;
  }

  Status Set(std::string_view key, std::string_view payload, std::chrono::milliseconds ttl) override {
    return SetMany({{std::string(key), std::string(payload)}}, ttl);
  }

  Status SetMany(const std::vector<std::pair<std::string, std::string>>& entries,
                 std::chrono::milliseconds ttl) override {
    if (entries.empty()) return Status::Ok();
    const std::string px = std::to_string(std::max<int64_t>(ttl.count(), 1));
    std::vector<std::string> values;
    values.reserve(entries.size());
    std::vector<std::vector<std::string_view>> commands;
    commands.reserve(entries.size());
    for (const auto& [key, payload] : entries) {
      std::string value;
      value.reserve(payload.size() + 1);
      value.push_back(static_cast<char>(options_.format));
      value.append(payload);
      values.push_back(std::move(value));
    }
    for (size_t i = 0; i < entries.size(); ++i) {
      commands.push_back({"SET", entries[i].first, values[i], "PX", px});
    }
    sets_.fetch_add(entries.size(), std::memory_order_relaxed);
    return CheckAll(client_.Pipeline(commands), "SET");
  }

  Status Delete(const std::vector<std::string>& keys) override {
    if (keys.empty()) return Status::Ok();
    std::vector<std::string_view> command = {"UNLINK"};
    for (const std::string& k : keys) command.push_back(k);
    deletes_.fetch_add(keys.size(), std::memory_order_relaxed);
    auto reply = client_.Command(command);
    if (!reply.ok()) return CountError(reply.status());
    return CheckReply(*reply, "UNLINK");
  }

  Result<uint64_t> DeleteMatching(std::string_view pattern) override {
    const std::string count = std::to_string(options_.scan_batch);
    std::string cursor = "0";
    uint64_t removed = 0;
    do {
      auto page = client_.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", count});
      if (!page.ok()) return CountError(page.status().Annotate("SCAN " + std::string(pattern)));
      if (page->type != RedisReply::Type::kArray || page->elements.size() != 2 ||
          page->elements[1].type != RedisReply::Type::kArray) {
        return CountError(InternalError(client_.endpoint().ToString() + ": unexpected SCAN reply"));
      }
      cursor = page->elements[0].str;
      const auto& found = page->elements[1].elements;
      // SCAN may return a key twice; UNLINK counts only what it removed, so totals stay exact.
      for (size_t start = 0; start < found.size(); start += options_.scan_batch) {
        std::vector<std::string_view> unlink = {"UNLINK"};
        for (size_t i = start; i < std::min(found.size(), start + options_.scan_batch); ++i) {
          unlink.push_back(found[i].str);
        }
        auto reply = client_.Command(unlink);
        if (!reply.ok()) return CountError(reply.status().Annotate("UNLINK"));
        if (reply->type != RedisReply::Type::kInteger) {
          CHINOOK_RETURN_IF_ERROR(CheckReply(*reply, "UNLINK"));
        }
        removed += static_cast<uint64_t>(std::max<long long>(reply->integer, 0));
      }
    } while (cursor != "0");
    deletes_.fetch_add(removed, std::memory_order_relaxed);
    return removed;
  }

  Result<int64_t> Increment(std::string_view key) override {
    auto reply = client_.Command({"INCR", key});
    if (!reply.ok()) return CountError(reply.status());
    if (reply->type != RedisReply::Type::kInteger) {
      return CountError(FailedPreconditionError(Where() + "INCR " + std::string(key) + ": " + reply->str));
    }
    return static_cast<int64_t>(reply->integer);
  }

  Result<int64_t> ReadCounter(std::string_view key) override {
    auto reply = client_.Command({"GET", key});
    if (!reply.ok()) return CountError(reply.status());
    if (reply->type == RedisReply::Type::kNil) return int64_t{0};
    int64_t value = 0;
    if (reply->type != RedisReply::Type::kString ||
        std::from_chars(reply->str.data(), reply->str.data() + reply->str.size(), value).ptr !=
            reply->str.data() + reply->str.size()) {
      return CountError(DataLossError(Where() + "counter " + std::string(key) + " does not hold an integer"));
    }
    return value;
  }

  RemoteCacheStats Stats() const override {
    RemoteCacheStats s;
    s.hits = hits_.load(std::memory_order_relaxed);
    s.misses = misses_.load(std::memory_order_relaxed);
    s.errors = errors_.load(std::memory_order_relaxed);
    s.format_errors = format_errors_.load(std::memory_order_relaxed);
    s.sets = sets_.load(std::memory_order_relaxed);
    s.deletes = deletes_.load(std::memory_order_relaxed);
    s.reconnects = client_.reconnects();
    return s;
  }

  std::vector<RedisEndpoint> endpoints() const override { return {client_.endpoint()}; }

 private:
  std::string Where() const { return client_.endpoint().ToString() + ": "; }

  std::optional<std::string> Error() {
    errors_.fetch_add(1, std::memory_order_relaxed);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }

  Status CountError(Status s) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return s;
  }

  // A GET/MGET element: the payload, or a miss.
  std::optional<std::string> Unwrap(const RedisReply& r) {
    if (r.type == RedisReply::Type::kNil) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    if (r.type != RedisReply::Type::kString) return Error();  // e.g. WRONGTYPE
    if (r.str.empty() || static_cast<uint8_t>(r.str[0]) != options_.format) {
      format_errors_.fetch_add(1, std::memory_order_relaxed);
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    return r.str.substr(1);
  }

  Status CheckReply(const RedisReply& r, std::string_view what) {
    if (r.type == RedisReply::Type::kError) {
      return CountError(FailedPreconditionError(Where() + std::string(what) + ": " + r.str));
    }
    return Status::Ok();
  }

  Status CheckAll(const Result<std::vector<RedisReply>>& replies, std::string_view what) {
    if (!replies.ok()) return CountError(replies.status());
    for (const RedisReply& r : *replies) CHINOOK_RETURN_IF_ERROR(CheckReply(r, what));
    return Status::Ok();
  }

  const RedisCacheOptions options_;
  RedisClient client_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, errors_{0}, format_errors_{0}, sets_{0}, deletes_{0};
};

class ShardedRedisCache final : public RemoteCache {
 public:
  ShardedRedisCache(std::vector<RedisEndpoint> endpoints, RedisCacheOptions options)
      : ring_(Names(endpoints)) {
    for (auto& ep : endpoints) nodes_.push_back(NewRedisCache(std::move(ep), options));
  }

  std::optional<std::string> Get(std::string_view key) override { return NodeFor(key).Get(key); }

  std::vector<std::optional<std::string>> GetMany(const std::vector<std::string>& keys) override {
    // Group by node, one MGET each, then put the answers back in the caller's order.
    std::vector<std::vector<size_t>> positions(nodes_.size());
    for (size_t i = 0; i < keys.size(); ++i) positions[ring_.ServerFor(keys[i])].push_back(i);
    std::vector<std::optional<std::string>> out(keys.size());
    std::vector<std::string> node_keys;
    for (size_t n = 0; n < nodes_.size(); ++n) {
      if (positions[n].empty()) continue;
      node_keys.clear();
      for (size_t i : positions[n]) node_keys.push_back(keys[i]);
      auto values = nodes_[n]->GetMany(node_keys);
      for (size_t j = 0; j < values.size(); ++j) out[positions[n][j]] = std::move(values[j]);
    }
    return out;
  }

  Status Set(std::string_view key, std::string_view payload, std::chrono::milliseconds ttl) override {
    return NodeFor(key).Set(key, payload, ttl);
  }

  Status SetMany(const std::vector<std::pair<std::string, std::string>>& entries,
                 std::chrono::milliseconds ttl) override {
    std::vector<std::vector<std::pair<std::string, std::string>>> per_node(nodes_.size());
    for (const auto& e : entries) per_node[ring_.ServerFor(e.first)].push_back(e);
    return ForEachNonEmpty(per_node, [&](RemoteCache& node, const auto& part) { return node.SetMany(part, ttl); });
  }

  Status Delete(const std::vector<std::string>& keys) override {
    std::vector<std::vector<std::string>> per_node(nodes_.size());
    for (const auto& k : keys) per_node[ring_.ServerFor(k)].push_back(k);
    return ForEachNonEmpty(per_node, [](RemoteCache& node, const auto& part) { return node.Delete(part); });
  }

  Result<uint64_t> DeleteMatching(std::string_view pattern) override {
    uint64_t removed = 0;
    Status first_error;
    for (auto& node : nodes_) {  // every node, even after a failure: remove what can be removed
      auto r = node->DeleteMatching(pattern);
      if (r.ok()) {
        removed += *r;
      } else if (first_error.ok()) {
        first_error = r.status();
      }
    }
    if (!first_error.ok()) return first_error;
    return removed;
  }

  Result<int64_t> Increment(std::string_view key) override { return NodeFor(key).Increment(key); }
  Result<int64_t> ReadCounter(std::string_view key) override { return NodeFor(key).ReadCounter(key); }

  RemoteCacheStats Stats() const override {
    RemoteCacheStats total;
    for (const auto& node : nodes_) total += node->Stats();
    return total;
  }

  std::vector<RedisEndpoint> endpoints() const override {
    std::vector<RedisEndpoint> out;
    for (const auto& node : nodes_) out.push_back(node->endpoints().front());
    return out;
  }

 private:
  static std::vector<std::string> Names(const std::vector<RedisEndpoint>& endpoints) {
    std::vector<std::string> names;
    for (const auto& ep : endpoints) names.push_back(KetamaRing::DefaultServerName(ep.host, ep.port));
    return names;
  }

  RemoteCache& NodeFor(std::string_view key) { return *nodes_[ring_.ServerFor(key)]; }

  // Runs `fn` on every node with work; all run even if one fails; returns the first error.
  template <typename Parts, typename Fn>
  Status ForEachNonEmpty(const Parts& parts, Fn fn) {
    Status first_error;
    for (size_t n = 0; n < nodes_.size(); ++n) {
      if (parts[n].empty()) continue;
      Status s = fn(*nodes_[n], parts[n]);
      if (!s.ok() && first_error.ok()) first_error = std::move(s);
    }
    return first_error;
  }

  const KetamaRing ring_;
  std::vector<std::unique_ptr<RemoteCache>> nodes_;
};

}  // namespace

std::string CustomerCacheKey(std::string_view id) {
  std::string key(kKeyNamespace);
  key += "customer:";
  key += id;
  return key;
}

std::unique_ptr<RemoteCache> NewRedisCache(RedisEndpoint endpoint, RedisCacheOptions options) {
  return std::make_unique<RedisCache>(std::move(endpoint), options);
}

std::unique_ptr<RemoteCache> NewShardedRedisCache(std::vector<RedisEndpoint> endpoints, RedisCacheOptions options) {
  return std::make_unique<ShardedRedisCache>(std::move(endpoints), options);
}

Result<std::unique_ptr<RemoteCache>> NewRemoteCacheFromUrls(std::string_view urls, RedisCacheOptions options) {
  CHINOOK_ASSIGN_OR_RETURN(auto endpoints, ParseRedisUrlList(urls));
  if (endpoints.size() == 1) return NewRedisCache(endpoints.front(), options);
  return NewShardedRedisCache(std::move(endpoints), options);
}

}  // namespace chinook::cache
