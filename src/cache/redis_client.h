// A small synchronous Redis client on hiredis 0.14 (RESP2): URL parsing, connections with connect
// and command timeouts, reconnection with exponential backoff, and pipelining.
//
// A connection that fails (I/O error, timeout, protocol error) is dropped; the next command
// reconnects, unless the backoff since the last failure has not elapsed, in which case it fails at
// once with Unavailable. A server that is down therefore costs one connect timeout per backoff
// period, not one per command.
//
// Thread safety: RedisConnection is not thread-safe. RedisClient is: it holds a few connections,
// each used by one thread at a time.
#ifndef CHINOOK_CACHE_REDIS_CLIENT_H_
#define CHINOOK_CACHE_REDIS_CLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/status.h"
#include "common/mutex.h"

struct redisContext;
struct redisReply;

namespace chinook::cache {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // Redis 6 ACL user; empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;

  // "redis://host:port/db", without credentials: safe for messages and logs.
  std::string ToString() const;
};

// redis://[[user]:password@]host[:port][/db]. Port defaults to 6379, db to 0. IPv6 hosts go in
// brackets (redis://[::1]:6379). Percent-escapes in the password are decoded.
Result<RedisEndpoint> ParseRedisUrl(std::string_view url);
// Comma-separated URLs, as in CHINOOK_REDIS_NODES.
Result<std::vector<RedisEndpoint>> ParseRedisUrlList(std::string_view urls);

struct RedisOptions {
  // Time allowed to open a TCP connection (and AUTH/SELECT). Short: a cache that cannot connect
  // quickly should be skipped, not waited for.
  std::chrono::milliseconds connect_timeout{250};
  // Time allowed for any one socket read or write of a command; a slow Redis becomes a miss.
  std::chrono::milliseconds command_timeout{100};
  // Backoff after a failure: doubles from min to max (with +-25% jitter), reset by a success.
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  // Connections per server in RedisClient; more lets more threads talk to Redis at once.
  int connections = 4;
  // Send READONLY on every new connection: a Redis Cluster replica then answers reads of the
  // slots its master serves instead of redirecting them (ClusterCacheOptions::read_from_replicas).
  bool readonly = false;
};

struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  long long integer = 0;
  std::vector<RedisReply> elements;  // kArray
};

class RedisConnection {
 public:
  RedisConnection(RedisEndpoint endpoint, RedisOptions options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends all commands in one write and reads one reply per command. A command's error reply
  // (e.g. WRONGTYPE) is a reply of type kError; the Status fails only for connection problems.
  Result<std::vector<RedisReply>> Pipeline(const std::vector<std::vector<std::string_view>>& commands);
  Result<RedisReply> Command(const std::vector<std::string_view>& args);
  // Pipeline in two halves, so that one thread can have pipelines in flight on several
  // connections at once: Send writes every command (and waits for nothing), Receive reads `n`
  // replies. Between them the connection must not be used for anything else.
  Status Send(const std::vector<std::vector<std::string_view>>& commands);
  Result<std::vector<RedisReply>> Receive(size_t n);

  const RedisEndpoint& endpoint() const { return endpoint_; }
  // Connections opened again after a failure (the first connect is not counted). Readable from
  // any thread.
  uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }

 private:
  Status EnsureConnected();
  Status Fail(std::string what);  // drops the connection, starts the backoff

  const RedisEndpoint endpoint_;
  const RedisOptions options_;
  redisContext* context_ = nullptr;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_error_;
  uint64_t jitter_state_;
  bool failed_before_ = false;  // a Fail() happened: the next successful connect is a reconnect
  std::atomic<uint64_t> reconnects_{0};
};

class RedisClient {
 public:
  RedisClient(RedisEndpoint endpoint, RedisOptions options);

  Result<std::vector<RedisReply>> Pipeline(const std::vector<std::vector<std::string_view>>& commands);
  Result<RedisReply> Command(const std::vector<std::string_view>& args);

  // One pipeline per client, all in flight together: every pipeline is written before any reply
  // is read, so the round trips to the servers overlap on one thread and the whole costs about
  // the slowest server's round trip, not their sum. REQUIRES: the clients are distinct.
  // Connections are taken in address order, so concurrent callers cannot deadlock.
  struct Job {
    RedisClient* client;
    const std::vector<std::vector<std::string_view>>* commands;
  };
  static std::vector<Result<std::vector<RedisReply>>> PipelineAll(const std::vector<Job>& jobs);

  const RedisEndpoint& endpoint() const { return endpoint_; }
  // Sum of the connections' reconnects().
  uint64_t reconnects() const;

 private:
  struct Slot {
    Mutex mu;
    // Set once, in the constructor; what it points to is used only with mu held.
    std::unique_ptr<RedisConnection> connection CHINOOK_PT_GUARDED_BY(mu);
  };
  // Locks a free connection if there is one, else waits for the next in turn. Which slot's mu the
  // returned lock holds is decided at run time, so callers state it with (*slot)->mu.AssertHeld().
  std::unique_lock<Mutex> Acquire(Slot** slot);

  const RedisEndpoint endpoint_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<uint32_t> next_{0};
};

namespace internal {

// Raw hiredis plumbing shared by RedisConnection and the InvalidationListener.
struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// Sends one command and waits for its reply; null on a connection error (see context->errstr).
ReplyPtr RunCommand(redisContext* context, const std::vector<std::string_view>& args);

// "<step>: <why>": the server's error reply, else the connection's error.
std::string DescribeFailure(const redisContext* context, std::string_view step, const redisReply* reply);

// Connects with options.connect_timeout, sets options.command_timeout on the socket, then AUTH
// and SELECT as the endpoint says. On failure returns null and says why in *error (without the
// endpoint). The caller owns the context (redisFree).
redisContext* OpenRedisContext(const RedisEndpoint& endpoint, const RedisOptions& options, std::string* error);

}  // namespace internal
}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_REDIS_CLIENT_H_
