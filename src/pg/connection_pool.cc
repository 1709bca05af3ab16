#include "pg/connection_pool.h"

#include <libpq-fe.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace chinook::pg {

struct ConnectionPool::State {
  Mutex mu;
  // Signalled when a connection is returned or a slot frees up.
  CondVar freed;
  // Most recently returned last: lending from the back reuses warm connections and lets the
  // rest age out through max_lifetime.
  std::vector<std::unique_ptr<Connection>> idle CHINOOK_GUARDED_BY(mu);
  int open CHINOOK_GUARDED_BY(mu) = 0;  // lent + idle + being opened
  PoolStats stats CHINOOK_GUARDED_BY(mu);  // open/idle filled on read

  // Counts the time an Acquire that had to wait spent in Acquire.
  void FinishWait(bool waited, SteadyClock::time_point start) CHINOOK_REQUIRES(mu) {
    if (waited) stats.wait_time += SteadyClock::now() - start;
  }
  // A new connection, opened with mu released (a connect takes milliseconds).
  Result<std::unique_ptr<Connection>> OpenWithoutLock(const PoolOptions& options) CHINOOK_REQUIRES(mu) {
    MutexUnlock unlock(&mu);
    return Connection::Open(options.dsn, SteadyClock::now() + options.connect_timeout);
  }
};

// ---------------------------------------------------------------------------------------------
// Lease

Lease::Lease(Lease&& other) noexcept : pool_(std::move(other.pool_)), conn_(std::move(other.conn_)) {}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::move(other.pool_);
    conn_ = std::move(other.conn_);
  }
  return *this;
}

Lease::~Lease() { Release(); }

void Lease::Release() {
  if (conn_ != nullptr) pool_->Return(std::move(conn_));
  pool_.reset();
}

// ---------------------------------------------------------------------------------------------
// ConnectionPool

Result<std::shared_ptr<ConnectionPool>> ConnectionPool::Create(PoolOptions options) {
  if (options.dsn.empty()) return InvalidArgumentError("connection pool: dsn is empty");
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.dsn.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string why = parse_error ? parse_error : "out of memory";
    PQfreemem(parse_error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return InvalidArgumentError("connection pool: dsn: " + why);
  }
  PQconninfoFree(parsed);
  if (options.max_open < 0) return InvalidArgumentError("connection pool: max_open must be >= 0");
  if (options.max_open == 0) {
    options.max_open = 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (options.max_idle < -1) return InvalidArgumentError("connection pool: max_idle must be >= -1");
  if (options.max_idle == -1 || options.max_idle > options.max_open) options.max_idle = options.max_open;
  using std::chrono::milliseconds;
  for (auto [name, value] : {std::pair{"max_lifetime", options.max_lifetime},
                             {"acquire_timeout", options.acquire_timeout},
                             {"connect_timeout", options.connect_timeout},
                             {"query_timeout", options.query_timeout}}) {
    if (value <= milliseconds::zero()) {
      return InvalidArgumentError(std::string("connection pool: ") + name + " must be positive");
    }
  }
  if (options.health_check_after_idle < milliseconds::zero()) {
    return InvalidArgumentError("connection pool: health_check_after_idle must be >= 0");
  }
  return std::shared_ptr<ConnectionPool>(new ConnectionPool(std::move(options)));
}

ConnectionPool::ConnectionPool(PoolOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {}

ConnectionPool::~ConnectionPool() = default;

Result<Lease> ConnectionPool::Acquire() {
  const SteadyClock::time_point start = SteadyClock::now();
  const Deadline deadline = start + options_.acquire_timeout;
  bool waited = false;
  MutexLock lock(&state_->mu);
  for (;;) {
    if (!state_->idle.empty()) {
      std::unique_ptr<Connection> conn = std::move(state_->idle.back());
      state_->idle.pop_back();
      bool healthy = false;
      bool checked = false;
      {
        MutexUnlock unlock(&state_->mu);
        const SteadyClock::time_point now = SteadyClock::now();
        healthy = now - conn->created_at() < options_.max_lifetime && !conn->PeerClosed();
        if (healthy && now - conn->last_used() > options_.health_check_after_idle) {
          checked = true;
          healthy = conn->Exec("", now + options_.connect_timeout).ok();
        }
        if (healthy) conn->touch();
        std::unique_ptr<Connection> doomed = healthy ? nullptr : std::move(conn);
        doomed.reset();  // closed outside the lock
      }
      if (checked) ++state_->stats.health_checks;
      if (healthy) {
        ++state_->stats.acquired;
        state_->FinishWait(waited, start);
        return Lease(shared_from_this(), std::move(conn));
      }
      --state_->open;
      ++state_->stats.discarded;
      continue;  // try the next idle connection, or open a fresh one in its slot
    }
    if (state_->open < options_.max_open) {
      ++state_->open;  // reserve the slot while connecting without the lock
      Result<std::unique_ptr<Connection>> conn = state_->OpenWithoutLock(options_);
      if (!conn.ok()) {
        --state_->open;
        ++state_->stats.connect_failures;
        state_->FinishWait(waited, start);
        state_->freed.Signal();
        return conn.status();
      }
      ++state_->stats.connects;
      ++state_->stats.acquired;
      state_->FinishWait(waited, start);
      return Lease(shared_from_this(), std::move(*conn));
    }
    if (!waited) {
      waited = true;
      ++state_->stats.waits;
    }
    if (state_->freed.WaitWithDeadline(&state_->mu, deadline) && state_->idle.empty() &&
        state_->open >= options_.max_open) {
      ++state_->stats.timeouts;
      state_->FinishWait(waited, start);
      return ResourceExhaustedError("connection pool: all " + std::to_string(options_.max_open) +
                                    " connections in use; none was returned within " +
                                    std::to_string(options_.acquire_timeout.count()) + " ms");
    }
  }
}

void ConnectionPool::Return(std::unique_ptr<Connection> conn) {
  // A connection must come back outside any transaction, or the next borrower would inherit the
  // previous one's locks and uncommitted work. Roll back; if that fails, close it.
  if (!conn->broken() && conn->in_transaction()) {
    (void)conn->Exec("ROLLBACK", SteadyClock::now() + options_.connect_timeout);
  }
  const bool reusable = !conn->broken() && !conn->in_transaction() &&
                        SteadyClock::now() - conn->created_at() < options_.max_lifetime;
  std::unique_ptr<Connection> doomed;
  {
    MutexLock lock(&state_->mu);
    if (reusable && static_cast<int>(state_->idle.size()) < options_.max_idle) {
      conn->touch();
      state_->idle.push_back(std::move(conn));
    } else {
      --state_->open;
      if (!reusable) ++state_->stats.discarded;
      doomed = std::move(conn);
    }
  }
  state_->freed.Signal();
  // `doomed` closes here, outside the lock.
}

PoolStats ConnectionPool::Stats() const {
  MutexLock lock(&state_->mu);
  PoolStats s = state_->stats;
  s.open = state_->open;
  s.idle = static_cast<int>(state_->idle.size());
  return s;
}

}  // namespace chinook::pg
