// Tests that need a real server: the variable that names it (workload/service_env.h) must be set,
// or the test fails with a message naming it; it never skips silently.
//
// Test-only: the macro expands to GoogleTest's GTEST_FAIL.
#ifndef CHINOOK_SRC_TESTING_SERVICE_ENV_H_
#define CHINOOK_SRC_TESTING_SERVICE_ENV_H_

#include <gtest/gtest.h>

#include <string>

#include "workload/service_env.h"

// In a GoogleTest test body or SetUp(): binds `var` to the variable's value or fails the test.
#define CHINOOK_REQUIRE_ENV(var, name)                                               \
  const std::string var = ::chinook::workload::EnvOrEmpty(name);                     \
  if (var.empty()) {                                                                 \
    GTEST_FAIL() << ::chinook::workload::MissingEnvMessage(name);                    \
  }

#endif  // CHINOOK_SRC_TESTING_SERVICE_ENV_H_
