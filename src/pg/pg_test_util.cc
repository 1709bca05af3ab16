#include "pg/pg_test_util.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <utility>
#include <vector>

#include "pg/connection.h"

namespace chinook::pg::testing {

std::string UniqueSchema(std::string_view prefix) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::string(prefix) + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rd() % 100000);
}

Result<std::string> AdminExec(const std::string& dsn, const std::string& sql) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  CHINOOK_ASSIGN_OR_RETURN(auto conn, Connection::Open(dsn, deadline));
  CHINOOK_ASSIGN_OR_RETURN(auto r, (conn)->Exec(sql, deadline));
  if (PQntuples(r.get()) == 0 || PQnfields(r.get()) == 0) return std::string();
  return std::string(PQgetvalue(r.get(), 0, 0));
}

namespace {

// The settings `dsn` gives a value, in libpq's keyword order.
Result<std::vector<std::pair<std::string, std::string>>> ParseConninfo(const std::string& dsn) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  if (opts == nullptr) {
    std::string why = err ? err : "out of memory";
    PQfreemem(err);
    return InvalidArgumentError("dsn: " + why);
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') out.emplace_back(o->keyword, o->val);
  }
  PQconninfoFree(opts);
  return out;
}

}  // namespace

Result<::chinook::testing::ServerAddress> ServerOf(const std::string& dsn) {
  CHINOOK_ASSIGN_OR_RETURN(auto settings, ParseConninfo(dsn));
  ::chinook::testing::ServerAddress a;
  if (const char* env = std::getenv("PGHOST")) a.host = env;
  if (const char* env = std::getenv("PGPORT")) a.port = std::atoi(env);
  for (const auto& [key, value] : settings) {
    if (key == "host" || key == "hostaddr") a.host = value;
    if (key == "port") a.port = std::atoi(value.c_str());
  }
  if (a.host.find(',') != std::string::npos) return InvalidArgumentError("dsn: several hosts");
  return a;
}

Result<std::string> WithHostPort(const std::string& dsn, const std::string& host, int port) {
  CHINOOK_ASSIGN_OR_RETURN(auto settings, ParseConninfo(dsn));
  std::string out = "host=" + host + " port=" + std::to_string(port);
  for (const auto& [key, value] : settings) {
    if (key == "host" || key == "hostaddr" || key == "port") continue;
    std::string quoted;
    for (char c : value) {
      if (c == '\'' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    out += " " + key + "='" + quoted + "'";
  }
  return out;
}

}  // namespace chinook::pg::testing
