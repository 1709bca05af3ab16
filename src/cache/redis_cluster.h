// ClusterCache: the RemoteCache on a Redis Cluster (hash slots, replicas, failover and
// resharding done by the servers), on hiredis 0.14 / RESP2. The slot rules live in
// cluster_slots.h; this is the I/O around them.
//
// Discovery: CLUSTER SHARDS (or CLUSTER SLOTS, see use_cluster_shards) from the seed nodes (then
// from any known node) gives the slot map; one RedisClient (small connection pool) per node. Each command goes to its slot's master, or with
// read_from_replicas its reads go to a replica (READONLY connections).
//
// Redirections: MOVED teaches the slot's new owner (the map is patched at once and refreshed,
// rate-limited) and the command is retried there; ASK sends ASKING + the command to the target,
// once, without changing the map (the slot is being migrated). At most max_redirections per
// command: a loop between nodes is a counted error, not a hang.
//
// Failures: a connection error refreshes the map (rate-limited) and retries once if the slot's
// owner changed (a promoted replica); the map is also refreshed every refresh_interval. As with
// every RemoteCache, a cluster that is down, or a slot without an owner, makes reads misses and
// counts an error; it never fails a read.
//
// Multi-key commands: GetMany, SetMany and Delete group the keys by owning node and put one
// pipeline per node in flight together (RedisClient::PipelineAll): a pipeline of single-key
// commands, because MGET across slots fails with CROSSSLOT. DeleteMatching runs SCAN + UNLINK
// on every master.
//
// Thread safety: all methods may be called concurrently.
#ifndef CHINOOK_CACHE_REDIS_CLUSTER_H_
#define CHINOOK_CACHE_REDIS_CLUSTER_H_

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/cluster_slots.h"
#include "cache/redis_cache.h"
#include "common/mutex.h"

namespace chinook::cache {

struct ClusterCacheOptions {
  // Per node: connection and command timeouts, backoff, pool size; format byte; SCAN batch.
  RedisCacheOptions cache = {};
  // MOVED/ASK hops one command may take before it is given up (a counted error). Five covers a
  // resharding in progress plus a failover; a loop between misconfigured nodes stops there.
  int max_redirections = 5;
  // The slot map is read again at most this often when errors or MOVED ask for it, so that a
  // dead node does not turn every command into a CLUSTER SLOTS.
  std::chrono::milliseconds min_refresh_interval{100};
  // ... and at least this often regardless, to notice resharding and failovers before they
  // cost a redirection or an error. Done by the caller that finds it due (one CLUSTER SLOTS).
  std::chrono::milliseconds refresh_interval{std::chrono::seconds(10)};
  // Reads (GET) from a replica of the slot's master when it has one (READONLY connections):
  // spreads read load, at the price of replication lag (a read may see an older value).
  bool read_from_replicas = false;
  // The slot map comes from CLUSTER SHARDS (Redis 7.0+), which says each node's health, so a
  // replica that is still loading or has failed gets no reads. A node that refuses it (an older
  // server, or an ACL without cluster|shards) is asked CLUSTER SLOTS instead; after an "unknown
  // subcommand" CLUSTER SHARDS is not tried again. false: always CLUSTER SLOTS.
  bool use_cluster_shards = true;
};

struct ClusterCacheStats {
  uint64_t moved = 0;          // MOVED redirections followed
  uint64_t asks = 0;           // ASK redirections followed
  uint64_t refreshes = 0;      // slot maps read (CLUSTER SHARDS or CLUSTER SLOTS)
  uint64_t shards_fallbacks = 0;  // CLUSTER SHARDS refused, CLUSTER SLOTS asked instead
  uint64_t refresh_errors = 0;  // refresh attempts no node could answer (or answered badly)
  // The next two say why commands failed; the failed calls themselves are in Stats().errors once
  // each, beside the refresh errors (which no caller sees).
  uint64_t redirect_errors = 0;  // bogus redirections and redirection limits reached
  uint64_t no_owner = 0;       // commands for a slot no node serves
  std::string last_error;      // the last of those failures, for operators
};

class ClusterCache final : public RemoteCache {
 public:
  // Seeds: any nodes of the cluster (host:port, from redis:// URLs; credentials and db of the
  // first seed are used for every node, db must be 0). Discovers the map at once; if no seed
  // answers, starts empty (every read a miss) and keeps trying.
  ClusterCache(std::vector<RedisEndpoint> seeds, ClusterCacheOptions options = {});
  ~ClusterCache() override;

  std::optional<std::string> Get(std::string_view key) override;
  std::vector<std::optional<std::string>> GetMany(const std::vector<std::string>& keys) override;
  Status Set(std::string_view key, std::string_view payload, std::chrono::milliseconds ttl) override;
  Status SetMany(const std::vector<std::pair<std::string, std::string>>& entries,
                 std::chrono::milliseconds ttl) override;
  Status Delete(const std::vector<std::string>& keys) override;
  Result<uint64_t> DeleteMatching(std::string_view pattern) override;
  Result<int64_t> Increment(std::string_view key) override;
  Result<int64_t> ReadCounter(std::string_view key) override;
  RemoteCacheStats Stats() const override;
  // The masters of the current map.
  std::vector<RedisEndpoint> endpoints() const override;
  // The current master of the slots `lost` served when it was first seen as a master: after a
  // failover, the promoted replica (see RemoteCache::Successor).
  std::optional<RedisEndpoint> Successor(const RedisEndpoint& lost) override;

  ClusterCacheStats ClusterStats() const;
  // Reads the slot map now (ignores the rate limit). Fails when no node answers.
  Status Refresh();
  // The master serving `slot` in the current map ("host:port"), or "" when none.
  std::string OwnerOf(int slot) const;

 private:
  struct Topology;
  struct Command;

  std::shared_ptr<const Topology> Current() const;
  RedisClient* ClientFor(const ClusterNode& node);
  // Refresh, unless one ran less than min_refresh_interval ago (or runs now in another thread).
  void MaybeRefresh();
  void MaybePeriodicRefresh();
  void LearnMoved(const Redirect& r);
  // One node's view of the slot map: CLUSTER SHARDS, or CLUSTER SLOTS (see use_cluster_shards).
  Result<std::vector<SlotRange>> AskSlotRanges(RedisClient* client, const ClusterNode& node);
  // Runs one key's command on its slot's node, following redirections; the reply or the error.
  Result<RedisReply> RunOne(int slot, const std::vector<std::string_view>& args, bool read);
  // Runs every command, grouped by node, pipelines in flight together; redirected and failed
  // commands are retried one by one through RunOne. Aligned with `commands`.
  std::vector<Result<RedisReply>> RunMany(std::vector<Command> commands);
  RedisClient* Target(const Topology& t, int slot, bool read);
  void RecordError(const Status& s, std::atomic<uint64_t>* counter);
  RedisEndpoint EndpointOf(const ClusterNode& node) const;

  const ClusterCacheOptions options_;
  const std::vector<RedisEndpoint> seeds_;
  internal::CacheCounters counters_;

  mutable Mutex topology_mu_;
  std::shared_ptr<const Topology> topology_ CHINOOK_GUARDED_BY(topology_mu_);

  mutable Mutex clients_mu_;
  // Never erased: a node's client lives as long as the cache, so raw pointers stay valid.
  std::map<std::string, std::unique_ptr<RedisClient>> clients_ CHINOOK_GUARDED_BY(clients_mu_);
  std::map<std::string, std::unique_ptr<RedisClient>> replica_clients_ CHINOOK_GUARDED_BY(clients_mu_);
  // "host:port" of a master -> a slot it served when first seen (for Successor).
  std::map<std::string, int> first_slot_ CHINOOK_GUARDED_BY(clients_mu_);

  Mutex refresh_mu_;  // one refresh at a time
  std::atomic<int64_t> last_refresh_ns_{0};
  std::atomic<uint32_t> replica_turn_{0};
  std::atomic<bool> shards_unknown_{false};  // a node answered "unknown subcommand"
  std::atomic<uint64_t> moved_{0}, asks_{0}, refreshes_{0}, refresh_errors_{0}, redirect_errors_{0}, no_owner_{0},
      shards_fallbacks_{0};
  mutable Mutex error_mu_;
  std::string last_error_ CHINOOK_GUARDED_BY(error_mu_);
};

// "redis+cluster://host:port,host:port" (or a plain comma-separated list of redis:// seed URLs,
// see NewRemoteCacheFromUrls).
std::unique_ptr<ClusterCache> NewClusterCache(std::vector<RedisEndpoint> seeds, ClusterCacheOptions options = {});

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_REDIS_CLUSTER_H_
