// A bounded pool of libpq connections with deadlines on everything.
//
// ConnectionPool hands out Leases: RAII borrows of one connection that return it when they go
// out of scope. A borrow never waits forever: when all `max_open` connections are lent, Acquire
// waits at most `acquire_timeout` and then fails with ResourceExhausted (so a caller that already
// holds the only connection and asks for another gets an error, not a deadlock). A connection that
// fails to connect within `connect_timeout` is Unavailable. Broken connections are closed and
// replaced on the next borrow; a connection that comes back inside an open or failed transaction
// is rolled back, or closed when the rollback itself fails.
//
// Thread safety: ConnectionPool has internal synchronization and may be used concurrently from
// any number of threads. A Lease (and the Connection it lends) belongs to one thread at a time.
#ifndef CHINOOK_PG_CONNECTION_POOL_H_
#define CHINOOK_PG_CONNECTION_POOL_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "chinook/status.h"
#include "pg/connection.h"

namespace chinook::pg {

struct PoolOptions {
  // libpq connection string or URI ("postgresql://user@host:port/db"). Required.
  std::string dsn = "";
  // Connections open at once, lent or idle. 0 means 2 x std::thread::hardware_concurrency(), the
  // usual starting point for a CPU-bound server on the same machine (HikariCP's formula, roughly).
  int max_open = 0;
  // Idle connections kept for reuse; extra ones are closed when returned. -1 means max_open.
  int max_idle = -1;
  // A connection older than this is closed when returned or found idle, so that server-side
  // memory (plan caches, catalog caches) cannot grow without bound. 30 min as HikariCP.
  std::chrono::milliseconds max_lifetime = std::chrono::minutes(30);
  // Longest wait in Acquire for a connection to be free (or to be opened).
  std::chrono::milliseconds acquire_timeout = std::chrono::seconds(5);
  // Longest time to establish one new connection (TCP, TLS, startup, auth). Replaces the DSN's
  // own connect_timeout, which libpq's non-blocking connect does not apply. Host name lookup is
  // done by libpq before the clock starts and is bounded only by the resolver's own timeout.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
  // A connection idle for longer than this is pinged ("SELECT 1" round trip) before it is lent;
  // a dead one is replaced. A server restart is thus invisible to the next caller.
  std::chrono::milliseconds health_check_after_idle = std::chrono::seconds(1);
  // Deadline of one repository call's statements together (send + wait for the results; for
  // CreateBatch the whole batch). On expiry the connection is closed (which ends the statement on
  // the server once it notices; an unfinished COPY or transaction is rolled back) and the call
  // fails with DeadlineExceeded.
  std::chrono::milliseconds query_timeout = std::chrono::seconds(30);
};

// Counters since the pool was created, read in one consistent snapshot.
struct PoolStats {
  int open = 0;               // connections that exist now, lent or idle
  int idle = 0;               // of which idle
  uint64_t acquired = 0;      // successful Acquire calls
  uint64_t waits = 0;         // Acquire calls that had to wait for a connection
  std::chrono::nanoseconds wait_time{0};  // total time spent waiting in Acquire
  uint64_t timeouts = 0;      // Acquire calls that failed with ResourceExhausted
  uint64_t connects = 0;      // connections opened
  uint64_t connect_failures = 0;
  uint64_t discarded = 0;     // connections closed as broken, expired, failed health check or
                              // returned in a transaction that could not be rolled back
  uint64_t health_checks = 0;
};

class ConnectionPool;

// A borrowed connection; returns it to the pool on destruction. Movable, not copyable.
class Lease {
 public:
  Lease() = default;
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  Connection& operator*() const { return *conn_; }
  Connection* operator->() const { return conn_.get(); }
  Connection* get() const { return conn_.get(); }

  // Returns the connection now (same as destruction).
  void Release();

 private:
  friend class ConnectionPool;
  Lease(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<Connection> conn)
      : pool_(std::move(pool)), conn_(std::move(conn)) {}

  std::shared_ptr<ConnectionPool> pool_;
  std::unique_ptr<Connection> conn_;
};

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  // Validates the options (the DSN is parsed, not connected to: the server may start later).
  [[nodiscard]] static Result<std::shared_ptr<ConnectionPool>> Create(PoolOptions options);

  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Borrows a healthy connection, opening one if the pool is below max_open.
  // ResourceExhausted when none is free within acquire_timeout; Unavailable when a new connection
  // cannot be established (message carries libpq's reason).
  [[nodiscard]] Result<Lease> Acquire();

  const PoolOptions& options() const { return options_; }
  PoolStats Stats() const;

 private:
  friend class Lease;
  struct State;
  explicit ConnectionPool(PoolOptions options);
  void Return(std::unique_ptr<Connection> conn);

  const PoolOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace chinook::pg

#endif  // CHINOOK_PG_CONNECTION_POOL_H_
