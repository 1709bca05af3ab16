// Test support for code that talks to PostgreSQL (compiled into chinook-tests only).
//
//   UniqueSchema      a schema name no other test process uses, so tests may run in parallel
//                     against one database (CTest -j) and clean up after themselves.
//   AdminExec         runs SQL on a fresh connection of its own (dropping schemas, terminating
//                     backends) outside any pool under test.
//   ServerOf,         the server a DSN names, and the DSN with another host and port: what a
//   WithHostPort      test needs to put testing/tcp_proxy.h's TcpProxy in front of the server,
//                     whatever CHINOOK_PG_DSN points at.
//
// Thread safety: functions.
#ifndef CHINOOK_PG_PG_TEST_UTIL_H_
#define CHINOOK_PG_PG_TEST_UTIL_H_

#include <string>
#include <string_view>

#include "chinook/status.h"
#include "testing/tcp_proxy.h"

namespace chinook::pg::testing {

// "<prefix>_<pid>_<counter>_<random>", a valid lower-case identifier.
std::string UniqueSchema(std::string_view prefix);

// Runs `sql` (simple protocol) on a new connection; returns the first column of the first row
// of the last result ("" when none).
[[nodiscard]] Result<std::string> AdminExec(const std::string& dsn, const std::string& sql);

// `dsn` with host and port replaced (other settings kept), as a key=value string.
[[nodiscard]] Result<std::string> WithHostPort(const std::string& dsn, const std::string& host, int port);

// The server address `dsn` names: host (or unix socket directory) and port.
[[nodiscard]] Result<::chinook::testing::ServerAddress> ServerOf(const std::string& dsn);

}  // namespace chinook::pg::testing

#endif  // CHINOOK_PG_PG_TEST_UTIL_H_
