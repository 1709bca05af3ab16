#include "cache/redis_cluster.h"

#include <algorithm>

namespace chinook::cache {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

// An immutable slot map with the clients of its nodes; replaced whole on refresh or MOVED.
struct ClusterCache::Topology {
  SlotMap map;
  std::vector<RedisClient*> clients;          // by node index: read-write connections
  std::vector<RedisClient*> replica_clients;  // by node index: READONLY connections (or null)
};

struct ClusterCache::Command {
  int slot = 0;
  std::vector<std::string_view> args;
  bool read = false;
};

ClusterCache::ClusterCache(std::vector<RedisEndpoint> seeds, ClusterCacheOptions options)
    : options_(std::move(options)), seeds_(std::move(seeds)), counters_(options_.cache.format) {
  {
    MutexLock lock(&topology_mu_);
    topology_ = std::make_shared<const Topology>();
  }
  // A cluster that cannot be reached now is not an error here: reads are misses until it can.
  if (Status s = Refresh(); !s.ok()) RecordError(s, nullptr);
}

ClusterCache::~ClusterCache() = default;

std::shared_ptr<const ClusterCache::Topology> ClusterCache::Current() const {
  MutexLock lock(&topology_mu_);
  return topology_;
}

RedisEndpoint ClusterCache::EndpointOf(const ClusterNode& node) const {
  RedisEndpoint ep = seeds_.empty() ? RedisEndpoint{} : seeds_.front();  // credentials
  ep.host = node.host;
  ep.port = node.port;
  ep.db = 0;  // a cluster has only database 0
  return ep;
}

RedisClient* ClusterCache::ClientFor(const ClusterNode& node) {
  MutexLock lock(&clients_mu_);
  auto& client = clients_[node.Address()];
  if (client == nullptr) client = std::make_unique<RedisClient>(EndpointOf(node), options_.cache.connection);
  return client.get();
}

void ClusterCache::RecordError(const Status& s, std::atomic<uint64_t>* counter) {
  if (counter != nullptr) counter->fetch_add(1, std::memory_order_relaxed);
  MutexLock lock(&error_mu_);
  last_error_ = s.ToString();
}

Result<std::vector<SlotRange>> ClusterCache::AskSlotRanges(RedisClient* client, const ClusterNode& node) {
  if (options_.use_cluster_shards && !shards_unknown_.load(std::memory_order_relaxed)) {
    CHINOOK_ASSIGN_OR_RETURN(RedisReply shards, client->Command({"CLUSTER", "SHARDS"}));
    if (shards.type != RedisReply::Type::kError) return ParseClusterShards(shards, node.host);
    shards_fallbacks_.fetch_add(1, std::memory_order_relaxed);
    const bool unknown = shards.str.find("unknown subcommand") != std::string::npos ||
                         shards.str.find("unknown command") != std::string::npos;
    if (unknown) shards_unknown_.store(true, std::memory_order_relaxed);
  }
  CHINOOK_ASSIGN_OR_RETURN(RedisReply slots, client->Command({"CLUSTER", "SLOTS"}));
  return ParseClusterSlots(slots, node.host);
}

Status ClusterCache::Refresh() {
  MutexLock refreshing(&refresh_mu_);
  last_refresh_ns_.store(NowNs(), std::memory_order_relaxed);
  // Ask the nodes we know first (they are the cluster as it is now), then the seeds.
  std::vector<ClusterNode> candidates;
  {
    const auto current = Current();
    for (const ClusterNode& n : current->map.nodes()) candidates.push_back(n);
  }
  for (const RedisEndpoint& seed : seeds_) {
    ClusterNode n{seed.host, seed.port, ""};
    if (std::find(candidates.begin(), candidates.end(), n) == candidates.end()) candidates.push_back(n);
  }
  std::string why = "no seed nodes";
  for (const ClusterNode& candidate : candidates) {
    RedisClient* client = ClientFor(candidate);
    auto ranges = AskSlotRanges(client, candidate);
    if (!ranges.ok() && ranges.status().code() == StatusCode::kUnavailable) {
      why = ranges.status().ToString();
      continue;
    }
    auto map = ranges.ok() ? SlotMap::FromRanges(*ranges) : Result<SlotMap>(ranges.status());
    if (!map.ok()) {
      why = candidate.Address() + ": " + map.status().ToString();
      continue;
    }
    if (map->covered() == 0) {  // a node that has not joined yet knows nothing: ask another
      why = candidate.Address() + ": its slot map names no slot";
      continue;
    }
    auto next = std::make_shared<Topology>();
    next->map = std::move(*map);
    for (const ClusterNode& n : next->map.nodes()) next->clients.push_back(ClientFor(n));
    next->replica_clients.assign(next->map.nodes().size(), nullptr);
    {
      MutexLock lock(&clients_mu_);
      for (int m : next->map.masters()) {
        const ClusterNode& master = next->map.nodes()[static_cast<size_t>(m)];
        for (int s = 0; s < kClusterSlots; ++s) {
          if (next->map.MasterOf(s) == m) {
            first_slot_.emplace(master.Address(), s);
            break;
          }
        }
      }
      if (options_.read_from_replicas) {
        RedisOptions readonly = options_.cache.connection;
        readonly.readonly = true;
        for (size_t i = 0; i < next->map.nodes().size(); ++i) {
          const ClusterNode& n = next->map.nodes()[i];
          auto& c = replica_clients_[n.Address()];
          if (c == nullptr) c = std::make_unique<RedisClient>(EndpointOf(n), readonly);
          next->replica_clients[i] = c.get();
        }
      }
    }
    refreshes_.fetch_add(1, std::memory_order_relaxed);
    MutexLock lock(&topology_mu_);
    topology_ = std::move(next);
    return Status::Ok();
  }
  Status s = UnavailableError("redis cluster: no node gave a slot map (last: " + why + ")");
  RecordError(s, &refresh_errors_);
  return s;
}

void ClusterCache::MaybeRefresh() {
  const int64_t since = NowNs() - last_refresh_ns_.load(std::memory_order_relaxed);
  if (since < std::chrono::nanoseconds(options_.min_refresh_interval).count()) return;
  if (!refresh_mu_.TryLock()) return;  // another thread is refreshing; its map will do
  refresh_mu_.Unlock();
  (void)Refresh();  // failures are counted and recorded by Refresh
}

void ClusterCache::MaybePeriodicRefresh() {
  const int64_t since = NowNs() - last_refresh_ns_.load(std::memory_order_relaxed);
  if (since >= std::chrono::nanoseconds(options_.refresh_interval).count()) MaybeRefresh();
}

void ClusterCache::LearnMoved(const Redirect& r) {
  const ClusterNode node{r.host, r.port, ""};
  RedisClient* client = ClientFor(node);
  {
    MutexLock lock(&topology_mu_);
    auto next = std::make_shared<Topology>();
    next->map = topology_->map.WithSlotMovedTo(r.slot, node);
    next->clients = topology_->clients;
    next->replica_clients = topology_->replica_clients;
    if (next->clients.size() < next->map.nodes().size()) next->clients.push_back(client);
    next->replica_clients.resize(next->map.nodes().size(), nullptr);
    topology_ = std::move(next);
  }
  MaybeRefresh();  // one MOVED usually means more slots moved: learn them all at once
}

RedisClient* ClusterCache::Target(const Topology& t, int slot, bool read) {
  const int master = t.map.MasterOf(slot);
  if (master == SlotMap::kNoOwner) return nullptr;
  if (read && options_.read_from_replicas) {
    const auto& replicas = t.map.ReplicasOf(slot);
    if (!replicas.empty()) {
      const int r = replicas[replica_turn_.fetch_add(1, std::memory_order_relaxed) % replicas.size()];
      if (RedisClient* c = t.replica_clients[static_cast<size_t>(r)]; c != nullptr) return c;
    }
  }
  return t.clients[static_cast<size_t>(master)];
}

Result<RedisReply> ClusterCache::RunOne(int slot, const std::vector<std::string_view>& args, bool read) {
  auto topology = Current();
  RedisClient* target = Target(*topology, slot, read);
  if (target == nullptr) {
    MaybeRefresh();
    topology = Current();
    target = Target(*topology, slot, read);
  }
  if (target == nullptr) {
    Status s = UnavailableError("redis cluster: slot " + std::to_string(slot) + " has no owner");
    RecordError(s, &no_owner_);
    return s;
  }
  bool asking = false;
  bool retried_after_error = false;
  for (int hop = 0;; ++hop) {
    Result<RedisReply> reply = RedisReply{};
    if (asking) {
      auto replies = target->Pipeline({{"ASKING"}, args});
      reply = replies.ok() ? Result<RedisReply>(std::move(replies->back())) : Result<RedisReply>(replies.status());
    } else {
      reply = target->Command(args);
    }
    asking = false;
    if (!reply.ok()) {
      // The node may be gone (failover): learn the map again and retry once if the slot moved.
      if (retried_after_error) return reply;
      retried_after_error = true;
      MaybeRefresh();
      topology = Current();
      RedisClient* next = Target(*topology, slot, read);
      if (next == nullptr || next == target) return reply;
      target = next;
      continue;
    }
    if (reply->type != RedisReply::Type::kError) return reply;
    auto redirect = ParseRedirect(reply->str, target->endpoint().host);
    if (!redirect.ok()) {
      Status s = redirect.status().Annotate(target->endpoint().ToString());
      RecordError(s, &redirect_errors_);
      return s;
    }
    if (!redirect->has_value()) {
      if (StartsWith(reply->str, "CLUSTERDOWN") || StartsWith(reply->str, "TRYAGAIN")) MaybeRefresh();
      return reply;  // an ordinary error reply: the caller's to judge
    }
    const Redirect& r = **redirect;
    if (r.slot != slot) {
      Status s = DataLossError(target->endpoint().ToString() + ": redirection for slot " + std::to_string(r.slot) +
                               " answered a command for slot " + std::to_string(slot));
      RecordError(s, &redirect_errors_);
      return s;
    }
    if (hop >= options_.max_redirections) {
      Status s = UnavailableError("redis cluster: slot " + std::to_string(slot) + " still redirected after " +
                                  std::to_string(options_.max_redirections) + " redirections (last: " + reply->str + ")");
      RecordError(s, &redirect_errors_);
      return s;
    }
    if (r.kind == Redirect::Kind::kMoved) {
      moved_.fetch_add(1, std::memory_order_relaxed);
      LearnMoved(r);
    } else {
      asks_.fetch_add(1, std::memory_order_relaxed);
      asking = true;
    }
    target = ClientFor(ClusterNode{r.host, r.port, ""});
  }
}

std::vector<Result<RedisReply>> ClusterCache::RunMany(std::vector<Command> commands) {
  MaybePeriodicRefresh();
  std::vector<Result<RedisReply>> out(commands.size(), Result<RedisReply>(RedisReply{}));
  const auto topology = Current();
  // Group by target node. The arguments move into the node's pipeline (a copy was an allocation
  // per key); `retry` keeps where each retried command's arguments are now.
  std::vector<RedisClient*> targets;
  std::vector<std::vector<size_t>> positions;
  std::vector<std::vector<std::vector<std::string_view>>> pipelines;
  std::vector<std::pair<size_t, const std::vector<std::string_view>*>> retry;
  for (size_t i = 0; i < commands.size(); ++i) {
    RedisClient* t = Target(*topology, commands[i].slot, commands[i].read);
    if (t == nullptr) {
      retry.emplace_back(i, &commands[i].args);  // RunOne refreshes, then reports the missing owner
      continue;
    }
    size_t n = static_cast<size_t>(std::find(targets.begin(), targets.end(), t) - targets.begin());
    if (n == targets.size()) {
      targets.push_back(t);
      positions.emplace_back().reserve(commands.size());
      pipelines.emplace_back().reserve(commands.size());
    }
    positions[n].push_back(i);
    pipelines[n].push_back(std::move(commands[i].args));
  }
  std::vector<RedisClient::Job> jobs;
  jobs.reserve(targets.size());
  for (size_t n = 0; n < targets.size(); ++n) jobs.push_back({targets[n], &pipelines[n]});
  auto results = RedisClient::PipelineAll(jobs);
  for (size_t n = 0; n < targets.size(); ++n) {
    if (!results[n].ok()) {
      // RunOne refreshes and retries once.
      for (size_t j = 0; j < positions[n].size(); ++j) retry.emplace_back(positions[n][j], &pipelines[n][j]);
      continue;
    }
    for (size_t j = 0; j < positions[n].size(); ++j) {
      RedisReply& reply = (*results[n])[j];
      if (reply.type == RedisReply::Type::kError &&
          (StartsWith(reply.str, "MOVED ") || StartsWith(reply.str, "ASK "))) {
        retry.emplace_back(positions[n][j], &pipelines[n][j]);
      } else {
        out[positions[n][j]] = std::move(reply);
      }
    }
  }
  // The few commands that met a redirection or a failed node, one by one with full handling.
  for (const auto& [i, args] : retry) out[i] = RunOne(commands[i].slot, *args, commands[i].read);
  return out;
}

std::optional<std::string> ClusterCache::Get(std::string_view key) {
  MaybePeriodicRefresh();
  auto reply = RunOne(KeySlot(key), {"GET", key}, /*read=*/true);
  if (!reply.ok()) return counters_.FailedReads();
  return counters_.Unwrap(*reply);
}

std::vector<std::optional<std::string>> ClusterCache::GetMany(const std::vector<std::string>& keys) {
  std::vector<Command> commands(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) commands[i] = {KeySlot(keys[i]), {"GET", keys[i]}, true};
  auto replies = RunMany(std::move(commands));
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    out[i] = replies[i].ok() ? counters_.Unwrap(*replies[i]) : counters_.FailedReads();
  }
  return out;
}

Status ClusterCache::Set(std::string_view key, std::string_view payload, std::chrono::milliseconds ttl) {
  return SetMany({{std::string(key), std::string(payload)}}, ttl);
}

namespace {
// The first failure among replies ("what" names the command), else OK.
Status FirstFailure(const std::vector<Result<RedisReply>>& replies, std::string_view what) {
  for (const auto& r : replies) {
    if (!r.ok()) return r.status().Annotate(what);
    if (r->type == RedisReply::Type::kError) return FailedPreconditionError("redis cluster: " + std::string(what) + ": " + r->str);
  }
  return Status::Ok();
}
}  // namespace

Status ClusterCache::SetMany(const std::vector<std::pair<std::string, std::string>>& entries,
                             std::chrono::milliseconds ttl) {
  if (entries.empty()) return Status::Ok();
  const std::string px = std::to_string(std::max<int64_t>(ttl.count(), 1));
  std::vector<std::string> values;
  values.reserve(entries.size());
  for (const auto& entry : entries) values.push_back(counters_.Encode(entry.second));
  std::vector<Command> commands(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    commands[i] = {KeySlot(entries[i].first), {"SET", entries[i].first, values[i], "PX", px}, false};
  }
  counters_.AddSets(entries.size());
  Status s = FirstFailure(RunMany(std::move(commands)), "SET");
  return s.ok() ? s : counters_.CountError(s);
}

Status ClusterCache::Delete(const std::vector<std::string>& keys) {
  if (keys.empty()) return Status::Ok();
  std::vector<Command> commands(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) commands[i] = {KeySlot(keys[i]), {"UNLINK", keys[i]}, false};
  counters_.AddDeletes(keys.size());
  Status s = FirstFailure(RunMany(std::move(commands)), "UNLINK");
  return s.ok() ? s : counters_.CountError(s);
}

Result<uint64_t> ClusterCache::DeleteMatching(std::string_view pattern) {
  MaybePeriodicRefresh();
  const auto topology = Current();
  if (topology->map.masters().empty()) {
    return counters_.CountError(UnavailableError("redis cluster: no slot map, cannot delete " + std::string(pattern)));
  }
  uint64_t removed = 0;
  Status first_error;
  for (int m : topology->map.masters()) {  // every master, even after a failure
    auto r = internal::ScanAndUnlink(*topology->clients[static_cast<size_t>(m)], pattern, options_.cache.scan_batch,
                                     /*one_key_per_unlink=*/true);
    if (r.ok()) {
      removed += *r;
    } else if (first_error.ok()) {
      first_error = r.status();
    }
  }
  counters_.AddDeletes(removed);
  if (!first_error.ok()) {
    MaybeRefresh();
    return counters_.CountError(first_error);
  }
  return removed;
}

Result<int64_t> ClusterCache::Increment(std::string_view key) {
  MaybePeriodicRefresh();
  auto reply = RunOne(KeySlot(key), {"INCR", key}, false);
  if (!reply.ok()) return counters_.CountError(reply.status());
  if (reply->type != RedisReply::Type::kInteger) {
    return counters_.CountError(FailedPreconditionError("redis cluster: INCR " + std::string(key) + ": " + reply->str));
  }
  return static_cast<int64_t>(reply->integer);
}

Result<int64_t> ClusterCache::ReadCounter(std::string_view key) {
  MaybePeriodicRefresh();
  // From the master: a counter read from a lagging replica would go backwards.
  auto reply = RunOne(KeySlot(key), {"GET", key}, false);
  if (!reply.ok()) return counters_.CountError(reply.status());
  auto value = internal::CounterValue(*reply, "redis cluster: ", key);
  if (!value.ok()) return counters_.CountError(value.status());
  return value;
}

RemoteCacheStats ClusterCache::Stats() const {
  uint64_t reconnects = 0;
  {
    MutexLock lock(&clients_mu_);
    for (const auto& [name, client] : clients_) reconnects += client->reconnects();
    for (const auto& [name, client] : replica_clients_) reconnects += client->reconnects();
  }
  RemoteCacheStats s = counters_.Snapshot(reconnects);
  // A redirection or ownerless failure already reached its caller, which counted it (FailedReads,
  // CountError): adding redirect_errors_ and no_owner_ too counted each such failure twice.
  s.errors += refresh_errors_.load();
  return s;
}

std::vector<RedisEndpoint> ClusterCache::endpoints() const {
  const auto topology = Current();
  std::vector<RedisEndpoint> out;
  for (int m : topology->map.masters()) out.push_back(EndpointOf(topology->map.nodes()[static_cast<size_t>(m)]));
  return out;
}

std::optional<RedisEndpoint> ClusterCache::Successor(const RedisEndpoint& lost) {
  int slot = -1;
  {
    MutexLock lock(&clients_mu_);
    const auto it = first_slot_.find(ClusterNode{lost.host, lost.port, ""}.Address());
    if (it != first_slot_.end()) slot = it->second;
  }
  if (slot < 0) return std::nullopt;
  MaybeRefresh();
  const auto topology = Current();
  const int owner = topology->map.MasterOf(slot);
  if (owner == SlotMap::kNoOwner) return std::nullopt;
  return EndpointOf(topology->map.nodes()[static_cast<size_t>(owner)]);
}

ClusterCacheStats ClusterCache::ClusterStats() const {
  ClusterCacheStats s;
  s.moved = moved_.load();
  s.asks = asks_.load();
  s.refreshes = refreshes_.load();
  s.shards_fallbacks = shards_fallbacks_.load();
  s.refresh_errors = refresh_errors_.load();
  s.redirect_errors = redirect_errors_.load();
  s.no_owner = no_owner_.load();
  MutexLock lock(&error_mu_);
  s.last_error = last_error_;
  return s;
}

std::string ClusterCache::OwnerOf(int slot) const {
  if (slot < 0 || slot >= kClusterSlots) return "";
  const auto topology = Current();
  const int owner = topology->map.MasterOf(slot);
  return owner == SlotMap::kNoOwner ? "" : topology->map.nodes()[static_cast<size_t>(owner)].Address();
}

std::unique_ptr<ClusterCache> NewClusterCache(std::vector<RedisEndpoint> seeds, ClusterCacheOptions options) {
  return std::make_unique<ClusterCache>(std::move(seeds), std::move(options));
}

}  // namespace chinook::cache
