// chinook-profile's profiler: runs each operation of the customer stack through the retrier and
// collects its figures (wall time, jemalloc allocations, heap change, SQL statements, pool wait,
// cache hit rate, faults) into an OpResult, with a gperftools CPU profile and, under
// MALLOC_CONF=prof:true, a jemalloc heap profile per operation.
//
// Thread safety: a Profiler and its Stack belong to the thread that runs the operations.
#ifndef CHINOOK_TOOLS_PROFILE_PROFILER_H_
#define CHINOOK_TOOLS_PROFILE_PROFILER_H_

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cache/redis_cache.h"
#include "chinook/status.h"
#include "common/fault_tolerance.h"
#include "customer/customer_service.h"
#include "op_result.h"
#include "pg/connection_pool.h"
#include "repository/customer_repository.h"

namespace chinook::profile {

// Everything the operations share.
struct Stack {
  std::shared_ptr<pg::ConnectionPool> pool;
  std::shared_ptr<repository::CustomerRepository> repository;
  std::shared_ptr<cache::RemoteCache> remote;
  std::unique_ptr<customer::CustomerService> service;
  std::string schema;
  uint64_t seed = 0;
  int64_t rows_written = 0;  // customers this run stored: what a left-over schema holds
};

// jemalloc's heap profiling, active when the process started with MALLOC_CONF=prof:true (and
// jemalloc was built with profiling, as Debian's is).
bool HeapProfilingActive();

class Profiler {
 public:
  // Profiles go to `profile_dir`; the run stops before the next iteration once `*interrupted` is
  // set (by a signal handler).
  Profiler(std::string profile_dir, const volatile std::sig_atomic_t* interrupted, Stack* stack,
           tools::Retrier* retrier)
      : profile_dir_(std::move(profile_dir)), interrupted_(interrupted), stack_(stack), retrier_(retrier) {}

  // Runs `body(i, attempt)` for i in [0, iterations) through the retrier, measures it and appends
  // the result (partial when the run must stop) to `results`. Returns OK, or why the run stops: an
  // iteration still failing transiently after the retry limit, an interruption, or a tool error.
  Status Measure(OpResult op, const std::function<Status(int i, int attempt)>& body, std::vector<OpResult>* results);

  // Runs the six operations in order (Create, Batch Create, Query Single, Query Batch, Protobuf
  // Serialization, Memory Allocation), `iterations` each with batches of `batch_size` customers,
  // appending their figures to `results`, until one says the run must stop (see Measure).
  Status RunOperations(int iterations, int batch_size, std::vector<OpResult>* results);

  void set_cpu_profiles(bool on) { cpu_profiles_ = on; }
  void set_heap_profiles(bool on) { heap_profiles_ = on; }

 private:
  using SteadyClock = std::chrono::steady_clock;

  tools::FaultSnapshot Snapshot() const;
  // A progress line on stderr, only for a person watching a terminal, at most ten times a second.
  void Progress(const std::string& name, int done, int total);
  void EndProgress();

  const std::string profile_dir_;
  const volatile std::sig_atomic_t* const interrupted_;
  Stack* stack_;
  tools::Retrier* retrier_;
  bool cpu_profiles_ = true;
  bool heap_profiles_ = false;
  const bool tty_ = isatty(STDERR_FILENO) != 0;
  SteadyClock::time_point last_progress_{};
};

}  // namespace chinook::profile

#endif  // CHINOOK_TOOLS_PROFILE_PROFILER_H_
