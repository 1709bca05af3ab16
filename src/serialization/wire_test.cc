#include "serialization/wire.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

namespace chinook::serialization::wire {
namespace {

size_t LoopVarintSize(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

TEST(WireTest, VarintSizeAtEveryBitBoundary) {
  EXPECT_EQ(VarintSize(0), 1u);
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t v = uint64_t{1} << bit;
    for (uint64_t x : {v - 1, v, v + 1, v | (v - 1)}) {
      EXPECT_EQ(VarintSize(x), LoopVarintSize(x)) << x;
      char buf[10];
      EXPECT_EQ(static_cast<size_t>(WriteVarint(x, buf) - buf), VarintSize(x)) << x;
    }
  }
  EXPECT_EQ(VarintSize(UINT64_MAX), 10u);
}

// Every length through the 1-3, 4-7, 8-16, 17-32 and memcpy shapes, from an allocation of exactly
// that size (a sanitizer build catches a read outside it), into a buffer whose surroundings must
// stay untouched.
TEST(WireTest, CopyBytesCopiesExactlyNBytesAtEveryLength) {
  for (size_t n = 0; n <= 70; ++n) {
    auto src = std::make_unique<char[]>(n + 1);
    for (size_t i = 0; i < n; ++i) src[i] = static_cast<char>('A' + i % 26);
    std::string dst(n + 16, '#');
    char* end = CopyBytes(dst.data() + 8, src.get(), n);
    EXPECT_EQ(end, dst.data() + 8 + n);
    EXPECT_EQ(dst.substr(8, n), std::string(src.get(), n)) << n;
    EXPECT_EQ(dst.substr(0, 8), "########") << n;
    EXPECT_EQ(dst.substr(8 + n), "########") << n;
  }
}

TEST(WireTest, WriterAppendsAndTrims) {
  std::string out = "head";
  WireWriter w(&out);
  w.StringField(Tag(1, kLengthDelimited), std::string(200, 'x'));  // a two-byte length
  w.Varint(300);
  w.Finish();
  EXPECT_EQ(out.substr(0, 7), std::string("head\x0A\xC8\x01", 7));
  EXPECT_EQ(out.size(), 4 + 3 + 200 + 2);
  EXPECT_EQ(out.substr(out.size() - 2), "\xAC\x02");
}

// A scratch writer reuses the buffer's size: the message is [start, position()), a longer message
// before it leaves no trace in a shorter one, and growing keeps what was written.
TEST(WireTest, ScratchWriterReusesTheBufferAndGrowsWhenNeeded) {
  std::string scratch;
  {
    WireWriter w(&scratch, 0);
    for (int i = 0; i < 100; ++i) w.StringField(Tag(2, kLengthDelimited), "0123456789");
    EXPECT_EQ(w.position(), 1200u);
    EXPECT_GE(scratch.size(), 1200u);
    for (size_t i = 0; i < 1200; i += 12) ASSERT_EQ(scratch.substr(i, 12), "\x12\x0A" "0123456789") << i;
  }
  const size_t grown = scratch.size();
  WireWriter w(&scratch, 0);
  w.StringField(Tag(1, kLengthDelimited), "ab");
  EXPECT_EQ(std::string_view(scratch.data(), w.position()), "\x0A\x02" "ab");
  EXPECT_EQ(scratch.size(), grown);  // no trim, no zero-fill
}

// The one-step read takes exactly the one-byte-tag, one-byte-length fields that fit, and reads
// nothing of any other (which the general path then judges).
TEST(WireTest, ShortLengthDelimitedTakesOnlyWhatFits) {
  auto read = [](std::string_view bytes, uint64_t* field, std::string_view* out) {
    WireReader r(bytes);
    const bool ok = r.ReadShortLengthDelimited(field, out);
    EXPECT_EQ(r.offset(), ok ? 2 + out->size() : 0u) << "reads nothing when it declines";
    return ok;
  };
  uint64_t field = 0;
  std::string_view out;
  ASSERT_TRUE(read(std::string_view("\x0A\x02" "abXY", 6), &field, &out));
  EXPECT_EQ(field, 1u);
  EXPECT_EQ(out, "ab");
  ASSERT_TRUE(read(std::string_view("\x7A\x00", 2), &field, &out));  // field 15, empty, at the end
  EXPECT_EQ(field, 15u);
  EXPECT_EQ(out, "");
  EXPECT_FALSE(read(std::string_view("\x0A\x03" "ab", 4), &field, &out));      // length past the end
  EXPECT_FALSE(read(std::string_view("\x0A\x80\x01" "a", 4), &field, &out));   // two-byte length
  EXPECT_FALSE(read(std::string_view("\x82\x01\x01" "a", 4), &field, &out));   // two-byte tag (field 16)
  EXPECT_FALSE(read(std::string_view("\x02\x01" "a", 3), &field, &out));       // field 0
  EXPECT_FALSE(read(std::string_view("\x08\x01", 2), &field, &out));           // a varint field
  EXPECT_FALSE(read(std::string_view("\x0A", 1), &field, &out));               // one byte left
  EXPECT_FALSE(read(std::string_view(), &field, &out));
}

// The division-free charge agrees with the exact rule (room = min(budget / element, count cap))
// right at the limit and with overflowing products.
TEST(WireTest, ViewBudgetChargesExactlyUpToTheLimit) {
  for (size_t limit : {0ul, 31ul, 32ul, 33ul, 127ul, 128ul, 129ul, 1000ul}) {
    ViewBudget budget(limit);
    size_t charged = 0;
    size_t index = 0;
    while (budget.ChargeElement(index, 32, &charged)) {
      ASSERT_LE(budget.used(), limit);
      ASSERT_LT(index, charged);
      ++index;
    }
    EXPECT_EQ(index, limit / 32) << limit;
    EXPECT_EQ(budget.used(), limit / 32 * 32) << limit;
  }
  ViewBudget huge(SIZE_MAX);
  size_t charged = 0;
  EXPECT_TRUE(huge.ChargeElement(SIZE_MAX / 2, 16, &charged));  // index * size overflows: capped, not wrapped
  EXPECT_LE(huge.used(), SIZE_MAX);
  EXPECT_GT(charged, 0u);
  ViewBudget capped(1 << 20);
  charged = 0;
  EXPECT_TRUE(capped.ChargeElement(0, 8, &charged, /*max_elements=*/2));
  EXPECT_EQ(charged, 2u);
  EXPECT_FALSE(capped.ChargeElement(2, 8, &charged, 2));
}

}  // namespace
}  // namespace chinook::serialization::wire
