#include "memory/jemalloc_stats.h"
#include "testing/status_matchers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>
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
  // The calls are counted in an arena of this thread's own: jemalloc's internal allocations are
  // not requests, so the count is exact.
  EXPECT_EQ(d.allocations, static_cast<uint64_t>(kCount + 1));
}

// Allocates `count` blocks of 64 bytes and frees them: count + 1 calls (the vector's buffer too).
void AllocateBlocks(int count) {
  std::vector<void*> blocks;
  blocks.reserve(count);
  for (int i = 0; i < count; ++i) blocks.push_back(std::malloc(64));
  for (void* p : blocks) std::free(p);
}

// Where a process-wide count would add the other threads' calls (they run the whole time and
// flush their caches on their own schedule), each meter sees its own thread's calls alone.
TEST(JemallocStatsTest, CountsTheMeasuredThreadAloneWhileOthersAllocate) {
  if (!Available()) GTEST_SKIP() << "not on jemalloc";
  std::atomic<bool> stop{false};
  std::thread noise([&] {
    while (!stop.load(std::memory_order_relaxed)) AllocateBlocks(100);
  });
  uint64_t counted[2] = {0, 0};
  const int wanted[2] = {300, 7000};
  std::vector<std::thread> measured;
  for (int t = 0; t < 2; ++t) {
    measured.emplace_back([&, t] {
      std::vector<void*> blocks;
      blocks.reserve(wanted[t]);  // before the meter
      AllocationMeter meter;
      for (int i = 0; i < wanted[t]; ++i) blocks.push_back(std::malloc(48));
      for (void* p : blocks) std::free(p);
      counted[t] = meter.Take().allocations;
    });
  }
  for (auto& m : measured) m.join();
  stop = true;
  noise.join();
  EXPECT_EQ(counted[0], 300u);
  EXPECT_EQ(counted[1], 7000u);
}

TEST(JemallocStatsTest, NestedMetersShareTheThreadsCount) {
  if (!Available()) GTEST_SKIP() << "not on jemalloc";
  AllocationMeter outer;
  ASSERT_TRUE(outer.counts_calls());
  AllocateBlocks(10);
  {
    AllocationMeter inner;
    AllocateBlocks(5);
    EXPECT_EQ(inner.Take().allocations, 5u + 1);
  }
  AllocateBlocks(1);
  // The inner meter's end gave nothing back early: the outer one still counts this thread.
  EXPECT_EQ(outer.Take().allocations, (10u + 1) + (5 + 1) + (1 + 1));
}

TEST(JemallocStatsTest, NoAllocationsMeansZeroBytes) {
  if (!Available()) GTEST_SKIP() << "not on jemalloc";
  AllocationMeter meter;
  int x = 0;
  for (int i = 0; i < 1000; ++i) x += i;
  g_sink = &x;
  const AllocationMeter::Delta d = meter.Take();
  EXPECT_LE(d.bytes_allocated, 4096u);
  EXPECT_EQ(d.allocations, 0u);
}

TEST(JemallocStatsTest, HeapStatsSeeALiveAllocation) {
  if (!Available()) GTEST_SKIP() << "not on jemalloc";
  auto before = ReadHeapStats();
  CHINOOK_ASSERT_OK(before);
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
