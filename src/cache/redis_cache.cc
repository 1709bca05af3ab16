#include "cache/redis_cache.h"

#include <algorithm>
#include <atomic>
#include <charconv>

#include "cache/ketama.h"
#include "cache/redis_cluster.h"

namespace chinook::cache {
namespace {

class RedisCache final : public RemoteCache {
 public:
  RedisCache(RedisEndpoint endpoint, RedisCacheOptions options)
      : options_(options), counters_(options.format), client_(std::move(endpoint), options.connection) {}

  std::optional<std::string> Get(std::string_view key) override {
    auto reply = client_.Command({"GET", key});
    if (!reply.ok()) return counters_.FailedReads();
    return counters_.Unwrap(*reply);
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
      counters_.FailedReads(keys.size());
      return out;
    }
    for (size_t i = 0; i < keys.size(); ++i) out[i] = counters_.Unwrap(reply->elements[i]);
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
    for (const auto& entry : entries) values.push_back(counters_.Encode(entry.second));
    for (size_t i = 0; i < entries.size(); ++i) {
      commands.push_back({"SET", entries[i].first, values[i], "PX", px});
    }
    counters_.AddSets(entries.size());
    return CheckAll(client_.Pipeline(commands), "SET");
  }

  Status Delete(const std::vector<std::string>& keys) override {
    if (keys.empty()) return Status::Ok();
    std::vector<std::string_view> command = {"UNLINK"};
    for (const std::string& k : keys) command.push_back(k);
    counters_.AddDeletes(keys.size());
    auto reply = client_.Command(command);
    if (!reply.ok()) return counters_.CountError(reply.status());
    return CheckReply(*reply, "UNLINK");
  }

  Result<uint64_t> DeleteMatching(std::string_view pattern) override {
    auto removed = internal::ScanAndUnlink(client_, pattern, options_.scan_batch, /*one_key_per_unlink=*/false);
    if (!removed.ok()) return counters_.CountError(removed.status());
    counters_.AddDeletes(*removed);
    return removed;
  }

  Result<int64_t> Increment(std::string_view key) override {
    auto reply = client_.Command({"INCR", key});
    if (!reply.ok()) return counters_.CountError(reply.status());
    if (reply->type != RedisReply::Type::kInteger) {
      return counters_.CountError(FailedPreconditionError(Where() + "INCR " + std::string(key) + ": " + reply->str));
    }
    return static_cast<int64_t>(reply->integer);
  }

  Result<int64_t> ReadCounter(std::string_view key) override {
    auto reply = client_.Command({"GET", key});
    if (!reply.ok()) return counters_.CountError(reply.status());
    auto value = internal::CounterValue(*reply, Where(), key);
    if (!value.ok()) return counters_.CountError(value.status());
    return value;
  }

  RemoteCacheStats Stats() const override { return counters_.Snapshot(client_.reconnects()); }

  std::vector<RedisEndpoint> endpoints() const override { return {client_.endpoint()}; }

 private:
  std::string Where() const { return client_.endpoint().ToString() + ": "; }

  Status CheckReply(const RedisReply& r, std::string_view what) {
    if (r.type == RedisReply::Type::kError) {
      return counters_.CountError(FailedPreconditionError(Where() + std::string(what) + ": " + r.str));
    }
    return Status::Ok();
  }

  Status CheckAll(const Result<std::vector<RedisReply>>& replies, std::string_view what) {
    if (!replies.ok()) return counters_.CountError(replies.status());
    for (const RedisReply& r : *replies) CHINOOK_RETURN_IF_ERROR(CheckReply(r, what));
    return Status::Ok();
  }

  const RedisCacheOptions options_;
  internal::CacheCounters counters_;
  RedisClient client_;
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

namespace internal {

std::string CacheCounters::Encode(std::string_view payload) const {
  std::string value;
  value.reserve(payload.size() + 1);
  value.push_back(static_cast<char>(format_));
  value.append(payload);
  return value;
}

std::optional<std::string> CacheCounters::Unwrap(const RedisReply& r) {
  if (r.type == RedisReply::Type::kNil) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  if (r.type != RedisReply::Type::kString) return FailedReads();  // e.g. WRONGTYPE
  if (r.str.empty() || static_cast<uint8_t>(r.str[0]) != format_) {
    format_errors_.fetch_add(1, std::memory_order_relaxed);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return r.str.substr(1);
}

std::optional<std::string> CacheCounters::FailedReads(uint64_t n) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  misses_.fetch_add(n, std::memory_order_relaxed);
  return std::nullopt;
}

Status CacheCounters::CountError(Status s) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  return s;
}

RemoteCacheStats CacheCounters::Snapshot(uint64_t reconnects) const {
  RemoteCacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.format_errors = format_errors_.load(std::memory_order_relaxed);
  s.sets = sets_.load(std::memory_order_relaxed);
  s.deletes = deletes_.load(std::memory_order_relaxed);
  s.reconnects = reconnects;
  return s;
}

Result<int64_t> CounterValue(const RedisReply& r, std::string_view where, std::string_view key) {
  if (r.type == RedisReply::Type::kNil) return int64_t{0};
  int64_t value = 0;
  if (r.type != RedisReply::Type::kString ||
      std::from_chars(r.str.data(), r.str.data() + r.str.size(), value).ptr != r.str.data() + r.str.size()) {
    return DataLossError(std::string(where) + "counter " + std::string(key) + " does not hold an integer");
  }
  return value;
}

Result<uint64_t> ScanAndUnlink(RedisClient& client, std::string_view pattern, int batch, bool one_key_per_unlink) {
  const std::string where = client.endpoint().ToString() + ": ";
  const std::string count = std::to_string(batch);
  const auto step = static_cast<size_t>(std::max(batch, 1));
  std::string cursor = "0";
  uint64_t removed = 0;
  do {
    auto page = client.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", count});
    if (!page.ok()) return page.status().Annotate("SCAN " + std::string(pattern));
    if (page->type != RedisReply::Type::kArray || page->elements.size() != 2 ||
        page->elements[1].type != RedisReply::Type::kArray) {
      return InternalError(where + "unexpected SCAN reply");
    }
    cursor = page->elements[0].str;
    const auto& found = page->elements[1].elements;
    // SCAN may return a key twice; UNLINK counts only what it removed, so totals stay exact.
    for (size_t start = 0; start < found.size(); start += step) {
      const size_t end = std::min(found.size(), start + step);
      std::vector<std::vector<std::string_view>> commands;
      if (one_key_per_unlink) {
        for (size_t i = start; i < end; ++i) commands.push_back({"UNLINK", found[i].str});
      } else {
        commands.emplace_back(std::vector<std::string_view>{"UNLINK"});
        for (size_t i = start; i < end; ++i) commands.back().push_back(found[i].str);
      }
      auto replies = client.Pipeline(commands);
      if (!replies.ok()) return replies.status().Annotate("UNLINK");
      for (const RedisReply& reply : *replies) {
        if (reply.type != RedisReply::Type::kInteger) {
          return FailedPreconditionError(where + "UNLINK: " + (reply.type == RedisReply::Type::kError ? reply.str : "unexpected reply"));
        }
        removed += static_cast<uint64_t>(std::max<long long>(reply.integer, 0));
      }
    }
  } while (cursor != "0");
  return removed;
}

}  // namespace internal

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
  if (urls.rfind(kClusterScheme, 0) == 0) {
    // Every comma-separated seed becomes redis://<seed>, so credentials written once in front
    // (redis+cluster://:pw@h:p,h:p) apply to the first seed and, through it, to every node.
    std::string seeds;
    for (std::string_view rest = urls.substr(kClusterScheme.size()); !rest.empty();) {
      const size_t comma = std::min(rest.find(','), rest.size());
      if (comma > 0) seeds += (seeds.empty() ? "redis://" : ",redis://") + std::string(rest.substr(0, comma));
      rest.remove_prefix(std::min(comma + 1, rest.size()));
    }
    auto endpoints = ParseRedisUrlList(seeds);
    if (!endpoints.ok()) return endpoints.status().Annotate("redis+cluster seeds");
    for (const RedisEndpoint& ep : *endpoints) {
      if (ep.db != 0) {
        return InvalidArgumentError("redis+cluster seed " + ep.ToString() + ": a Redis Cluster has only database 0");
      }
    }
    ClusterCacheOptions cluster;
    cluster.cache = options;
    return std::unique_ptr<RemoteCache>(NewClusterCache(std::move(*endpoints), cluster));
  }
  CHINOOK_ASSIGN_OR_RETURN(auto endpoints, ParseRedisUrlList(urls));
  if (endpoints.size() == 1) return NewRedisCache(endpoints.front(), options);
  return NewShardedRedisCache(std::move(endpoints), options);
}

}  // namespace chinook::cache
