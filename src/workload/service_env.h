// How the tools, benchmarks and tests find the real servers: the variables ci/services.sh
// exports. A run that needs a server and finds its variable unset fails with a message naming the
// variable; it never skips silently (tests: CHINOOK_REQUIRE_ENV in testing/service_env.h).
//
// Thread safety: pure functions (std::getenv; nothing here sets the environment).
#ifndef CHINOOK_WORKLOAD_SERVICE_ENV_H_
#define CHINOOK_WORKLOAD_SERVICE_ENV_H_

#include <cstdlib>
#include <string>

namespace chinook::workload {

inline constexpr const char* kPgDsnVar = "CHINOOK_PG_DSN";          // libpq connection string/URI
inline constexpr const char* kRedisUrlVar = "CHINOOK_REDIS_URL";    // redis://[:password@]host:port[/db]
inline constexpr const char* kRedisNodesVar = "CHINOOK_REDIS_NODES";  // comma-separated redis:// URLs
// Seeds of a Redis Cluster: redis+cluster://host:port,host:port (cache/redis_cache.h).
inline constexpr const char* kRedisClusterVar = "CHINOOK_REDIS_CLUSTER";

// The variable's value, or "" when unset.
inline std::string EnvOrEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

inline std::string MissingEnvMessage(const char* name) {
  return std::string(name) +
         " is not set: run the tests through `make test` (which starts throwaway servers) or point " +
         name + " at a running server";
}

}  // namespace chinook::workload

#endif  // CHINOOK_WORKLOAD_SERVICE_ENV_H_
