// Writing reports: outputs that would replace an input are refused, files are replaced whole or
// not at all, and write errors are errors.
#include "output.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "testing/scratch_dir.h"

namespace chinook::compare {
namespace {

namespace fs = std::filesystem;

class OutputTest : public ::chinook::testing::ScratchDirTest {
 protected:
  OutputTest() : ScratchDirTest("output_test_") {}

  int FilesInDir() const { return static_cast<int>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator())); }
};

TEST_F(OutputTest, AnOutputNamingAnInputIsRefused) {
  const std::string input = Path("base.json");
  std::ofstream(input) << "{}";
  const std::vector<NamedPath> inputs = {{"baseline", input}, {"--gates", ""}};
  Status s = CheckOutputs({{"--json", input}}, inputs);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "--json " + input + " is the input " + input + " (baseline): refusing to overwrite an input");
  // Other spellings of the same file: ./, .., a symlink, a hard link.
  fs::create_directories(dir_ / "sub");
  fs::create_symlink(input, dir_ / "link.json");
  fs::create_hard_link(input, dir_ / "hard.json");
  for (const std::string& other : {dir_.string() + "/./base.json", dir_.string() + "/sub/../base.json", Path("link.json"),
                                   Path("hard.json")}) {
    EXPECT_FALSE(CheckOutputs({{"--output", other}}, inputs).ok()) << other;
  }
  EXPECT_TRUE(CheckOutputs({{"--json", Path("report.json")}, {"--html", Path("report.html")}}, inputs).ok());
}

TEST_F(OutputTest, TwoOutputsNamingOneFileAreRefused) {
  // Neither exists yet: compared by resolved path.
  Status s = CheckOutputs({{"--output", Path("r.md")}, {"--markdown", dir_.string() + "/./r.md"}}, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--markdown " + dir_.string() + "/./r.md and --output " + Path("r.md") +
                             " name the same file"),
            std::string::npos)
      << s.message();
  EXPECT_FALSE(fs::exists(Path("r.md")));
}

TEST_F(OutputTest, FilesAreReplacedWholeKeepingModeAndLinks) {
  const std::string target = Path("report.txt");
  std::ofstream(target) << "old contents, longer than the new ones";
  chmod(target.c_str(), 0640);
  fs::create_symlink(target, dir_ / "alias.txt");
  ASSERT_TRUE(WriteFileAtomically(Path("alias.txt"), "new").ok());
  EXPECT_EQ(Read(target), "new");
  EXPECT_TRUE(fs::is_symlink(dir_ / "alias.txt"));  // the link still points at the file
  struct stat st;
  ASSERT_EQ(stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(FilesInDir(), 2);  // no temporary file left behind
}

TEST_F(OutputTest, AFailedWriteLeavesNoPartialFile) {
  // A directory in the way: refused, and nothing left behind.
  fs::create_directories(dir_ / "taken");
  Status s = WriteFileAtomically(Path("taken"), "report");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(Path("taken") + ": cannot open for writing (Is a directory)"), std::string::npos)
      << s.message();
  EXPECT_EQ(FilesInDir(), 1);
  s = WriteFileAtomically(Path("missing/dir/report.json"), "report");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot create a temporary file"), std::string::npos) << s.message();
  // A device is written in place, and its errors are reported.
  s = WriteFileAtomically("/dev/full", "report");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/dev/full: write error (No space left on device)"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace chinook::compare
