// ScratchDirTest, the GoogleTest fixture of tests that write files: each test gets an empty
// directory of its own under GoogleTest's TempDir(), named after the fixture's prefix and this
// process (so that parallel CTest runs do not meet), and removed afterwards.
//
// Test-only (includes gtest).
#ifndef CHINOOK_SRC_TESTING_SCRATCH_DIR_H_
#define CHINOOK_SRC_TESTING_SCRATCH_DIR_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace chinook::testing {

class ScratchDirTest : public ::testing::Test {
 protected:
  // `prefix` names the directories: "<prefix><pid>".
  explicit ScratchDirTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / (prefix_ + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The path of `name` in the directory.
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // The whole file at `path`; "" when it cannot be read.
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::filesystem::path dir_;

 private:
  const std::string prefix_;
};

}  // namespace chinook::testing

#endif  // CHINOOK_SRC_TESTING_SCRATCH_DIR_H_
