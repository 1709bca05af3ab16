#include "repository/statements.h"

#include <libpq-fe.h>

#include <array>
#include <cstdlib>
#include <span>

namespace chinook::repository {
namespace {

using pg::kOidInt8;
using pg::kOidJsonb;
using pg::kOidText;
using pg::kOidTextArray;
using pg::kOidTimestamptz;

struct Migration {
  int version;
  const char* description;
  // Run with the search_path set to the target schema.
  const char* sql;
};

// Append only: a released migration never changes (databases already ran it).
constexpr std::array kMigrations = {
    Migration{1, "customers table with keyset index",
              "CREATE TABLE customers ("
              "  id text PRIMARY KEY,"
              "  email text NOT NULL,"
              "  name text NOT NULL,"
              "  phone text,"
              "  metadata jsonb NOT NULL DEFAULT '{}',"
              "  created_at timestamptz NOT NULL,"
              "  updated_at timestamptz NOT NULL);"
              // List's order and its row-comparison predicate (created_at, id) < ($1, $2).
              "CREATE INDEX customers_created_at_id_idx ON customers (created_at DESC, id DESC);"},
};

// Serialises migrations across processes and schemas: "chinook" in ASCII.
constexpr int64_t kMigrationLockKey = 0x6368696e6f6f6b;

// What the code relies on of a column: its type as format_type() spells it, and whether NULL is
// impossible. The source of truth is the migrations above; these lists say what the statements,
// the row decoder and COPY BINARY assume of the result.
struct ExpectedColumn {
  std::string_view name;
  std::string_view type;
  bool not_null;
};

struct ExpectedTable {
  std::string_view name;
  std::span<const ExpectedColumn> columns;
  std::string_view primary_key;  // comma-separated column names; empty for "not checked"
};

constexpr ExpectedColumn kMigrationsColumns[] = {
    {"version", "integer", true},
    {"description", "text", true},
    {"applied_at", "timestamp with time zone", true},
};

constexpr ExpectedColumn kCustomersColumns[] = {
    {"id", "text", true},
    {"email", "text", true},
    {"name", "text", true},
    {"phone", "text", false},
    {"metadata", "jsonb", true},
    {"created_at", "timestamp with time zone", true},
    {"updated_at", "timestamp with time zone", true},
};

constexpr ExpectedTable kMigrationsTable{"schema_migrations", kMigrationsColumns, "version"};
// AlreadyExists on a taken id relies on the primary key.
constexpr ExpectedTable kCustomersTable{"customers", kCustomersColumns, "id"};

std::string NullabilityName(bool not_null) { return not_null ? "NOT NULL" : "nullable"; }

// Every difference between `table` in `schema` and what the code expects, "; "-separated
// ("" when none). Extra columns are fine unless NOT NULL without a default (inserts would fail).
Result<std::string> TableDifferences(pg::Connection& conn, std::string_view schema, const ExpectedTable& table,
                                     pg::Deadline deadline) {
  pg::Params names;
  names.AddText(schema);
  names.AddText(table.name);
  CHINOOK_ASSIGN_OR_RETURN(auto cols, conn.ExecParams(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef"
      " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
      " WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0"
      " AND NOT a.attisdropped ORDER BY a.attnum",
      names, pg::Format::kText, deadline));
  const PGresult* r = cols.get();
  const int n = PQntuples(r);
  if (n == 0) return std::string("table missing");
  std::vector<std::string> diffs;
  std::vector<bool> seen(table.columns.size(), false);
  for (int i = 0; i < n; ++i) {
    const std::string_view name = PQgetvalue(r, i, 0);
    const std::string_view type = PQgetvalue(r, i, 1);
    const bool not_null = PQgetvalue(r, i, 2)[0] == 't';
    const bool has_default = PQgetvalue(r, i, 3)[0] == 't';
    size_t k = 0;
    while (k < table.columns.size() && table.columns[k].name != name) ++k;
    if (k == table.columns.size()) {
      if (not_null && !has_default) {
        diffs.push_back("column " + std::string(name) + ": not expected, and NOT NULL without a default (" +
                        std::string(type) + "), so every insert would fail");
      }
      continue;
    }
    seen[k] = true;
    const ExpectedColumn& want = table.columns[k];
    if (type != want.type) {
      diffs.push_back("column " + std::string(name) + ": expected " + std::string(want.type) + ", found " +
                      std::string(type));
    }
    if (not_null != want.not_null) {
      diffs.push_back("column " + std::string(name) + ": expected " + NullabilityName(want.not_null) + ", found " +
                      NullabilityName(not_null));
    }
  }
  for (size_t k = 0; k < table.columns.size(); ++k) {
    if (!seen[k]) {
      diffs.push_back("column " + std::string(table.columns[k].name) + ": expected " +
                      std::string(table.columns[k].type) + " " + NullabilityName(table.columns[k].not_null) +
                      ", found no such column");
    }
  }
  if (!table.primary_key.empty()) {
    Result<pg::ResultPtr> pk = conn.ExecParams(
        "SELECT coalesce(string_agg(a.attname, ',' ORDER BY k.ord), '')"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary",
        names, pg::Format::kText, deadline);
    if (!pk.ok()) return pk.status();
    const std::string_view found = PQgetvalue(pk->get(), 0, 0);
    if (found != table.primary_key) {
      diffs.push_back("primary key: expected (" + std::string(table.primary_key) + "), found " +
                      (found.empty() ? std::string("none") : "(" + std::string(found) + ")"));
    }
  }
  std::string joined;
  for (const std::string& d : diffs) joined += (joined.empty() ? "" : "; ") + d;
  return joined;
}

// FailedPrecondition naming every difference of `table`, or OK.
Status CheckTable(pg::Connection& conn, std::string_view schema, const ExpectedTable& table, pg::Deadline deadline) {
  Result<std::string> diffs = TableDifferences(conn, schema, table, deadline);
  if (!diffs.ok()) return diffs.status().Annotate("verify schema " + std::string(schema));
  if (diffs->empty()) return Status::Ok();
  return FailedPreconditionError("repository: schema \"" + std::string(schema) + "\" differs from what this build "
                                 "expects (schema version " + std::to_string(LatestSchemaVersion()) + "): table " +
                                 std::string(table.name) + ": " + *diffs);
}

}  // namespace

std::vector<const pg::StatementSpec*> Statements::All() const {
  return {&insert, &get_by_id, &get_many, &list_first, &list_after, &list_offset, &update, &remove};
}

Status ValidateSchemaName(std::string_view schema) {
  if (schema.empty() || schema.size() > 63) return InvalidArgumentError("schema: must be 1-63 bytes");
  for (size_t i = 0; i < schema.size(); ++i) {
    const char c = schema[i];
    const bool ok = c == '_' || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return InvalidArgumentError("schema: must match [a-z_][a-z0-9_]*");
  }
  return Status::Ok();
}

Statements MakeStatements(std::string_view schema) {
  const std::string s(schema);
  const std::string table = "\"" + s + "\".customers";
  const std::string cols(kCustomerColumns);
  const std::string select = "SELECT " + cols + " FROM " + table;
  const std::string order = " ORDER BY created_at DESC, id DESC";
  // Prepared-statement names are per connection; a pool may serve several schemas.
  auto spec = [&](std::string_view what, std::string sql, std::vector<unsigned> types) {
    return pg::StatementSpec{"chinook_" + s + "_" + std::string(what), std::move(sql), std::move(types)};
  };
  Statements st;
  st.table = table;
  st.insert = spec("insert", "INSERT INTO " + table + " (" + cols + ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   {kOidText, kOidText, kOidText, kOidText, kOidJsonb, kOidTimestamptz, kOidTimestamptz});
  st.get_by_id = spec("get_by_id", select + " WHERE id = $1", {kOidText});
  st.get_many = spec("get_many", select + " WHERE id = ANY($1)", {kOidTextArray});
  st.list_first = spec("list_first", select + order + " LIMIT $1", {kOidInt8});
  st.list_after = spec("list_after", select + " WHERE (created_at, id) < ($1, $2)" + order + " LIMIT $3",
                       {kOidTimestamptz, kOidText, kOidInt8});
  st.list_offset = spec("list_offset", select + order + " LIMIT $1 OFFSET $2", {kOidInt8, kOidInt8});
  st.update = spec("update",
                   "UPDATE " + table + " SET email = $2, name = $3, phone = $4, metadata = $5, updated_at = $6"
                   " WHERE id = $1",
                   {kOidText, kOidText, kOidText, kOidText, kOidJsonb, kOidTimestamptz});
  st.remove = spec("delete", "DELETE FROM " + table + " WHERE id = $1", {kOidText});
  st.copy = "COPY " + table + " (" + cols + ") FROM STDIN (FORMAT binary)";
  return st;
}

int LatestSchemaVersion() { return kMigrations.back().version; }

Status Migrate(pg::Connection& conn, std::string_view schema, pg::Deadline deadline) {
  const std::string quoted = std::string(1, '"').append(schema).append(1, '"');
  auto exec = [&](const std::string& sql) -> Status {
    Result<pg::ResultPtr> r = conn.Exec(sql, deadline);
    return r.ok() ? Status::Ok() : r.status().Annotate("migrate " + std::string(schema));
  };
  auto run = [&]() -> Result<int> {
    CHINOOK_RETURN_IF_ERROR(exec("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")"));
    // CREATE SCHEMA IF NOT EXISTS would still demand the CREATE privilege on the database even
    // when the schema exists; look first.
    pg::Params name;
    name.AddText(schema);
    Result<pg::ResultPtr> found =
        conn.ExecParams("SELECT 1 FROM pg_namespace WHERE nspname = $1", name, pg::Format::kText, deadline);
    if (!found.ok()) return found.status().Annotate("migrate " + std::string(schema));
    if (PQntuples(found->get()) == 0) CHINOOK_RETURN_IF_ERROR(exec("CREATE SCHEMA " + quoted));
    CHINOOK_RETURN_IF_ERROR(exec("SET LOCAL search_path TO " + quoted +
                                 "; CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 "version integer PRIMARY KEY, description text NOT NULL,"
                                 " applied_at timestamptz NOT NULL DEFAULT now())"));
    // The version column is read only once it is known to be what we expect.
    CHINOOK_RETURN_IF_ERROR(CheckTable(conn, schema, kMigrationsTable, deadline));
    Result<pg::ResultPtr> current = conn.Exec("SELECT coalesce(max(version), 0) FROM schema_migrations", deadline);
    if (!current.ok()) return current.status().Annotate("migrate " + std::string(schema));
    const int have = std::atoi(PQgetvalue(current->get(), 0, 0));
    if (have > LatestSchemaVersion()) {
      // A newer build migrated this schema: its tables may mean something this build cannot know.
      return FailedPreconditionError("repository: schema \"" + std::string(schema) +
                                     "\": table schema_migrations, column version: expected at most " +
                                     std::to_string(LatestSchemaVersion()) +
                                     " (the newest migration this build knows), found " + std::to_string(have) +
                                     ": the schema was migrated by a newer build; refusing to use it");
    }
    int applied = 0;
    for (const Migration& m : kMigrations) {
      if (m.version <= have) continue;
      CHINOOK_RETURN_IF_ERROR(exec(m.sql));
      pg::Params rec;
      rec.AddInt64(m.version);
      rec.AddText(m.description);
      Result<pg::ResultPtr> r = conn.ExecParams(
          "INSERT INTO schema_migrations (version, description) VALUES ($1::int8::int4, $2)", rec,
          pg::Format::kText, deadline);
      if (!r.ok()) return r.status().Annotate("migrate " + std::string(schema) + " v" + std::to_string(m.version));
      ++applied;
    }
    // Whatever the history says, the tables must be what the statements assume.
    CHINOOK_RETURN_IF_ERROR(CheckTable(conn, schema, kCustomersTable, deadline));
    CHINOOK_RETURN_IF_ERROR(exec("COMMIT"));
    return applied;
  };
  Result<int> applied = run();
  if (!applied.ok()) {
    if (!conn.broken() && conn.in_transaction()) (void)conn.Exec("ROLLBACK", deadline);
    return applied.status();
  }
  return Status::Ok();
}

}  // namespace chinook::repository
