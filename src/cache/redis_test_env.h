// Shared set-up of the tests that talk to the real redis-server(s) of ci/services.sh.
#ifndef CHINOOK_CACHE_REDIS_TEST_ENV_H_
#define CHINOOK_CACHE_REDIS_TEST_ENV_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "cache/redis_cache.h"
#include "testing/service_env.h"

namespace chinook::cache::testing {

// Nothing listens on port 1 of loopback: connections are refused at once.
inline constexpr int kClosedPort = 1;

// "chinook:v1:<kind>:<test name>:<pid>:": keys of one test, apart from every parallel test's.
inline std::string TestKeyPrefix(std::string_view kind) {
  return std::string(kKeyNamespace) + std::string(kind) + ":" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name() + ":" + std::to_string(getpid()) + ":";
}

}  // namespace chinook::cache::testing

// In a test body or SetUp(): binds `var` to the endpoint of CHINOOK_REDIS_URL, or fails the test.
#define CHINOOK_REQUIRE_REDIS(var)                                                  \
  CHINOOK_REQUIRE_ENV(var##_url, ::chinook::workload::kRedisUrlVar);                \
  auto var##_parsed = ::chinook::cache::ParseRedisUrl(var##_url);                   \
  ASSERT_TRUE(var##_parsed.ok()) << var##_parsed.status().ToString();               \
  const ::chinook::cache::RedisEndpoint var = *var##_parsed

#endif  // CHINOOK_CACHE_REDIS_TEST_ENV_H_
