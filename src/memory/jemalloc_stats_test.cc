#include "memory/jemalloc_stats.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

namespace chinook::memory {
namespace {

// Defeats the compiler's removal of paired malloc/free.
void* volatile g_sink;

TEST(JemallocStatsTest, RunsOnJemalloc) {
  // chinook-tests links jemalloc (except in sanitizer builds, which define CHINOOK_SANITIZE).
#ifndef CHINOOK_SANITIZE_BUILD
  ASSERT_TRUE(Available()) << "chinook-tests is expected to run on jemalloc with statistics";
#else
  GTEST_SKIP() << "sanitizer build: malloc is the sanitizer's";
#endif
}

TEST(JemallocStatsTest, CountsAKnownPatternOfAllocations) {
  if (!Available()) GTEST_SKIP() << "not on jemalloc";
  constexpr int kCount = 1000;
  constexpr size_t kSize = 96;  // a jemalloc size class, so usable size == requested size
  constexpr size_t kLarge = 1 << 20;
  std::vector<void*> blocks;
  blocks.reserve(kCount + 1);  // before the meter: the vector's own buffer is not counted

  AllocationMeter meter;
  for (int i = 0; i < kCount; ++i) {
    blocks.push_back(std::malloc(kSize));
    g_sink = blocks.back();
  }
  blocks.push_back(std::malloc(kLarge));
  g_sink = blocks.back();
  for (void* p : blocks) std::free(p);
  const AllocationMeter::Delta d = meter.Take();

  const uint64_t expected_bytes = kCount * kSize + kLarge;
  EXPECT_GE(d.bytes_allocated, expected_bytes);
  // The epoch refresh in Take() may allocate a little itself; nothing else in this test does.
  EXPECT_LE(d.bytes_allocated, expected_bytes + 4096);
  EXPECT_GE(d.bytes_freed, expected_bytes);
  EXPECT_GE(d.allocations, static_cast<uint64_t>(kCount + 1));
  EXPECT_LE(d.allocations, static_cast<uint64_t>(kCount + 1 + 4));
}

TEST(JemallocStatsTest, NoAllocationsMeansZeroBytes) {
  if (!Available()) GTEST_SKIP() << "not on jemalloc";
  AllocationMeter meter;
  int x = 0;
  for (int i = 0; i < 1000; ++i) x += i;
  g_sink = &x;
  const AllocationMeter::Delta d = meter.Take();
  EXPECT_LE(d.bytes_allocated, 4096u);
  EXPECT_LE(d.allocations, 4u);
}

TEST(JemallocStatsTest, HeapStatsSeeALiveAllocation) {
  if (!Available()) GTEST_SKIP() << "not on jemalloc";
  auto before = ReadHeapStats();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  void* p = std::malloc(8 << 20);
  g_sink = p;
  auto during = ReadHeapStats();
  ASSERT_TRUE(during.ok());
  EXPECT_GE(during->allocated, before->allocated + (8u << 20) - 65536);
  EXPECT_GE(during->active, during->allocated);
  std::free(p);
}

}  // namespace
}  // namespace chinook::memory
