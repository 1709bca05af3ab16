#include "repository/statements.h"

#include <libpq-fe.h>

#include <array>
#include <cstdlib>

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
    Result<pg::ResultPtr> current = conn.Exec("SELECT coalesce(max(version), 0) FROM schema_migrations", deadline);
    if (!current.ok()) return current.status().Annotate("migrate " + std::string(schema));
    const int have = std::atoi(PQgetvalue(current->get(), 0, 0));
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
