// The profiler of profiler.h: measuring one operation, and the operations of a run.
#include "profiler.h"

#include <gperftools/profiler.h>

#include <algorithm>
#include <cstdio>
#include <span>
#include <utility>

#include "memory/jemalloc_stats.h"
#include "serialization/customer_codec.h"
#include "workload/customer_corpus.h"

extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace chinook::profile {
namespace {

using customer::Customer;
using SteadyClock = std::chrono::steady_clock;

// Query Single reads from this many customers, as a service's popular rows: a cache that works
// should answer most of those reads.
constexpr size_t kHotSetSize = 100;

Status DumpHeapProfile(const std::string& path) {
  const char* name = path.c_str();
  if (mallctl("prof.dump", nullptr, nullptr, &name, sizeof(name)) != 0) {
    return InternalError("jemalloc prof.dump to " + path + " failed");
  }
  return Status::Ok();
}

}  // namespace

bool HeapProfilingActive() {
  if (mallctl == nullptr) return false;
  bool active = false;
  size_t len = sizeof(active);
  return mallctl("opt.prof", &active, &len, nullptr, 0) == 0 && active;
}

Status Profiler::Measure(OpResult op, const std::function<Status(int i, int attempt)>& body,
                         std::vector<OpResult>* results) {
  const tools::FaultSnapshot f0 = Snapshot();
  const pg::PoolStats p0 = stack_->pool->Stats();
  auto heap0 = memory::ReadHeapStats();
  // Restarts jemalloc's sampling, so that this operation's heap profile holds what it left live
  // rather than everything since the process started.
  if (heap_profiles_ && mallctl("prof.reset", nullptr, nullptr, nullptr, 0) != 0) {
    return InternalError("jemalloc prof.reset failed");
  }
  if (!op.file_stem.empty() && cpu_profiles_) {
    op.cpu_profile = profile_dir_ + "/" + op.file_stem + ".prof";
    if (!ProfilerStart(op.cpu_profile.c_str())) {
      return InternalError("gperftools could not start the CPU profiler writing " + op.cpu_profile);
    }
  }
  Status stop;
  const memory::AllocationMeter meter;
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < op.iterations; ++i) {
    if (*interrupted_) {
      stop = UnavailableError("interrupted by a signal").Annotate(op.name + ", before iteration " + std::to_string(i));
      break;
    }
    const Status s = retrier_->Run([&](int attempt) { return body(i, attempt); });
    ++op.done;
    if (!s.ok()) {
      ++op.failed;
      if (op.first_failure.empty()) op.first_failure = "iteration " + std::to_string(i) + ": " + s.ToString();
      // Still transient after the retries (or interrupted): the server is gone for longer than
      // the retry limit, and every further iteration would wait as long. Stop here.
      if (tools::IsTransient(s)) {
        stop = s.Annotate(op.name + ", iteration " + std::to_string(i));
        break;
      }
    }
    Progress(op.name, i + 1, op.iterations);
  }
  op.wall_seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  const memory::AllocationMeter::Delta d = meter.Take();
  if (!op.cpu_profile.empty()) ProfilerStop();
  EndProgress();
  auto heap1 = memory::ReadHeapStats();
  const tools::FaultSnapshot f1 = Snapshot();
  const customer::CustomerServiceStats& s0 = f0.service;
  const customer::CustomerServiceStats& s1 = f1.service;
  const pg::PoolStats p1 = stack_->pool->Stats();
  op.faults = tools::FaultsBetween(f0, f1);
  const double n = std::max(op.done, 1);
  op.allocs_per_op = static_cast<double>(d.allocations) / n;
  op.bytes_per_op = static_cast<double>(d.bytes_allocated) / n;
  if (heap0.ok() && heap1.ok()) {
    op.heap_change_bytes = static_cast<int64_t>(heap1->allocated) - static_cast<int64_t>(heap0->allocated);
  }
  op.queries_per_op = static_cast<double>(s1.repository_queries - s0.repository_queries) / n;
  if (op.wall_seconds > 0) {
    op.pool_wait_share = std::chrono::duration<double>(p1.wait_time - p0.wait_time).count() / op.wall_seconds;
  }
  if (op.is_read) {
    // Every id read ends as exactly one of: an L1 hit, an L2 hit, an L2 miss (then the
    // database). Counting lookups this way also covers reads that bypassed L1 while Redis was
    // away, which L1's own counters never see.
    const uint64_t hits = (s1.l1_hits - s0.l1_hits) + (s1.l2_hits - s0.l2_hits);
    const uint64_t lookups = hits + (s1.l2_misses - s0.l2_misses);
    if (lookups > 0) op.cache_hit_rate = static_cast<double>(hits) / static_cast<double>(lookups);
  }
  if (heap_profiles_) {
    op.heap_profile = profile_dir_ + "/" + op.file_stem + ".heap";
    if (Status s = DumpHeapProfile(op.heap_profile); !s.ok() && stop.ok()) stop = s;
  }
  results->push_back(std::move(op));
  return stop;
}

Status Profiler::RunOperations(int iterations, int batch_size, std::vector<OpResult>* results) {
  const int n = iterations;
  const int b = batch_size;
  workload::CustomerGenerator generator({.seed = stack_->seed});
  // Inputs are made before each timed loop, so the loop measures the service and not the corpus.
  const auto make = [&generator](size_t count) {
    std::vector<Customer> v;
    v.reserve(count);
    for (size_t i = 0; i < count; ++i) v.push_back(generator.Next());
    return v;
  };
  // A write retried after its reply was lost may find that the first attempt committed.
  const auto committed_earlier = [](Status s, int attempt) {
    return attempt > 0 && s.code() == StatusCode::kAlreadyExists ? Status::Ok() : s;
  };
  std::vector<std::string> ids;  // customers known to be stored
  const std::vector<Customer> singles = make(n);
  CHINOOK_RETURN_IF_ERROR(Measure(
      {.name = "Create", .file_stem = "create", .iterations = n, .uses_database = true},
      [&](int i, int attempt) {
        CHINOOK_RETURN_IF_ERROR(committed_earlier(stack_->service->Create(singles[i]), attempt));
        ids.push_back(singles[i].id());
        ++stack_->rows_written;
        return Status::Ok();
      },
      results));

  const std::vector<Customer> batched = make(static_cast<size_t>(n) * b);
  CHINOOK_RETURN_IF_ERROR(Measure(
      {.name = "Batch Create", .file_stem = "batch_create", .iterations = n, .items_per_op = b,
       .uses_database = true},
      [&](int i, int attempt) {
        const auto batch = std::span(batched).subspan(static_cast<size_t>(i) * b, b);
        CHINOOK_RETURN_IF_ERROR(committed_earlier(stack_->service->CreateBatch(batch), attempt));
        for (const Customer& c : batch) ids.push_back(c.id());
        stack_->rows_written += b;
        return Status::Ok();
      },
      results));
  if (ids.empty()) return FailedPreconditionError("no customer could be stored, so there is nothing to read");

  const size_t hot = std::min(kHotSetSize, ids.size());
  std::vector<size_t> picks(static_cast<size_t>(n) * b);
  for (size_t& p : picks) p = generator.Uniform(ids.size());
  CHINOOK_RETURN_IF_ERROR(Measure(
      {.name = "Query Single", .file_stem = "query_single", .iterations = n, .is_read = true, .uses_database = true},
      [&](int i, int) -> Status {
        CHINOOK_ASSIGN_OR_RETURN(auto c, stack_->service->GetByID(ids[picks[i] % hot]));
        return c != nullptr ? Status::Ok() : InternalError("a created customer was not found");
      },
      results));

  std::vector<std::string> batch_ids(b);
  CHINOOK_RETURN_IF_ERROR(Measure(
      {.name = "Query Batch", .file_stem = "query_batch", .iterations = n, .items_per_op = b, .is_read = true,
       .uses_database = true},
      [&](int i, int) -> Status {
        for (int k = 0; k < b; ++k) batch_ids[k] = ids[picks[static_cast<size_t>(i) * b + k]];
        CHINOOK_ASSIGN_OR_RETURN(auto got, stack_->service->GetMany(batch_ids));
        for (const auto& c : got) {
          if (c == nullptr) return InternalError("a created customer was not found");
        }
        return Status::Ok();
      },
      results));

  std::string wire;
  Customer decoded;
  CHINOOK_RETURN_IF_ERROR(Measure(
      {.name = "Protobuf Serialization", .file_stem = "protobuf_serialization", .iterations = n},
      [&](int i, int) -> Status {
        wire.clear();
        serialization::EncodeCustomer(singles[i], &wire);
        return serialization::DecodeCustomer(wire, &decoded);
      },
      results));

  return Measure(
      {.name = "Memory Allocation", .file_stem = "memory_allocation", .iterations = n, .items_per_op = b},
      [&](int i, int) -> Status {
        customer::v1::CustomerBatch batch;
        for (int k = 0; k < b; ++k) *batch.add_customers() = batched[static_cast<size_t>(i) * b + k];
        return batch.customers_size() == b ? Status::Ok() : InternalError("batch lost customers");
      },
      results);
}

tools::FaultSnapshot Profiler::Snapshot() const {
  return tools::TakeFaultSnapshot(*retrier_, *stack_->service, stack_->pool.get());
}

void Profiler::Progress(const std::string& name, int done, int total) {
  if (!tty_) return;
  const auto now = SteadyClock::now();
  if (done != total && now - last_progress_ < std::chrono::milliseconds(100)) return;
  last_progress_ = now;
  std::fprintf(stderr, "\r%-24s %d/%d (%.0f%%)   ", name.c_str(), done, total, 100.0 * done / total);
}

void Profiler::EndProgress() {
  if (tty_) std::fprintf(stderr, "\r%60s\r", "");
}

}  // namespace chinook::profile
