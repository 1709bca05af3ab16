// Repository benchmarks against the real PostgreSQL (CHINOOK_PG_DSN): each optimisation beside
// its naive twin, on a table pre-filled with 100,000 customers (filled once, by COPY, and reused
// by later runs). items_per_second counts rows; queries_per_op is the statements the repository
// sent per operation (RepositoryStats), so N+1 shows as a number; round_trips_per_op likewise.
// All use real time (names end in /real_time): see OpReport.
//
// Write benchmarks insert customers with ids in a range of their own ("bw-...") and delete them
// after the timed loop, so the table stays at 100,000 rows for the read benchmarks.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "benchmark_memory.h"
#include "pg/connection_pool.h"
#include "reference_tool.h"
#include "repository/cursor.h"
#include "repository/json.h"
#include "repository/customer_repository.h"
#include "repository/optimized_repository.h"
#include "repository/row_codec.h"
#include "pg/wire.h"
#include "repository/statements.h"
#include "workload/customer_corpus.h"
#include "workload/service_env.h"

namespace chinook::repository {
namespace {

constexpr char kSchema[] = "chinook_bench";
constexpr int64_t kTableRows = 100000;
constexpr uint64_t kCorpusSeed = 1;  // ids "cust-1-0" .. "cust-1-99999"
constexpr int64_t kDeepPosition = 50000;
constexpr int kPageSize = 100;
// Ids of rows written by benchmarks sort between these two, so one range DELETE removes them.
constexpr char kWrittenIdPrefix[] = "bw-";
constexpr char kWrittenIdEnd[] = "bw.";
// The bulk-load reference's table: created LIKE customers INCLUDING ALL (same columns, defaults,
// primary key and index) and holding the same 100,000 rows, so that psql's COPY and ours pay the
// same index and constraint costs.
constexpr char kLikeTable[] = "customers_like";

int64_t AffectedRowsOf(const PGresult* r) { return std::strtoll(PQcmdTuples(const_cast<PGresult*>(r)), nullptr, 10); }

std::string TableId(int64_t n) { return "cust-" + std::to_string(kCorpusSeed) + "-" + std::to_string(n); }

// The process-wide set-up: a pool, both repositories, the filled table.
class BenchEnv {
 public:
  // Null (with the reason in *error) when the server is missing or the fill failed.
  static BenchEnv* Get(std::string* error) {
    static std::once_flag once;
    static BenchEnv* env = nullptr;
    static std::string init_error;
    std::call_once(once, [] {
      auto made = std::make_unique<BenchEnv>();
      Status s = made->Init();
      if (s.ok()) env = made.release();
      else init_error = s.ToString();
    });
    *error = init_error;
    return env;
  }

  // An optimized repository on a pool of its own with `max_open` connections.
  // A repository on a pool of its own with `max_open` connections (created once per size);
  // `pool` receives that pool, for its statistics.
  CustomerRepository* RepositoryWithPool(int max_open, pg::ConnectionPool** pool) {
    std::lock_guard lock(mu_);
    auto& slot = by_pool_size_[max_open];
    if (slot.repository == nullptr) {
      auto created = pg::ConnectionPool::Create({.dsn = dsn_, .max_open = max_open});
      if (!created.ok()) return nullptr;
      auto repo = NewOptimizedRepository(*created, {.schema = kSchema});
      if (!repo.ok()) return nullptr;
      slot.pool = std::move(*created);
      slot.repository = std::move(*repo);
    }
    *pool = slot.pool.get();
    return slot.repository.get();
  }

  // Deletes every row the write benchmarks added, and vacuums: dead rows left behind would
  // slow the read benchmarks that follow (index scans visit them).
  Status DeleteWrittenRows(std::string_view table = "customers") {
    CHINOOK_ASSIGN_OR_RETURN(auto lease, pool_->Acquire());
    return DeleteWrittenRowsOn(*lease, pg::SteadyClock::now() + std::chrono::seconds(60), table);
  }

  // Creates kLikeTable (LIKE customers INCLUDING ALL) unless it exists, and fills it with the rows
  // of customers unless it holds as many; under the fill's advisory lock.
  Status PrepareLikeTable() {
    CHINOOK_ASSIGN_OR_RETURN(auto lease, pool_->Acquire());
    pg::Connection& conn = *lease;
    const auto deadline = pg::SteadyClock::now() + std::chrono::minutes(5);
    const std::string like = std::string(kSchema) + "." + kLikeTable;
    auto exec = [&](const std::string& sql) -> Result<std::string> {
      CHINOOK_ASSIGN_OR_RETURN(auto r, conn.Exec(sql, deadline));
      return PQntuples(r.get()) > 0 ? std::string(PQgetvalue(r.get(), 0, 0)) : std::string();
    };
    CHINOOK_ASSIGN_OR_RETURN(auto locked, exec(std::string("SELECT pg_advisory_lock(") + kFillLock + ")"));
    (void)locked;
    auto prepare = [&]() -> Status {
      CHINOOK_ASSIGN_OR_RETURN(auto created, exec("CREATE TABLE IF NOT EXISTS " + like + " (LIKE " + kSchema +
                                                  ".customers INCLUDING ALL)"));
      (void)created;
      CHINOOK_RETURN_IF_ERROR(DeleteWrittenRowsOn(conn, deadline, kLikeTable));
      CHINOOK_ASSIGN_OR_RETURN(auto rows, exec("SELECT count(*) FROM " + like));
      if (rows == std::to_string(kTableRows)) return Status::Ok();
      CHINOOK_RETURN_IF_ERROR(exec("TRUNCATE " + like).status());
      CHINOOK_RETURN_IF_ERROR(exec("INSERT INTO " + like + " SELECT * FROM " + kSchema + ".customers").status());
      return exec("VACUUM ANALYZE " + like).status();
    };
    Status s = prepare();
    (void)exec(std::string("SELECT pg_advisory_unlock(") + kFillLock + ")");
    return s.Annotate("preparing " + like);
  }

  const std::string& dsn() const { return dsn_; }

  CustomerRepository* naive() { return naive_.get(); }
  CustomerRepository* optimized() { return optimized_.get(); }
  CustomerRepository* pipelined() { return pipelined_.get(); }
  const std::string& deep_cursor() const { return deep_cursor_; }

 private:
  Status Init() {
    dsn_ = ::chinook::workload::EnvOrEmpty(::chinook::workload::kPgDsnVar);
    if (dsn_.empty()) {
      return FailedPreconditionError(::chinook::workload::MissingEnvMessage(::chinook::workload::kPgDsnVar));
    }
    CHINOOK_ASSIGN_OR_RETURN(auto pool, pg::ConnectionPool::Create({.dsn = dsn_, .max_open = 4}));
    pool_ = pool;
    CHINOOK_ASSIGN_OR_RETURN(auto naive, NewNaiveRepository(pool_, {.schema = kSchema}));
    naive_ = std::move(naive);
    CHINOOK_ASSIGN_OR_RETURN(auto optimized, NewOptimizedRepository(pool_, {.schema = kSchema}));
    optimized_ = std::move(optimized);
    CHINOOK_ASSIGN_OR_RETURN(auto pipelined, NewOptimizedRepository(pool_, {.schema = kSchema}, {.get_many = GetManyStrategy::kPipeline}));
    pipelined_ = std::move(pipelined);
    CHINOOK_RETURN_IF_ERROR(Fill());
    // The cursor a client holds after paging to position 50,000: that of the row just before.
    CHINOOK_ASSIGN_OR_RETURN(auto before, optimized_->ListOffset(1, kDeepPosition - 1));
    if (before.empty()) return InternalError("table has fewer rows than the deep position");
    deep_cursor_ = EncodeCursor(TimestampToUnixMicros((before)[0].created_at()), (before)[0].id());
    return Status::Ok();
  }

  // Fills the table to exactly the corpus unless it already holds it. A session advisory lock
  // keeps two benchmark processes from filling at once.
  Status Fill() {
    CHINOOK_ASSIGN_OR_RETURN(auto lease, pool_->Acquire());
    pg::Connection& conn = *lease;
    const auto deadline = pg::SteadyClock::now() + std::chrono::minutes(5);
    const std::string table = std::string(kSchema) + ".customers";
    auto exec = [&](const std::string& sql) -> Result<std::string> {
      CHINOOK_ASSIGN_OR_RETURN(auto r, conn.Exec(sql, deadline));
      return PQntuples(r.get()) > 0 ? std::string(PQgetvalue(r.get(), 0, 0)) : std::string();
    };
    if (auto r = exec(std::string("SELECT pg_advisory_lock(") + kFillLock + ")"); !r.ok()) return r.status();
    auto unlock = [&] { (void)exec(std::string("SELECT pg_advisory_unlock(") + kFillLock + ")"); };
    (void)DeleteWrittenRowsOn(conn, deadline);  // leftovers of an interrupted run
    auto state = exec("SELECT count(*) || ':' || count(*) FILTER (WHERE id = '" + TableId(kTableRows - 1) +
                      "') FROM " + table);
    if (!state.ok()) {
      unlock();
      return state.status();
    }
    const bool filled = *state == std::to_string(kTableRows) + ":1";
    if (!filled) {
      if (auto r = exec("TRUNCATE " + table); !r.ok()) {
        unlock();
        return r.status();
      }
      ::chinook::workload::CustomerGenerator gen({.seed = kCorpusSeed});
      constexpr int64_t kChunk = 10000;
      std::vector<Customer> chunk;
      for (int64_t done = 0; done < kTableRows; done += kChunk) {
        chunk.clear();
        for (int64_t i = 0; i < kChunk && done + i < kTableRows; ++i) chunk.push_back(gen.Next());
        if (Status s = optimized_->CreateBatch(chunk); !s.ok()) {
          unlock();
          return s.Annotate("fill");
        }
      }
    }
    // Fresh statistics after a fill, so the planner sees 100,000 rows. A table found full was
    // analyzed by the process that filled it, and DeleteWrittenRowsOn vacuums what it deleted:
    // not repeated in every process (half a second each, in a PR check's hundreds of short ones).
    if (filled) {
      unlock();
      return Status::Ok();
    }
    auto analyzed = exec("VACUUM ANALYZE " + table);
    unlock();
    return analyzed.ok() ? Status::Ok() : analyzed.status();
  }

  static constexpr char kFillLock[] = "7277216411";  // arbitrary, distinct from the migration's key

  static Status DeleteWrittenRowsOn(pg::Connection& conn, pg::Deadline deadline,
                                    std::string_view table_name = "customers") {
    const std::string table = std::string(kSchema) + "." + std::string(table_name);
    CHINOOK_ASSIGN_OR_RETURN(auto deleted, conn.Exec("DELETE FROM " + table + " WHERE id >= '" + kWrittenIdPrefix + "' AND id < '" +
                                 kWrittenIdEnd + "'",
                             deadline));
    if (AffectedRowsOf(deleted.get()) == 0) return Status::Ok();
    auto vacuumed = conn.Exec("VACUUM " + table, deadline);
    return vacuumed.ok() ? Status::Ok() : vacuumed.status();
  }

  std::string dsn_;
  std::shared_ptr<pg::ConnectionPool> pool_;
  std::unique_ptr<CustomerRepository> naive_;
  std::unique_ptr<CustomerRepository> optimized_;
  std::unique_ptr<CustomerRepository> pipelined_;
  std::string deep_cursor_;
  std::mutex mu_;
  struct SizedPool {
    std::shared_ptr<pg::ConnectionPool> pool;
    std::unique_ptr<CustomerRepository> repository;
  };
  std::map<int, SizedPool> by_pool_size_;  // GUARDED_BY(mu_)
};

BenchEnv* EnvOrSkip(benchmark::State& state) {
  std::string error;
  BenchEnv* env = BenchEnv::Get(&error);
  if (env == nullptr) state.SkipWithError(("repository benchmarks need PostgreSQL: " + error).c_str());
  return env;
}

// Sets the counters every benchmark here reports, after its timed loop:
//   items_per_second    rows per second (all benchmarks here use real time: a database call is
//                       mostly waiting for the server, which CPU time does not see; real time
//                       also sizes the iteration count, so a slow benchmark stays short)
//   queries_per_op      statements the repository sent per operation (all threads)
//   round_trips_per_op  waits for the server per operation (all threads)
class OpReport {
 public:
  OpReport(benchmark::State& state, CustomerRepository* repo) : state_(state), repo_(repo), before_(repo->Stats()) {}

  void Finish(int64_t rows_per_op) {
    state_.SetItemsProcessed(state_.iterations() * rows_per_op);
    // Threads leave the timed loop together, so thread 0 sees every thread's statements.
    if (state_.thread_index() != 0 || state_.iterations() == 0) return;
    const RepositoryStats after = repo_->Stats();
    const double all_ops = static_cast<double>(state_.iterations()) * state_.threads();
    state_.counters["queries_per_op"] = static_cast<double>(after.statements - before_.statements) / all_ops;
    state_.counters["round_trips_per_op"] = static_cast<double>(after.round_trips - before_.round_trips) / all_ops;
  }

 private:
  benchmark::State& state_;
  CustomerRepository* repo_;
  const RepositoryStats before_;
};

const std::string& WrittenIdPrefix() {
  static const std::string prefix = std::string(kWrittenIdPrefix) + std::to_string(getpid()) + "-";
  return prefix;
}

// Gives each customer's id room for the longest written id, before the timed loop: the counter
// is process-wide, and an id that grew by a digit mid-run (whenever the interleaved benchmarks
// happen to cross a power of ten) would add a one-off allocation to an exact allocs_per_op.
void ReserveWrittenIds(std::span<Customer> customers) {
  constexpr size_t kMaxDigits = 20;  // of a uint64_t
  for (Customer& c : customers) c.mutable_id()->reserve(WrittenIdPrefix().size() + kMaxDigits);
}

// A unique id for the n-th written row of this process, rewritten in place (no allocation after
// ReserveWrittenIds).
void SetWrittenId(Customer* c, uint64_t n) {
  const std::string& prefix = WrittenIdPrefix();
  std::string* id = c->mutable_id();
  id->assign(prefix);
  char digits[24];
  const int len = std::snprintf(digits, sizeof digits, "%llu", static_cast<unsigned long long>(n));
  id->append(digits, len);
}

uint64_t NextWrittenId() {
  static std::atomic<uint64_t> next{0};
  return next++;
}

// Ids of existing customers in a scattered order (deterministic).
const std::vector<std::string>& ReadIds() {
  static const auto* ids = [] {
    auto* v = new std::vector<std::string>;
    ::chinook::workload::CustomerGenerator pick({.seed = 99});
    for (int i = 0; i < 4096; ++i) v->push_back(TableId(static_cast<int64_t>(pick.Uniform(kTableRows))));
    return v;
  }();
  return *ids;
}

void CreateOne(benchmark::State& state, CustomerRepository* (BenchEnv::*which)()) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  CustomerRepository* repo = (env->*which)();
  Customer c = ::chinook::workload::MakeCorpus(1, {.seed = 5})[0];
  ReserveWrittenIds(std::span(&c, 1));
  OpReport report(state, repo);
  {
    memory::ScopedMemoryCounters mem(state);
    for (auto _ : state) {
      SetWrittenId(&c, NextWrittenId());
      Status s = repo->Create(c);
      if (!s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        break;
      }
    }
  }
  report.Finish(1);
  if (Status s = env->DeleteWrittenRows(); !s.ok()) state.SkipWithError(s.ToString().c_str());
}

void BM_Repo_Create_Naive(benchmark::State& state) { CreateOne(state, &BenchEnv::naive); }
void BM_Repo_Create_Optimized(benchmark::State& state) { CreateOne(state, &BenchEnv::optimized); }
BENCHMARK(BM_Repo_Create_Naive)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Repo_Create_Optimized)->UseRealTime()->Unit(benchmark::kMicrosecond);

void CreateBatch(benchmark::State& state, CustomerRepository* (BenchEnv::*which)(),
                 memory::MemoryCounterOptions counter_options = {}) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  CustomerRepository* repo = (env->*which)();
  std::vector<Customer> batch = ::chinook::workload::MakeCorpus(static_cast<size_t>(state.range(0)), {.seed = 6});
  ReserveWrittenIds(batch);
  OpReport report(state, repo);
  {
    memory::ScopedMemoryCounters mem(state, counter_options);
    for (auto _ : state) {
      for (Customer& c : batch) SetWrittenId(&c, NextWrittenId());
      Status s = repo->CreateBatch(batch);
      if (!s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        break;
      }
    }
  }
  report.Finish(state.range(0));
  if (Status s = env->DeleteWrittenRows(); !s.ok()) state.SkipWithError(s.ToString().c_str());
}

void BM_Repo_CreateBatch_Naive(benchmark::State& state) { CreateBatch(state, &BenchEnv::naive); }
// libpq queues COPY data in its output buffer while the server falls behind, so how much this
// thread allocates depends on the server's pace: the memory counters are varying_*.
void BM_Repo_CreateBatch_Copy(benchmark::State& state) {
  CreateBatch(state, &BenchEnv::optimized, {.timing_dependent = true});
}
BENCHMARK(BM_Repo_CreateBatch_Naive)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);
// 100,000 rows: the size at which BM_Repo_CreateBatch_PsqlCopy's process start-up is noise.
BENCHMARK(BM_Repo_CreateBatch_Copy)->Arg(1000)->Arg(100000)->UseRealTime()->Unit(benchmark::kMillisecond);

// COPY's text format of one value: backslash, tab, newline and carriage return escaped.
void AppendCopyText(std::string_view v, std::string* out) {
  for (char ch : v) {
    switch (ch) {
      case '\\': out->append("\\\\"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      default: out->push_back(ch);
    }
  }
}

// A timestamptz as COPY's text input reads it: "2026-12-02 01:16:51.123456+00".
void AppendCopyTextTimestamp(int64_t unix_micros, std::string* out) {
  const int64_t floor_seconds = unix_micros >= 0 ? unix_micros / 1000000 : -((-unix_micros + 999999) / 1000000);
  const time_t seconds = static_cast<time_t>(floor_seconds);
  const int64_t micros = unix_micros - floor_seconds * 1000000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[48];
  const int n = std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", tm.tm_year + 1900,
                              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                              static_cast<long long>(micros));
  out->append(text, n);
}

// One row of COPY's text format, kCustomerColumns in order (what psql \copy of a text file sends).
void AppendCopyTextRow(const Customer& c, int64_t now, std::string* out, std::string* json) {
  AppendCopyText(c.id(), out);
  out->push_back('\t');
  AppendCopyText(c.email(), out);
  out->push_back('\t');
  AppendCopyText(c.name(), out);
  out->push_back('\t');
  if (c.phone().empty()) out->append("\\N");
  else AppendCopyText(c.phone(), out);
  out->push_back('\t');
  json->clear();
  AppendMetadataJson(c.metadata(), json);
  AppendCopyText(*json, out);
  out->push_back('\t');
  AppendCopyTextTimestamp(CreatedAtMicros(c, now), out);
  out->push_back('\t');
  AppendCopyTextTimestamp(UpdatedAtMicros(c, now), out);
  out->push_back('\n');
}

enum class CopyFormat { kBinary, kText };

// The references for COPY throughput: psql's \copy loading the rows BM_Repo_CreateBatch_Copy
// writes (same corpus, fresh ids; written to a file before the timed loop) into `table`. Each
// load's rows are deleted with the timer paused. A missing psql fails the benchmark, naming it.
void PsqlCopy(benchmark::State& state, CopyFormat format, std::string_view table) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  auto psql = bench::FindPgProgram("psql");
  if (!psql.ok()) {
    state.SkipWithError(psql.status().ToString().c_str());
    return;
  }
  const bool binary = format == CopyFormat::kBinary;
  const std::string file = "/tmp/chinook-psql-copy-" + std::to_string(getpid()) + (binary ? ".bin" : ".txt");
  {
    std::vector<Customer> rows = ::chinook::workload::MakeCorpus(static_cast<size_t>(state.range(0)), {.seed = 6});
    std::string data;
    std::string json;
    const int64_t now = NowUnixMicros();
    if (binary) AppendCopyHeader(&data);
    for (Customer& c : rows) {
      SetWrittenId(&c, NextWrittenId());
      if (binary) AppendCopyRow(c, now, &data, &json);
      else AppendCopyTextRow(c, now, &data, &json);
    }
    if (binary) AppendCopyTrailer(&data);
    FILE* f = std::fopen(file.c_str(), "wb");
    const bool written = f != nullptr && std::fwrite(data.data(), 1, data.size(), f) == data.size();
    if (f == nullptr || std::fclose(f) != 0 || !written) {
      state.SkipWithError(("cannot write " + file).c_str());
      return;
    }
  }
  const std::string copy = std::string("\\copy ") + kSchema + "." + std::string(table) + " (" +
                           std::string(kCustomerColumns) + ") FROM '" + file + "'" +
                           (binary ? " WITH (FORMAT binary)" : "");
  const std::vector<std::string> argv = {*psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", env->dsn(), "-c", copy};
  {
    memory::ScopedMemoryCounters mem(state);
    for (auto _ : state) {
      auto loaded = bench::RunTool(argv);
      if (!loaded.ok()) {
        state.SkipWithError(("psql \\copy: " + loaded.status().ToString()).c_str());
        break;
      }
      state.PauseTiming();
      Status deleted = env->DeleteWrittenRows(table);
      state.ResumeTiming();
      if (!deleted.ok()) {
        state.SkipWithError(deleted.ToString().c_str());
        break;
      }
    }
  }
  std::remove(file.c_str());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// Binary COPY, the format our own writer sends, into the same table.
void BM_Repo_CreateBatch_PsqlCopy(benchmark::State& state) { PsqlCopy(state, CopyFormat::kBinary, "customers"); }
BENCHMARK(BM_Repo_CreateBatch_PsqlCopy)->Arg(100000)->UseRealTime()->Unit(benchmark::kMillisecond);

// Issue 15's bulk-load reference: text COPY (the server parses every value) into kLikeTable,
// LIKE customers INCLUDING ALL and holding the same 100,000 rows.
void BM_Repo_CreateBatch_PsqlCopyText(benchmark::State& state) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  if (Status s = env->PrepareLikeTable(); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  PsqlCopy(state, CopyFormat::kText, kLikeTable);
}
BENCHMARK(BM_Repo_CreateBatch_PsqlCopyText)->Arg(100000)->UseRealTime()->Unit(benchmark::kMillisecond);

void GetByID(benchmark::State& state, CustomerRepository* (BenchEnv::*which)()) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  CustomerRepository* repo = (env->*which)();
  const auto& ids = ReadIds();
  size_t i = 0;
  OpReport report(state, repo);
  {
    memory::ScopedMemoryCounters mem(state);
    for (auto _ : state) {
      auto got = repo->GetByID(ids[i]);
      if (!got.ok() || !got->has_value()) {
        state.SkipWithError(got.ok() ? "customer missing" : got.status().ToString().c_str());
        break;
      }
      benchmark::DoNotOptimize(got);
      if (++i == ids.size()) i = 0;
    }
  }
  report.Finish(1);
}

void BM_Repo_GetByID_Naive(benchmark::State& state) { GetByID(state, &BenchEnv::naive); }
void BM_Repo_GetByID_Prepared(benchmark::State& state) { GetByID(state, &BenchEnv::optimized); }
BENCHMARK(BM_Repo_GetByID_Naive)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Repo_GetByID_Prepared)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Issue 15's point-read reference: pgbench, one client, prepared statements (-M prepared, what
// `pgbench -S -M prepared` does), running the same SELECT of kCustomerColumns by id over the
// same table; ids drawn uniformly from the 100,000. Each iteration is one pgbench run of
// kPgbenchTransactions reads; the iteration's time is the one pgbench reports (its "tps ...
// without initial connection time"), so the process and connection start-up are left out:
// items_per_second is pgbench's own tps.
constexpr int kPgbenchTransactions = 10000;

void BM_Repo_GetByID_Pgbench(benchmark::State& state) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  auto pgbench = bench::FindPgProgram("pgbench");
  if (!pgbench.ok()) {
    state.SkipWithError(pgbench.status().ToString().c_str());
    return;
  }
  const std::string script = "/tmp/chinook-pgbench-" + std::to_string(getpid()) + ".sql";
  {
    FILE* f = std::fopen(script.c_str(), "w");
    const std::string text = "\\set n random(0, " + std::to_string(kTableRows - 1) + ")\nSELECT " +
                             std::string(kCustomerColumns) + " FROM " + kSchema + ".customers WHERE id = 'cust-" +
                             std::to_string(kCorpusSeed) + "-' || :n;\n";
    const bool written = f != nullptr && std::fputs(text.c_str(), f) >= 0;
    if (f == nullptr || std::fclose(f) != 0 || !written) {
      state.SkipWithError(("cannot write " + script).c_str());
      return;
    }
  }
  const std::vector<std::string> argv = {*pgbench, "-n", "-c", "1", "-M", "prepared", "-t",
                                         std::to_string(kPgbenchTransactions), "-f", script, env->dsn()};
  // What this process allocates around each pgbench run (its output's length varies with the figures).
  memory::ScopedMemoryCounters mem(state, {.timing_dependent = true});
  for (auto _ : state) {
    auto run = bench::RunTool(argv);
    Result<double> tps = run.ok() ? bench::NumberAfter(run->output, "tps = ", "pgbench") : Result<double>(run.status());
    if (!tps.ok() || *tps <= 0) {
      state.SkipWithError(("pgbench: " + (tps.ok() ? std::string("tps <= 0") : tps.status().ToString())).c_str());
      break;
    }
    state.SetIterationTime(kPgbenchTransactions / *tps);
  }
  std::remove(script.c_str());
  state.SetItemsProcessed(state.iterations() * kPgbenchTransactions);
}
BENCHMARK(BM_Repo_GetByID_Pgbench)->UseManualTime()->Unit(benchmark::kMicrosecond);

void GetMany(benchmark::State& state, CustomerRepository* (BenchEnv::*which)()) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  CustomerRepository* repo = (env->*which)();
  const auto& all = ReadIds();
  const size_t n = static_cast<size_t>(state.range(0));
  size_t at = 0;
  OpReport report(state, repo);
  {
    memory::ScopedMemoryCounters mem(state);
    for (auto _ : state) {
      if (at + n > all.size()) at = 0;
      auto got = repo->GetMany(std::span(all).subspan(at, n));
      if (!got.ok()) {
        state.SkipWithError(got.status().ToString().c_str());
        break;
      }
      benchmark::DoNotOptimize(got);
      at += n;
    }
  }
  report.Finish(state.range(0));
}

void BM_Repo_GetMany_Naive(benchmark::State& state) { GetMany(state, &BenchEnv::naive); }
void BM_Repo_GetMany_Optimized(benchmark::State& state) { GetMany(state, &BenchEnv::optimized); }
// The alternative the optimized repository did not pick (libpq pipeline mode), kept measured.
void BM_Repo_GetMany_Pipelined(benchmark::State& state) { GetMany(state, &BenchEnv::pipelined); }
BENCHMARK(BM_Repo_GetMany_Naive)->Arg(100)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Repo_GetMany_Optimized)->Arg(100)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Repo_GetMany_Pipelined)->Arg(100)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Issue 15's multi-get reference: a minimal libpq client sending the optimized repository's query
// (SELECT kCustomerColumns ... WHERE id = ANY($1), prepared once, binary results) for the same
// ids, on a connection of its own. Per row it only looks at each value's length: what is left of
// a client that decodes nothing, so the gap to BM_Repo_GetMany_Optimized is our decoding and
// bookkeeping.
void BM_Repo_GetMany_Libpq(benchmark::State& state) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(env->dsn().c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    state.SkipWithError((std::string("libpq reference: cannot connect: ") + PQerrorMessage(conn.get())).c_str());
    return;
  }
  using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;
  const std::string sql = "SELECT " + std::string(kCustomerColumns) + " FROM " + kSchema +
                          ".customers WHERE id = ANY($1)";
  const Oid text_array = 1009;
  if (ResultPtr r(PQprepare(conn.get(), "get_many", sql.c_str(), 1, &text_array), &PQclear);
      PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    state.SkipWithError((std::string("libpq reference: prepare: ") + PQerrorMessage(conn.get())).c_str());
    return;
  }
  const auto& all = ReadIds();
  const size_t n = static_cast<size_t>(state.range(0));
  size_t at = 0;
  std::string array;
  int64_t bytes = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    if (at + n > all.size()) at = 0;
    array.assign("{");
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) array.push_back(',');
      array.append(all[at + i]);  // ids are [a-z0-9-]: no quoting needed
    }
    array.push_back('}');
    const char* value = array.c_str();
    ResultPtr r(PQexecPrepared(conn.get(), "get_many", 1, &value, nullptr, nullptr, /*resultFormat=*/1), &PQclear);
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) == 0) {
      state.SkipWithError((std::string("libpq reference: ") + PQerrorMessage(conn.get())).c_str());
      break;
    }
    const int rows = PQntuples(r.get());
    const int cols = PQnfields(r.get());
    for (int row = 0; row < rows; ++row) {
      for (int col = 0; col < cols; ++col) bytes += PQgetlength(r.get(), row, col);
    }
    at += n;
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Repo_GetMany_Libpq)->Arg(100)->UseRealTime()->Unit(benchmark::kMicrosecond);

// A page of 100 at position 50,000, fetched by `fetch_page` (which returns the rows it got).
template <typename FetchPage>
void ListDeep(benchmark::State& state, FetchPage fetch_page) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  CustomerRepository* repo = env->optimized();
  OpReport report(state, repo);
  {
    memory::ScopedMemoryCounters mem(state);
    for (auto _ : state) {
      Result<size_t> rows = fetch_page(*repo, *env);
      if (!rows.ok() || *rows != kPageSize) {
        state.SkipWithError(rows.ok() ? "short page" : rows.status().ToString().c_str());
        break;
      }
    }
  }
  report.Finish(kPageSize);
}

// OFFSET makes the server walk and discard 50,000 rows.
void BM_Repo_ListDeep_Offset(benchmark::State& state) {
  ListDeep(state, [](CustomerRepository& repo, BenchEnv&) -> Result<size_t> {
    CHINOOK_ASSIGN_OR_RETURN(auto page, repo.ListOffset(kPageSize, kDeepPosition));
    return page.size();
  });
}
BENCHMARK(BM_Repo_ListDeep_Offset)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The keyset cursor seeks the index straight to position 50,000.
void BM_Repo_ListDeep_Keyset(benchmark::State& state) {
  ListDeep(state, [](CustomerRepository& repo, BenchEnv& env) -> Result<size_t> {
    CHINOOK_ASSIGN_OR_RETURN(auto page, repo.List(kPageSize, env.deep_cursor()));
    return page.customers.size();
  });
}
BENCHMARK(BM_Repo_ListDeep_Keyset)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Eight threads doing prepared point reads through one pool of `max_open` connections (failure
// point 2 of the lab, connection exhaustion). Besides throughput it reports, from the pool's own
// statistics, pool_wait_us_per_op (time spent waiting for a connection per read),
// pool_waits_per_op (share of reads that had to wait) and acquire_timeouts (reads refused with
// ResourceExhausted: must stay 0, no deadlock).
void BM_Pool_Contention(benchmark::State& state) {
  BenchEnv* env = EnvOrSkip(state);
  if (env == nullptr) return;
  pg::ConnectionPool* pool = nullptr;
  CustomerRepository* repo = env->RepositoryWithPool(static_cast<int>(state.range(0)), &pool);
  if (repo == nullptr) {
    state.SkipWithError("cannot create the pool");
    return;
  }
  const auto& ids = ReadIds();
  size_t i = static_cast<size_t>(state.thread_index()) * 97;
  // Thread 0 reads the pool's statistics around the run: the threads start and stop together.
  const pg::PoolStats pool_before = pool->Stats();
  OpReport report(state, repo);
  {
    // Each thread's calls are counted alone, but how often a thread waits, and what the waiting
    // costs, depends on how the eight interleave: measured 23.607-23.614 allocations per read
    // over 5 repetitions of the same binary, so the counters are varying_*.
    memory::ScopedMemoryCounters mem(state, {.timing_dependent = true});
    for (auto _ : state) {
      auto got = repo->GetByID(ids[i % ids.size()]);
      if (!got.ok()) {
        state.SkipWithError(got.status().ToString().c_str());
        break;
      }
      benchmark::DoNotOptimize(got);
      ++i;
    }
  }
  report.Finish(1);
  if (state.thread_index() == 0 && state.iterations() > 0) {
    const pg::PoolStats after = pool->Stats();
    const double all_ops = static_cast<double>(state.iterations()) * state.threads();
    state.counters["pool_wait_us_per_op"] =
        std::chrono::duration<double, std::micro>(after.wait_time - pool_before.wait_time).count() / all_ops;
    state.counters["pool_waits_per_op"] = static_cast<double>(after.waits - pool_before.waits) / all_ops;
    state.counters["acquire_timeouts"] = static_cast<double>(after.timeouts - pool_before.timeouts);
  }
}
BENCHMARK(BM_Pool_Contention)->ArgName("max_open")->Arg(1)->Arg(4)->Threads(8)->UseRealTime()->Unit(
    benchmark::kMicrosecond);

// The metadata column's JSON without the server: what every row written (BindCustomerFields,
// AppendCopyRow) and read (ParseMetadataJson) costs in the repository's own code. Writing reuses
// its buffer as the row codec does; reading fills a fresh customer's map, as a row read does.
const std::vector<Customer>& MetadataCorpus() {
  static const auto* corpus = new std::vector<Customer>(::chinook::workload::MakeCorpus(1000));
  return *corpus;
}

void BM_MetadataJson_Write(benchmark::State& state) {
  const auto& corpus = MetadataCorpus();
  std::string json;
  for (const Customer& c : corpus) AppendMetadataJson(c.metadata(), &json);  // grown once, uncounted
  size_t i = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    json.clear();
    AppendMetadataJson(corpus[i].metadata(), &json);
    benchmark::DoNotOptimize(json.data());
    if (++i == corpus.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetadataJson_Write);

void BM_MetadataJson_Read(benchmark::State& state) {
  std::vector<std::string> jsons;
  for (const Customer& c : MetadataCorpus()) AppendMetadataJson(c.metadata(), &jsons.emplace_back());
  size_t i = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    Customer c;
    if (Status s = ParseMetadataJson(jsons[i], c.mutable_metadata()); !s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(c.metadata().size());
    if (++i == jsons.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetadataJson_Read);

// A binary result of kCustomerColumns holding `customers`, built in this process
// (PQmakeEmptyPGresult, PQsetResultAttrs, PQsetvalue) from each row's COPY BINARY encoding, whose
// fields are the binary values a SELECT of those columns returns.
pg::ResultPtr MakeCustomerResult(std::span<const Customer> customers) {
  static constexpr unsigned kTypes[] = {pg::kOidText,  pg::kOidText,        pg::kOidText,       pg::kOidText,
                                        pg::kOidJsonb, pg::kOidTimestamptz, pg::kOidTimestamptz};
  constexpr int kColumns = static_cast<int>(std::size(kTypes));
  pg::ResultPtr result(PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK));
  std::vector<std::string> names;
  for (size_t at = 0; at <= kCustomerColumns.size();) {
    const size_t comma = std::min(kCustomerColumns.find(", ", at), kCustomerColumns.size());
    names.emplace_back(kCustomerColumns.substr(at, comma - at));
    at = comma + 2;
  }
  std::vector<PGresAttDesc> attrs(kColumns);
  for (int col = 0; col < kColumns; ++col) {
    attrs[col] = {.name = names.at(col).data(), .tableid = 0, .columnid = 0, .format = 1,
                  .typid = kTypes[col], .typlen = -1, .atttypmod = -1};
  }
  if (result == nullptr || !PQsetResultAttrs(result.get(), kColumns, attrs.data())) return nullptr;
  std::string row;
  std::string json;
  for (size_t i = 0; i < customers.size(); ++i) {
    row.clear();
    AppendCopyRow(customers[i], NowUnixMicros(), &row, &json);
    const char* p = row.data() + 2;  // past the field count
    for (int col = 0; col < kColumns; ++col) {
      const int32_t length = pg::ReadBigEndian32(p);
      p += 4;
      if (!PQsetvalue(result.get(), static_cast<int>(i), col, const_cast<char*>(p), length)) return nullptr;
      p += std::max(length, 0);
    }
  }
  return result;
}

// Decoding 100 rows of a result into Customers without the server: the client CPU that
// BM_Repo_GetMany_Optimized spends beside BM_Repo_GetMany_Libpq, which decodes nothing. A fresh
// vector of messages each time, as GetMany returns.
void BM_Repo_DecodeRows(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const pg::ResultPtr result = MakeCustomerResult(std::span(MetadataCorpus()).first(n));
  if (result == nullptr) {
    state.SkipWithError("cannot build a result (PQsetResultAttrs / PQsetvalue failed)");
    return;
  }
  Result<CustomerRowDecoder> decoder = CustomerRowDecoder::For(result.get());
  if (!decoder.ok()) {
    state.SkipWithError(decoder.status().ToString().c_str());
    return;
  }
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    std::vector<Customer> out(n);
    for (size_t i = 0; i < n; ++i) {
      if (Status s = decoder->Decode(static_cast<int>(i), &out[i]); !s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        break;
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Repo_DecodeRows)->Arg(100)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace chinook::repository
