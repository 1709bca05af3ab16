// chinook-explain: the query plan of every statement the customer repositories issue.
//
//   chinook-explain [--dsn DSN] [--schema NAME | --temporary-schema] [--rows N] [--without-index IX] [--help]
//
// Fills <schema>.customers to N rows (default 100,000; by COPY, reused when already filled),
// VACUUM ANALYZEs it, then for each statement runs EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) under
// both plans a prepared statement can get: the custom plan (planned for these parameter values)
// and the generic plan (planned once for any values, what the server switches to after five
// executions). Writes run inside a transaction that is rolled back. Prints each plan tree with
// rows and buffers, and exits 1 if any statement sequential-scans `customers`, 2 on an error.
//
// ListOffset is explained twice: at a typical depth (page 10), which is checked, and at the
// benchmark's deep position (half the table), which is printed for information only: a deep
// OFFSET must produce and discard every earlier row, and whether the planner does that with an
// index or with a sequential scan and sort is its call; that cost is why List uses keysets.
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "common/flags.h"
#include "pg/connection.h"
#include "pg/connection_pool.h"
#include "repository/customer_repository.h"
#include "repository/json.h"
#include "repository/row_codec.h"
#include "repository/statements.h"
#include "workload/customer_corpus.h"

namespace chinook::explain {
namespace {

using repository::Customer;
using repository::JsonValue;

constexpr int kExitSeqScan = 1;
constexpr int kExitError = 2;
constexpr int kPageSize = 100;
constexpr int64_t kMinRows = 20000;

struct Flags {
  std::string dsn;
  std::string schema = "chinook_explain";
  bool temporary_schema = false;
  int64_t rows = 100000;
  // What-if: an index to drop (inside each statement's rolled-back transaction) before
  // explaining, to see which statements depend on it.
  std::string without_index;
};

constexpr int64_t kMaxRows = 100'000'000;

constexpr char kUsage[] =
    "usage: chinook-explain [--dsn DSN] [--schema NAME | --temporary-schema] [--rows N]\n"
    "  --dsn               libpq connection string (default: $CHINOOK_PG_DSN)\n"
    "  --schema            schema holding the customers table (default chinook_explain; kept)\n"
    "  --temporary-schema  use a fresh schema of this process and drop it afterwards\n"
    "  --rows              rows to fill the table with (default 100000, at least 20000)\n"
    "  --without-index IX  what-if: explain as if index IX did not exist (dropped in a\n"
    "                      transaction that is rolled back)\n"
    "  --help              this text\n";

// Reads the flags. nullopt: run; else the exit status, the usage or the error printed.
std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  if (const char* env = std::getenv("CHINOOK_PG_DSN")) flags->dsn = env;
  tools::FlagParser parser("chinook-explain", kUsage);
  parser.String("dsn", &flags->dsn);
  parser.Custom("schema", [flags](const std::string& v) {
    flags->schema = v;
    return repository::ValidateSchemaName(v);
  });
  parser.Custom("without-index", [flags](const std::string& v) {
    flags->without_index = v;
    if (!repository::ValidateSchemaName(v).ok()) {  // the same identifier rules
      return InvalidArgumentError("'" + v + "' is not a plain lower-case identifier");
    }
    return Status::Ok();
  });
  parser.Bool("temporary-schema", &flags->temporary_schema);
  // Below ~10,000 rows a sequential scan is honestly the cheapest plan for a 100-id GetMany,
  // and the check would flag the table's size rather than a missing index.
  parser.Integer("rows", &flags->rows, kMinRows, kMaxRows);
  if (std::optional<int> exit = parser.Parse(argc, argv)) return exit;
  if (flags->dsn.empty()) return parser.UsageError("no server: pass --dsn or set CHINOOK_PG_DSN");
  if (flags->temporary_schema) flags->schema = "chinook_explain_" + std::to_string(getpid());
  return std::nullopt;
}

const char* TypeName(unsigned oid) {
  switch (oid) {
    case pg::kOidInt8: return "int8";
    case pg::kOidText: return "text";
    case pg::kOidJsonb: return "jsonb";
    case pg::kOidTimestamptz: return "timestamptz";
    case pg::kOidTextArray: return "text[]";
  }
  return "unknown";
}

double Number(const JsonValue& node, std::string_view key) {
  const JsonValue* v = node.Find(key);
  return v != nullptr && v->kind == JsonValue::Kind::kNumber ? v->number : 0;
}

std::string String(const JsonValue& node, std::string_view key) {
  const JsonValue* v = node.Find(key);
  return v != nullptr && v->kind == JsonValue::Kind::kString ? v->string : "";
}

// Prints the plan tree; returns true if some node sequential-scans `customers`.
bool PrintPlan(const JsonValue& node, int depth) {
  const std::string type = String(node, "Node Type");
  std::string line = std::string(2 * depth + 4, ' ') + type;
  if (const std::string index = String(node, "Index Name"); !index.empty()) line += " using " + index;
  if (const std::string rel = String(node, "Relation Name"); !rel.empty()) line += " on " + rel;
  char stats[160];
  std::snprintf(stats, sizeof stats, "  (rows=%.0f loops=%.0f, buffers hit=%.0f read=%.0f)", Number(node, "Actual Rows"),
                Number(node, "Actual Loops"), Number(node, "Shared Hit Blocks"), Number(node, "Shared Read Blocks"));
  std::printf("%s%s\n", line.c_str(), stats);
  if (std::string cond = String(node, "Index Cond"); !cond.empty()) {
    constexpr size_t kMaxCondChars = 160;  // a 100-id array literal would fill the screen
    if (cond.size() > kMaxCondChars) cond = cond.substr(0, kMaxCondChars) + "...";
    std::printf("%s  index cond: %s\n", std::string(2 * depth + 4, ' ').c_str(), cond.c_str());
  }
  bool seq_scan = type == "Seq Scan" && String(node, "Relation Name") == "customers";
  if (const JsonValue* children = node.Find("Plans")) {
    for (const JsonValue& child : children->array) seq_scan |= PrintPlan(child, depth + 1);
  }
  return seq_scan;
}

struct Sample {
  std::string label;
  const pg::StatementSpec* stmt;
  pg::Params params;
  bool checked = true;  // false: printed for information, a sequential scan does not fail the run
};

class Explainer {
 public:
  // `drop_first`: SQL run at the start of each statement's transaction (the what-if), or "".
  Explainer(pg::Connection& conn, pg::Deadline deadline, std::string drop_first)
      : conn_(conn), deadline_(deadline), drop_first_(std::move(drop_first)) {}

  Status Exec(const std::string& sql) {
    auto r = conn_.Exec(sql, deadline_);
    return r.ok() ? Status::Ok() : r.status().Annotate(sql.substr(0, 60));
  }

  // Explains one statement under both plan modes; sets *seq_scan when a checked plan scans.
  Status Explain(const Sample& s, bool* seq_scan) {
    std::printf("\n== %s%s ==\n%s\n", s.label.c_str(), s.checked ? "" : " (informational)", s.stmt->sql.c_str());
    std::string types;
    for (size_t i = 0; i < s.stmt->param_types.size(); ++i) {
      types += (i ? ", " : "") + std::string(TypeName(s.stmt->param_types[i]));
    }
    CHINOOK_ASSIGN_OR_RETURN(auto args, Literals(s));
    CHINOOK_RETURN_IF_ERROR(Exec("BEGIN"));
    if (!drop_first_.empty()) CHINOOK_RETURN_IF_ERROR(Exec(drop_first_));
    CHINOOK_RETURN_IF_ERROR(Exec("PREPARE chinook_explain (" + types + ") AS " + s.stmt->sql));
    Status status;
    for (const char* mode : {"custom", "generic"}) {
      // Each run in a savepoint: a write explained under one plan must not collide with itself.
      status = Exec(std::string("SAVEPOINT run; SET LOCAL plan_cache_mode = force_") + mode + "_plan");
      if (!status.ok()) break;
      auto r = conn_.Exec("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE chinook_explain (" + args + ")",
                          deadline_);
      if (!r.ok()) {
        status = r.status().Annotate(s.label);
        break;
      }
      auto doc = repository::ParseJson(PQgetvalue(r->get(), 0, 0));
      if (!doc.ok() || doc->array.empty() || doc->array[0].Find("Plan") == nullptr) {
        status = InternalError(s.label + ": unexpected EXPLAIN output");
        break;
      }
      const JsonValue& top = doc->array[0];
      const JsonValue& plan = *top.Find("Plan");
      std::printf("  %s plan: %.0f rows, buffers hit=%.0f read=%.0f, execution %.3f ms\n", mode,
                  Number(plan, "Actual Rows"), Number(plan, "Shared Hit Blocks"), Number(plan, "Shared Read Blocks"),
                  Number(top, "Execution Time"));
      const bool scans = PrintPlan(plan, 0);
      if (scans) {
        std::printf("  %s: %s plan sequentially scans customers\n", s.checked ? "FAIL" : "note", mode);
        if (s.checked) *seq_scan = true;
      }
      status = Exec("ROLLBACK TO SAVEPOINT run");
      if (!status.ok()) break;
    }
    const Status rolled_back = Exec("ROLLBACK");
    const Status deallocated = Exec("DEALLOCATE chinook_explain");
    CHINOOK_RETURN_IF_ERROR(status);
    CHINOOK_RETURN_IF_ERROR(rolled_back);
    return deallocated;
  }

 private:
  // The sample's parameters as SQL literals ("'cust-1-5'::text, ..."): EXECUTE takes no bound
  // parameters, so the server renders each value as text and libpq quotes it.
  Result<std::string> Literals(const Sample& s) {
    const auto& types = s.stmt->param_types;
    if (types.empty()) return std::string();
    std::string select = "SELECT ";
    for (size_t i = 0; i < types.size(); ++i) select += (i ? ", $" : "$") + std::to_string(i + 1) + "::text";
    auto r = conn_.ExecParams(select, s.params, pg::Format::kText, deadline_);
    if (!r.ok()) return r.status().Annotate(s.label + ": parameters");
    std::string out;
    for (size_t i = 0; i < types.size(); ++i) {
      if (i) out += ", ";
      if (PQgetisnull(r->get(), 0, static_cast<int>(i))) {
        out += "NULL";
      } else {
        char* quoted = PQescapeLiteral(conn_.raw(), PQgetvalue(r->get(), 0, static_cast<int>(i)),
                                       PQgetlength(r->get(), 0, static_cast<int>(i)));
        if (quoted == nullptr) return InternalError(s.label + ": cannot quote a parameter");
        out += quoted;
        PQfreemem(quoted);
      }
      out += "::" + std::string(TypeName(types[i]));
    }
    return out;
  }

  pg::Connection& conn_;
  const pg::Deadline deadline_;
  const std::string drop_first_;
};

// Makes <schema>.customers hold exactly `rows` customers of the deterministic corpus.
Status Fill(pg::Connection& conn, repository::CustomerRepository& repo, const repository::Statements& st,
            int64_t rows, pg::Deadline deadline) {
  CHINOOK_ASSIGN_OR_RETURN(auto count, conn.Exec("SELECT count(*) FROM " + st.table, deadline));
  if (std::strtoll(PQgetvalue(count.get(), 0, 0), nullptr, 10) != rows) {
    std::printf("filling %s with %lld customers (COPY)...\n", st.table.c_str(), static_cast<long long>(rows));
    CHINOOK_ASSIGN_OR_RETURN(auto truncated, conn.Exec("TRUNCATE " + st.table, deadline));
    workload::CustomerGenerator gen({.seed = 1});
    std::vector<Customer> chunk;
    for (int64_t done = 0; done < rows; done += 10000) {
      chunk.clear();
      for (int64_t i = done; i < rows && i < done + 10000; ++i) chunk.push_back(gen.Next());
      CHINOOK_RETURN_IF_ERROR(repo.CreateBatch(chunk));
    }
  }
  // Planner statistics for the table as filled: without them the plans say nothing.
  auto analyzed = conn.Exec("VACUUM ANALYZE " + st.table, deadline);
  return analyzed.ok() ? Status::Ok() : analyzed.status();
}

// Parameters for each statement. Text parameters are views: `existing`, `fresh` and `page` must
// outlive the samples.
std::vector<Sample> MakeSamples(const repository::Statements& st, const Customer& existing, const Customer& fresh,
                                const std::vector<Customer>& page, int64_t rows, std::vector<std::string_view>* ids) {
  std::string json;  // scratch: AddJsonb copies
  std::vector<Sample> out;
  auto add = [&](std::string label, const pg::StatementSpec& stmt) -> pg::Params& {
    out.push_back({std::move(label), &stmt, {}});
    return out.back().params;
  };
  {
    pg::Params& p = add("insert (Create)", st.insert);
    repository::BindCustomerFields(fresh, &p, &json);
    p.AddTimestampMicros(repository::TimestampToUnixMicros(fresh.created_at()));
    p.AddTimestampMicros(repository::TimestampToUnixMicros(fresh.updated_at()));
  }
  add("get_by_id (GetByID, naive GetMany)", st.get_by_id).AddText(existing.id());
  for (const Customer& c : page) ids->push_back(c.id());
  add("get_many (GetMany, 100 ids)", st.get_many).AddTextArray(*ids);
  add("list_first (List, first page)", st.list_first).AddInt64(kPageSize + 1);
  {
    pg::Params& p = add("list_after (List, page at the middle)", st.list_after);
    p.AddTimestampMicros(repository::TimestampToUnixMicros(existing.created_at()));
    p.AddText(existing.id());
    p.AddInt64(kPageSize + 1);
  }
  {
    pg::Params& p = add("list_offset (ListOffset, page 10)", st.list_offset);
    p.AddInt64(kPageSize);
    p.AddInt64(10 * kPageSize);
  }
  {
    pg::Params& p = add("list_offset (ListOffset, page at the middle)", st.list_offset);
    p.AddInt64(kPageSize);
    p.AddInt64(rows / 2);
    out.back().checked = false;
  }
  {
    pg::Params& p = add("update (Update)", st.update);
    repository::BindCustomerFields(existing, &p, &json);
    p.AddTimestampMicros(repository::TimestampToUnixMicros(existing.updated_at()));
  }
  add("delete (Delete)", st.remove).AddText(existing.id());
  return out;
}

int Run(const Flags& flags) {
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "chinook-explain: %s\n", s.ToString().c_str());
    return kExitError;
  };
  auto pool = pg::ConnectionPool::Create({.dsn = flags.dsn, .max_open = 2});
  if (!pool.ok()) return fail(pool.status());
  if (Status s = repository::ValidateSchemaName(flags.schema); !s.ok()) return fail(s);
  auto repo = repository::NewOptimizedRepository(*pool, {.schema = flags.schema});
  if (!repo.ok()) return fail(repo.status());
  const repository::Statements st = repository::MakeStatements(flags.schema);
  auto lease = (*pool)->Acquire();
  if (!lease.ok()) return fail(lease.status());
  const pg::Deadline deadline = pg::SteadyClock::now() + std::chrono::minutes(30);
  auto drop = [&] {
    if (flags.temporary_schema) (void)(*lease)->Exec("DROP SCHEMA \"" + flags.schema + "\" CASCADE", deadline);
  };
  if (Status s = Fill(**lease, **repo, st, flags.rows, deadline); !s.ok()) {
    drop();
    return fail(s);
  }
  auto middle = (*repo)->ListOffset(1, flags.rows / 2);
  auto page = (*repo)->ListOffset(kPageSize, flags.rows / 4);
  if (!middle.ok() || !page.ok() || middle->empty()) {
    drop();
    return fail(!middle.ok() ? middle.status() : !page.ok() ? page.status() : InternalError("table is empty"));
  }
  Customer fresh = (*middle)[0];
  fresh.set_id("chinook-explain-new");
  std::vector<std::string_view> ids;
  const std::vector<Sample> samples = MakeSamples(st, (*middle)[0], fresh, *page, flags.rows, &ids);
  for (const pg::StatementSpec* stmt : st.All()) {  // a statement added later must not go unexplained
    bool covered = false;
    for (const Sample& s : samples) covered |= s.stmt == stmt;
    if (!covered) {
      drop();
      return fail(InternalError("statement " + stmt->name + " has no sample parameters in chinook-explain"));
    }
  }
  std::printf("%s: %lld rows; EXPLAIN (ANALYZE, BUFFERS) of %zu statements, custom and generic plans\n",
              st.table.c_str(), static_cast<long long>(flags.rows), samples.size());
  const std::string what_if =
      flags.without_index.empty() ? "" : "DROP INDEX \"" + flags.schema + "\"." + flags.without_index;
  if (!what_if.empty()) std::printf("what-if: %s (rolled back after each statement)\n", what_if.c_str());
  Explainer explainer(**lease, deadline, what_if);
  bool seq_scan = false;
  for (const Sample& s : samples) {
    if (Status status = explainer.Explain(s, &seq_scan); !status.ok()) {
      drop();
      return fail(status);
    }
  }
  std::printf("\n== COPY (CreateBatch) ==\n%s\n    not explainable: COPY has no plan; it appends rows and "
              "updates each index per row\n",
              st.copy.c_str());
  drop();
  if (seq_scan) {
    std::printf("\nFAIL: a statement sequentially scans customers (see FAIL above)\n");
    return kExitSeqScan;
  }
  std::printf("\nOK: no statement sequentially scans customers\n");
  return 0;
}

}  // namespace
}  // namespace chinook::explain

int main(int argc, char** argv) {
  namespace explain = chinook::explain;
  explain::Flags flags;
  if (std::optional<int> exit = explain::ParseFlags(argc, argv, &flags)) return *exit;
  // The last resort: no failure ends in std::terminate; errors are exit status 2 like the others.
  try {
    return explain::Run(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chinook-explain: internal error on schema %s: %s\n", flags.schema.c_str(), e.what());
    return explain::kExitError;
  }
}
