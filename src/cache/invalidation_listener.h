// Cross-process invalidation through Redis client-side caching (Redis >= 6), for an in-process
// cache that must not serve what another process has changed.
//
// For each Redis server, one connection enables broadcast tracking of a key prefix and redirects
// the invalidation messages to itself, then subscribes to them:
//   CLIENT ID                                   -> id
//   CLIENT TRACKING on REDIRECT id BCAST PREFIX chinook:v1:
//   SUBSCRIBE __redis__:invalidate
// Debian's hiredis 0.14 speaks only RESP2, which cannot carry push messages on a data connection;
// the redirect to a subscribed connection is how RESP2 clients receive them. From then on, every
// write to a key under the prefix, by anyone, makes the server publish the key's name to us
// (a nil payload means FLUSHDB/FLUSHALL: everything). A background thread per server hands the
// keys to `on_keys`.
//
// If that connection drops or stops answering PINGs, messages may have been lost: the listener
// calls `on_flush` (drop everything) at once, reports unhealthy until it has reconnected and
// resubscribed (with backoff), and calls `on_flush` again then, so that nothing cached across the
// gap survives. Users must not trust their cache while healthy() is false.
//
// With options.discover, the listener asks now and then which servers there are (a Redis
// Cluster's masters change: a node added by resharding) and subscribes to each one it does not
// listen to yet; until that subscription is up, healthy() is false.
//
// Thread safety: healthy()/stats may be called from any thread. The callbacks run on the
// listener's threads and must be thread-safe and quick.
#ifndef CHINOOK_CACHE_INVALIDATION_LISTENER_H_
#define CHINOOK_CACHE_INVALIDATION_LISTENER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis_client.h"
#include "common/mutex.h"

namespace chinook::cache {

struct InvalidationListenerOptions {
  // Keys under this prefix are tracked.
  std::string prefix = "chinook:v1:";
  // connect_timeout, command_timeout (setup commands, PING answers) and the reconnect backoff.
  RedisOptions connection = {};
  // An idle subscription is PINGed this often; a missing PONG means the connection is dead even
  // if TCP has not noticed (a partition, a paused server).
  std::chrono::milliseconds health_check_interval{1000};
  // CLIENT SETNAME of the subscription, so operators (and tests) can find it in CLIENT LIST.
  std::string client_name = "chinook-invalidation";
  // Where to resubscribe when a server cannot be reached: the server that took over its keys
  // (RemoteCache::Successor: a Redis Cluster's promoted replica), or std::nullopt to keep trying
  // the same one. Without it, a master lost for good would keep the listener unhealthy, and L1
  // bypassed, until it came back. Called on the listener's threads.
  std::function<std::optional<RedisEndpoint>(const RedisEndpoint& lost)> follow;
  // The servers there are now (RemoteCache::endpoints: a cluster's current masters), asked every
  // discover_interval on a thread of the listener's; each one no subscription listens to gets one.
  // Null: only the servers given at construction (and where `follow` leads).
  std::function<std::vector<RedisEndpoint>()> discover;
  std::chrono::milliseconds discover_interval{1000};
};

struct InvalidationListenerStats {
  uint64_t keys_invalidated = 0;  // key names received
  uint64_t flushes = 0;           // on_flush calls (drops, reconnects, FLUSHALL)
  uint64_t reconnects = 0;        // successful subscriptions after the first per server
  uint64_t followed = 0;          // subscriptions moved to another server (options.follow)
  uint64_t discovered = 0;        // subscriptions added for servers found by options.discover
  // Why the last subscription attempt or connection failed ("" if none has): tells an operator
  // why L1 is bypassed (e.g. a Redis older than 6 answers CLIENT TRACKING with an error).
  std::string last_error;
};

class InvalidationListener {
 public:
  using KeysCallback = std::function<void(const std::vector<std::string>& keys)>;
  using FlushCallback = std::function<void()>;

  // Starts one thread per server; returns at once (see healthy()).
  InvalidationListener(std::vector<RedisEndpoint> servers, InvalidationListenerOptions options,
                       KeysCallback on_keys, FlushCallback on_flush);
  ~InvalidationListener();  // stops and joins the threads
  InvalidationListener(const InvalidationListener&) = delete;
  InvalidationListener& operator=(const InvalidationListener&) = delete;

  // True while every subscription is established.
  bool healthy() const;
  // Waits (polling) until healthy or the deadline; returns healthy().
  bool WaitUntilHealthy(std::chrono::steady_clock::time_point deadline) const;
  InvalidationListenerStats Stats() const;

 private:
  // One server's subscription and the thread that keeps it.
  struct Subscription {
    RedisEndpoint server;  // where it listens now (moves with options.follow); under servers_mu_
    std::thread thread;
  };

  void Run(Subscription* sub);
  // Subscribes to every server options.discover names that no subscription listens to.
  void Discover();
  void Start(RedisEndpoint server) CHINOOK_REQUIRES(servers_mu_);
  // Sleeps up to `d`; false when woken because the listener is stopping.
  bool SleepUnlessStopping(std::chrono::milliseconds d) const;

  const InvalidationListenerOptions options_;
  const KeysCallback on_keys_;
  const FlushCallback on_flush_;
  int wake_fd_ = -1;  // eventfd: readable once the listener is stopping
  std::atomic<bool> stopping_{false};
  // Subscriptions not established right now: healthy() is one load, as it is asked on every read.
  std::atomic<int64_t> down_{0};
  std::atomic<uint64_t> keys_invalidated_{0}, flushes_{0}, reconnects_{0}, followed_{0}, discovered_{0};
  mutable Mutex error_mu_;
  std::string last_error_ CHINOOK_GUARDED_BY(error_mu_);
  mutable Mutex servers_mu_;
  // Only ever appended to (by the constructor and the discovery thread); joined by the destructor.
  std::vector<std::unique_ptr<Subscription>> subscriptions_ CHINOOK_GUARDED_BY(servers_mu_);
  std::thread discovery_;
};

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_INVALIDATION_LISTENER_H_
