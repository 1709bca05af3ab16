// Every SQL statement the customer repositories issue, built for one schema. chinook-explain
// reads the same list, so what it analyses is exactly what runs.
//
// Both repositories send the same texts: the optimized one prepares them (once per connection),
// the naive one sends them unprepared on every call.
//
// Thread safety: values.
#ifndef CHINOOK_REPOSITORY_STATEMENTS_H_
#define CHINOOK_REPOSITORY_STATEMENTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "chinook/status.h"
#include "pg/connection.h"

namespace chinook::repository {

// The column list every SELECT returns and every INSERT / COPY fills, in this order.
inline constexpr std::string_view kCustomerColumns = "id, email, name, phone, metadata, created_at, updated_at";

struct Statements {
  // $1 id, $2 email, $3 name, $4 phone (NULL for none), $5 metadata, $6 created_at, $7 updated_at.
  pg::StatementSpec insert;
  // $1 id.
  pg::StatementSpec get_by_id;
  // $1 text[] of ids.
  pg::StatementSpec get_many;
  // $1 limit. The first page.
  pg::StatementSpec list_first;
  // $1 created_at, $2 id of the last row of the previous page, $3 limit.
  pg::StatementSpec list_after;
  // $1 limit, $2 offset.
  pg::StatementSpec list_offset;
  // $1 id, $2 email, $3 name, $4 phone, $5 metadata, $6 updated_at.
  pg::StatementSpec update;
  // $1 id.
  pg::StatementSpec remove;
  // COPY ... FROM STDIN (FORMAT binary) with kCustomerColumns.
  std::string copy;
  // The schema-qualified table, e.g. "public".customers.
  std::string table;

  // The parameterised statements above (not COPY), for chinook-explain.
  std::vector<const pg::StatementSpec*> All() const;
};

// InvalidArgument unless `schema` is a plain lower-case identifier ([a-z_][a-z0-9_]*, at most 63
// bytes), which is what lets it appear in SQL text.
[[nodiscard]] Status ValidateSchemaName(std::string_view schema);

// REQUIRES: ValidateSchemaName(schema).ok().
Statements MakeStatements(std::string_view schema);

// Creates the schema if needed and applies the migrations it has not seen yet, each recorded in
// <schema>.schema_migrations, all in one transaction under an advisory lock so that concurrent
// callers (parallel test processes) apply each migration exactly once. Idempotent.
// Then checks the schema against what the statements and the row decoder assume (from
// pg_attribute and pg_index): every column's name, type and nullability, no extra NOT NULL
// column without a default, the primary key. FailedPrecondition naming the schema, table, column,
// expected and found ("table customers: column metadata: expected jsonb, found text") when they
// differ, or when schema_migrations records a version newer than LatestSchemaVersion(); then
// nothing is changed (the transaction is rolled back).
// REQUIRES: ValidateSchemaName(schema).ok().
[[nodiscard]] Status Migrate(pg::Connection& conn, std::string_view schema, pg::Deadline deadline);

// The version the newest migration brings the schema to.
int LatestSchemaVersion();

}  // namespace chinook::repository

#endif  // CHINOOK_REPOSITORY_STATEMENTS_H_
