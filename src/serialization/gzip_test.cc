#include "serialization/gzip.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "serialization/batch_codec.h"
#include "testing/status_matchers.h"
#include "workload/customer_corpus.h"

namespace chinook::serialization {
namespace {

std::string BatchBytes(size_t n) {
  std::string out;
  EncodeBatch(workload::MakeCorpus(n), &out);
  return out;
}

// A scratch file removed at scope exit.
class TempFile {
 public:
  TempFile() {
    char tmpl[] = "/tmp/chinook-gzip-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    path_ = tmpl;
  }
  ~TempFile() {
    std::remove(path_.c_str());
    std::remove((path_ + ".gz").c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}
std::string ReadFile(const std::string& path) {
  std::stringstream ss;
  ss << std::ifstream(path, std::ios::binary).rdbuf();
  return ss.str();
}

TEST(GzipTest, RoundTripsAndReusesState) {
  GzipCompressor compressor({.level = 6});
  GzipDecompressor decompressor;
  const std::string raw = BatchBytes(1000);
  std::string packed, unpacked;
  for (int i = 0; i < 3; ++i) {  // the same objects, reset between calls
    ASSERT_TRUE(compressor.Compress(raw, &packed).ok());
    EXPECT_LT(packed.size() * 3, raw.size()) << "customer batches should compress well";
    ASSERT_TRUE(decompressor.Decompress(packed, &unpacked).ok());
    EXPECT_EQ(unpacked, raw);
  }
  ASSERT_TRUE(compressor.Compress("", &packed).ok());
  ASSERT_TRUE(decompressor.Decompress(packed, &unpacked).ok());
  EXPECT_EQ(unpacked, "");
}

TEST(GzipTest, InteroperatesWithTheGzipCommand) {
  const std::string raw = BatchBytes(200);
  TempFile f;
  // Ours -> gzip -d.
  std::string packed;
  ASSERT_TRUE(GzipCompressor().Compress(raw, &packed).ok());
  WriteFile(f.path() + ".gz", packed);
  ASSERT_EQ(std::system(("gzip -d -f " + f.path() + ".gz").c_str()), 0) << "gzip -d rejected our output";
  EXPECT_EQ(ReadFile(f.path()), raw);
  // gzip -> ours, including two concatenated members as `cat a.gz b.gz` makes.
  ASSERT_EQ(std::system(("gzip -9 -f " + f.path()).c_str()), 0);
  const std::string theirs = ReadFile(f.path() + ".gz");
  std::string unpacked;
  GzipDecompressor decompressor;
  ASSERT_TRUE(decompressor.Decompress(theirs, &unpacked).ok());
  EXPECT_EQ(unpacked, raw);
  ASSERT_TRUE(decompressor.Decompress(theirs + theirs, &unpacked).ok());
  EXPECT_EQ(unpacked, raw + raw);
}

// The number of gzip members in `packed`, read with zlib directly (inflate stops at each
// member's end); 0 if it is not a sequence of whole members.
size_t GzipMembers(const std::string& packed) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return 0;
  std::string sink(1 << 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  size_t members = 0;
  while (z.avail_in > 0) {
    z.next_out = reinterpret_cast<Bytef*>(sink.data());
    z.avail_out = static_cast<uInt>(sink.size());
    const int ret = inflate(&z, Z_NO_FLUSH);
    if (ret == Z_STREAM_END) {
      ++members;
      inflateReset(&z);
    } else if (ret != Z_OK) {
      members = 0;
      break;
    }
  }
  inflateEnd(&z);
  return members;
}

TEST(GzipTest, ThreadsCompressMembersThatReadAsOneStream) {
  const std::string raw = BatchBytes(3000);  // ~550 KB
  ASSERT_GT(raw.size(), 4 * kMinMemberBytes);
  GzipCompressor single({.level = 1});
  GzipCompressor parallel({.level = 1, .threads = 4});
  std::string one, many, unpacked;
  GzipDecompressor decompressor;
  for (int i = 0; i < 2; ++i) {  // the helpers' streams are reused on the second call
    ASSERT_TRUE(parallel.Compress(raw, &many).ok());
    ASSERT_TRUE(decompressor.Decompress(many, &unpacked).ok());
    EXPECT_EQ(unpacked, raw);
  }
  ASSERT_TRUE(single.Compress(raw, &one).ok());
  EXPECT_EQ(GzipMembers(one), 1u);
  EXPECT_EQ(GzipMembers(many), 4u);
  // Four fresh dictionaries cost little.
  EXPECT_LT(static_cast<double>(many.size()), 1.05 * static_cast<double>(one.size()));
  // gzip -d reads the members as one file.
  TempFile f;
  WriteFile(f.path() + ".gz", many);
  ASSERT_EQ(std::system(("gzip -d -f " + f.path() + ".gz").c_str()), 0) << "gzip -d rejected our output";
  EXPECT_EQ(ReadFile(f.path()), raw);
  // Inputs too small to share stay one member; below one thread is an argument error.
  ASSERT_TRUE(parallel.Compress(std::string_view(raw).substr(0, kMinMemberBytes + 1), &many).ok());
  EXPECT_EQ(GzipMembers(many), 1u);
  ASSERT_TRUE(parallel.Compress("", &many).ok());
  ASSERT_TRUE(decompressor.Decompress(many, &unpacked).ok());
  EXPECT_EQ(unpacked, "");
  const Status s = GzipCompressor({.threads = 0}).Compress(raw, &many);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.ToString().find("threads 0"), std::string::npos) << s.ToString();
}

TEST(GzipTest, RefusesABombWithoutAllocatingIt) {
  // 256 MiB of zeros compresses to ~250 KiB; the default limit is 64 MiB.
  const std::string zeros(256u << 20, '\0');
  std::string bomb;
  ASSERT_TRUE(GzipCompressor({.level = 1}).Compress(zeros, &bomb).ok());
  ASSERT_LT(bomb.size(), 2u << 20);
  std::string out;
  Status s = GzipDecompressor().Decompress(bomb, &out);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("exceeds GzipOptions::max_output_bytes (67108864 bytes)"), std::string::npos) << s.message();
  EXPECT_LE(out.capacity(), (64u << 20) + 64);  // never grew past the limit

  GzipDecompressor small({.max_output_bytes = 1000});
  s = small.Decompress(bomb, &out);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_LE(out.size(), 1001u);
}

TEST(GzipTest, OutputOfExactlyTheLimitPassesAndOneByteMoreIsRefused) {
  // Limits around the decompressor's first buffer (16 KiB, or 4x the input) and its doublings:
  // the byte past the limit may arrive in the very call that ends the stream.
  const std::string corpus = BatchBytes(400);
  ASSERT_GT(corpus.size(), 70000u);
  GzipCompressor compressor;
  for (size_t limit : {size_t{0}, size_t{1}, size_t{1000}, size_t{16383}, size_t{16384}, size_t{16385},
                       size_t{32768}, size_t{65543}}) {
    GzipDecompressor d({.max_output_bytes = limit});
    std::string packed, out;
    ASSERT_TRUE(compressor.Compress(std::string_view(corpus).substr(0, limit), &packed).ok());
    Status s = d.Decompress(packed, &out);
    ASSERT_TRUE(s.ok()) << "limit " << limit << ": " << s.ToString();
    EXPECT_EQ(out.size(), limit);
    for (size_t extra : {1, 2}) {
      ASSERT_TRUE(compressor.Compress(std::string_view(corpus).substr(0, limit + extra), &packed).ok());
      s = d.Decompress(packed, &out);
      EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << "limit " << limit << " + " << extra;
      EXPECT_NE(s.message().find("max_output_bytes (" + std::to_string(limit) + " bytes)"), std::string::npos)
          << s.message();
      EXPECT_LE(out.size(), limit + 1);
    }
  }
}

TEST(GzipTest, SizeMaxMeansNoLimit) {
  // SIZE_MAX + 1 wrapped to a zero-byte ceiling that never grew: Decompress looped forever.
  const std::string raw = BatchBytes(200);
  const std::string zeros(3u << 20, '\0');  // several doublings of the output buffer
  GzipCompressor compressor;
  GzipDecompressor unlimited({.max_output_bytes = SIZE_MAX});
  for (const std::string* input : {&raw, &zeros}) {
    std::string packed, out;
    ASSERT_TRUE(compressor.Compress(*input, &packed).ok());
    Status s = unlimited.Decompress(packed, &out);
    CHINOOK_ASSERT_OK(s);
    EXPECT_TRUE(out == *input);
  }
}

TEST(GzipTest, TruncatedCorruptAndGarbageInputsFailClearly) {
  const std::string raw = BatchBytes(100);
  std::string packed, out;
  ASSERT_TRUE(GzipCompressor().Compress(raw, &packed).ok());
  GzipDecompressor d;
  for (size_t len = 1; len < packed.size(); len += 1 + packed.size() / 50) {
    Status s = d.Decompress(std::string_view(packed).substr(0, len), &out);
    ASSERT_FALSE(s.ok()) << "prefix " << len;
    EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  }
  Status s = d.Decompress(std::string_view(packed).substr(0, packed.size() / 2), &out);
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.message();

  std::string corrupt = packed;
  corrupt[packed.size() - 6] ^= 0x55;  // inside the CRC32 / length trailer
  s = d.Decompress(corrupt, &out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("corrupt data"), std::string::npos) << s.message();

  s = d.Decompress("this is not gzip at all", &out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("incorrect header check"), std::string::npos) << s.message();

  s = d.Decompress(packed + "junk", &out);
  EXPECT_NE(s.message().find("trailing garbage"), std::string::npos) << s.message();

  s = d.Decompress("", &out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);

  // The decompressor is still good after all that.
  ASSERT_TRUE(d.Decompress(packed, &out).ok());
  EXPECT_EQ(out, raw);
}

TEST(GzipTest, RandomCorruptionNeverCrashesOrPasses) {
  const std::string raw = BatchBytes(50);
  std::string packed, out;
  ASSERT_TRUE(GzipCompressor().Compress(raw, &packed).ok());
  workload::CustomerGenerator rng({.seed = 5});
  GzipDecompressor d;
  for (int i = 0; i < 2000; ++i) {
    std::string bad = packed;
    const size_t at = 10 + rng.Uniform(bad.size() - 10);  // past the header, where bytes matter
    bad[at] = static_cast<char>(bad[at] ^ (1 + rng.Uniform(255)));
    Status s = d.Decompress(bad, &out);
    // Either zlib notices, or by luck the stream still checks out and then it must be intact.
    if (s.ok()) {
      EXPECT_EQ(out, raw) << "corruption at " << at << " went unnoticed";
    }
  }
}

TEST(GzipTest, InvalidLevelIsAnArgumentError) {
  std::string out;
  Status s = GzipCompressor({.level = 12}).Compress("x", &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("level 12"), std::string::npos);
}

}  // namespace
}  // namespace chinook::serialization
