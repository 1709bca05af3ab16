// The protobuf wire format, shared by the customer and batch codecs.
// WireReader: a bounds-checked reader; every read reports failure instead of reading past the end,
// and callers turn failures into Status messages with the offset.
// WireWriter: appends to a std::string, growing it geometrically, so an encoder writes in one pass
// without sizing the message first; hot paths reserve room for a group of fields (Room) and write
// through a raw pointer (WriteStringField, WriteVarint, CopyBytes) before Commit.
//
// Thread safety: not thread-safe; each is a cursor over one buffer.
#ifndef CHINOOK_SERIALIZATION_WIRE_H_
#define CHINOOK_SERIALIZATION_WIRE_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "chinook/status.h"

namespace chinook::serialization::wire {

enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// libprotobuf's default recursion limit: nesting deeper than this is rejected, not followed.
inline constexpr int kMaxGroupDepth = 100;

class WireReader {
 public:
  // `base` is the offset of bytes[0] within the outermost input, for error messages.
  WireReader(std::string_view bytes, size_t base = 0)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())),
        begin_(p_),
        end_(p_ + bytes.size()),
        base_(base) {}

  bool done() const { return p_ == end_; }
  size_t offset() const { return base_ + static_cast<size_t>(p_ - begin_); }
  const char* position() const { return reinterpret_cast<const char*>(p_); }

  bool ReadVarint(uint64_t* v) {
    // One-byte fast path: tags and short lengths.
    if (p_ < end_ && *p_ < 0x80) {
      *v = *p_++;
      return true;
    }
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t b = *p_++;
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) {
        *v = result;
        return true;
      }
    }
    return false;  // more than ten bytes
  }

  // A tag, read as libprotobuf reads one: at most five bytes, bits past 32 dropped. Fails on
  // truncation, a longer varint, or tag 0 (field number 0 is invalid).
  bool ReadTag(uint64_t* field, uint32_t* wire_type) {
    if (p_ < end_ && *p_ < 0x80 && *p_ >= 8) [[likely]] {  // one-byte tag, field number >= 1
      *field = *p_ >> 3;
      *wire_type = *p_ & 7;
      ++p_;
      return true;
    }
    uint32_t tag = 0;
    for (int i = 0;; ++i) {
      if (i == 5 || p_ == end_) return false;
      const uint8_t b = *p_++;
      tag |= static_cast<uint32_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) break;
    }
    *field = tag >> 3;
    *wire_type = tag & 7;
    return *field != 0;
  }

  // A length prefix, as libprotobuf reads one: at most five bytes and below 2 GiB.
  bool ReadLength(uint64_t* len) {
    if (p_ < end_ && *p_ < 0x80) [[likely]] {
      *len = *p_++;
      return true;
    }
    uint64_t v = 0;
    for (int i = 0;; ++i) {
      if (i == 5 || p_ == end_) return false;
      const uint8_t b = *p_++;
      if (i == 4 && b >= 8) return false;
      v |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) break;
    }
    *len = v;
    return true;
  }

  // The usual field of a message of short strings, read in one step: a one-byte tag of a
  // length-delimited field (number 1-15) and a one-byte length that fits. True, advancing past the
  // field, with its number and payload; false, reading nothing, for any other field.
  bool ReadShortLengthDelimited(uint64_t* field, std::string_view* out) {
    if (end_ - p_ < 2) return false;
    const uint8_t tag = p_[0];
    const uint8_t len = p_[1];
    if ((tag & 7) != kLengthDelimited || tag < 8 || tag >= 0x80 || len >= 0x80 ||
        len > static_cast<size_t>(end_ - p_ - 2)) {
      return false;
    }
    *field = tag >> 3;
    *out = std::string_view(reinterpret_cast<const char*>(p_ + 2), len);
    p_ += 2 + len;
    return true;
  }

  bool ReadLengthDelimited(std::string_view* out) {
    uint64_t len;
    if (!ReadLength(&len) || len > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), len);
    p_ += len;
    return true;
  }

  // Skips the payload of a field whose tag was just read; `field` is its number (to match a
  // group's end tag). Fails on truncation, a stray end-group, or nesting beyond kMaxGroupDepth.
  bool SkipField(uint32_t wire_type, uint64_t field, int depth = 0) {
    switch (wire_type) {
      case kVarint: {
        uint64_t ignored;
        return ReadVarint(&ignored);
      }
      case kFixed64: return Advance(8);
      case kFixed32: return Advance(4);
      case kLengthDelimited: {
        std::string_view ignored;
        return ReadLengthDelimited(&ignored);
      }
      case kStartGroup: {
        if (depth >= kMaxGroupDepth) return false;
        while (true) {
          uint64_t number;
          uint32_t wt;
          if (!ReadTag(&number, &wt)) return false;
          if (wt == kEndGroup) return number == field;
          if (!SkipField(wt, number, depth + 1)) return false;
        }
      }
      default: return false;  // kEndGroup without a start, or wire types 6 and 7
    }
  }

 private:
  bool Advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }

  const uint8_t* p_;
  const uint8_t* begin_;
  const uint8_t* end_;
  size_t base_;
};

// The memory a decode may allocate for its views (vectors of CustomerView, metadata entries and
// unknown-field spans; the strings are not copied, they alias the input). Each vector's growth is
// charged before it is allocated, as a fresh vector would grow (doubling), whatever capacity a
// reused vector kept from earlier decodes: so a reused vector accepts exactly what a fresh one
// would, and allocates only what was charged.
class ViewBudget {
 public:
  explicit ViewBudget(size_t limit) : limit_(limit) {}

  size_t used() const { return used_; }
  size_t limit() const { return limit_; }

  // Charges room for element `index` (0-based, one after another) of a vector of `element_bytes`
  // elements, holding at most `max_elements`, whose growth this decode has charged up to
  // `*charged` elements (start it at 0). False, charging nothing, when it does not fit.
  bool ChargeElement(size_t index, size_t element_bytes, size_t* charged, size_t max_elements = SIZE_MAX) {
    if (index < *charged) [[likely]] return true;
    const size_t by_count = max_elements > index ? max_elements - index : 0;
    size_t add = std::min(std::max(index, kMinGrowth), by_count);
    size_t bytes;
    // The usual case, far from the limit, needs no division (a 64-bit divide costs more than the
    // rest of a small decode's bookkeeping).
    if (__builtin_mul_overflow(add, element_bytes, &bytes) || bytes > limit_ - used_) [[unlikely]] {
      add = std::min(add, (limit_ - used_) / element_bytes);
      bytes = add * element_bytes;
    }
    if (add == 0) return false;
    used_ += bytes;
    *charged += add;
    return true;
  }

  // ChargeElement for the next element of `v`, then reserves up to what is charged when `v`'s
  // own capacity is short (exactly that capacity: libstdc++ and libc++ allocate what is asked).
  template <typename T>
  bool MakeRoomForOne(std::vector<T>* v, size_t* charged) {
    if (!ChargeElement(v->size(), sizeof(T), charged)) return false;
    if (v->size() == v->capacity()) v->reserve(*charged);
    return true;
  }

 private:
  static constexpr size_t kMinGrowth = 4;
  size_t limit_;
  size_t used_ = 0;
};

// Bytes of v as a varint (1-10), without a loop: one byte per started 7 bits.
inline size_t VarintSize(uint64_t v) {
  const int bits = 64 - __builtin_clzll(v | 1);
  return static_cast<size_t>((bits * 9 + 64) / 64);  // == ceil(bits / 7) for bits in 1..64
}

inline char* WriteVarint(uint64_t v, char* out) {
  while (v >= 0x80) {
    *out++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<char>(v);
  return out;
}

// Copies n bytes; inline for the short strings a customer is made of (a call to memcpy costs more
// than copying them), with overlapping loads so nothing outside [src, src + n) is read.
inline char* CopyBytes(char* dst, const char* src, size_t n) {
  if (n <= 16) {
    if (n >= 8) {
      uint64_t a, b;
      std::memcpy(&a, src, 8);
      std::memcpy(&b, src + n - 8, 8);
      std::memcpy(dst, &a, 8);
      std::memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, src, 4);
      std::memcpy(&b, src + n - 4, 4);
      std::memcpy(dst, &a, 4);
      std::memcpy(dst + n - 4, &b, 4);
    } else {
      for (size_t i = 0; i < n; ++i) dst[i] = src[i];
    }
  } else if (n <= 32) {
    char a[16], b[16];
    std::memcpy(a, src, 16);
    std::memcpy(b, src + n - 16, 16);
    std::memcpy(dst, a, 16);
    std::memcpy(dst + n - 16, b, 16);
  } else {
    std::memcpy(dst, src, n);
  }
  return dst + n;
}

// The most bytes a length-delimited field with a one-byte tag adds beyond its payload: the tag and
// a length varint (libprotobuf caps lengths below 2 GiB: five bytes; ten allows any size_t).
inline constexpr size_t kMaxFieldOverhead = 11;

// Writes a length-delimited field with a one-byte tag at `p`; returns the end.
// REQUIRES: kMaxFieldOverhead + s.size() bytes of room at p.
inline char* WriteStringField(char* p, char tag, std::string_view s) {
  *p++ = tag;
  p = WriteVarint(s.size(), p);
  return CopyBytes(p, s.data(), s.size());
}

constexpr char Tag(uint64_t field, uint32_t wire_type) { return static_cast<char>((field << 3) | wire_type); }

class WireWriter {
 public:
  // Appends after out's current contents; Finish() trims the slack.
  explicit WireWriter(std::string* out) : out_(out), pos_(out->size()) {}

  // Writes from offset `start` of `scratch`, treating everything after it as room to overwrite:
  // a buffer reused for one message after another keeps its size, so steady-state writes neither
  // allocate nor zero-fill. The message is [start, position()); do not call Finish().
  WireWriter(std::string* scratch, size_t start) : out_(scratch), pos_(start) {}

  size_t position() const { return pos_; }

  // Raw writing for hot paths: Room(n) returns where the next byte goes, with at least n bytes
  // of room after it; write through the pointer (a local, so the compiler keeps it in a register
  // instead of reloading the string after every store), then Commit(end).
  char* Room(size_t n) {
    Reserve(n);
    return out_->data() + pos_;
  }
  void Commit(char* end) { pos_ = static_cast<size_t>(end - out_->data()); }

  void Varint(uint64_t v) { Commit(WriteVarint(v, Room(10))); }
  void Byte(char c) {
    Reserve(1);
    (*out_)[pos_++] = c;
  }
  // A length-delimited field with a one-byte tag.
  void StringField(char tag, std::string_view s) { Commit(WriteStringField(Room(kMaxFieldOverhead + s.size()), tag, s)); }
  void Bytes(std::string_view s) { Commit(CopyBytes(Room(s.size()), s.data(), s.size())); }

  // Length prefixes of unknown size: BeginLength leaves room for a `guess`-byte varint, EndLength
  // writes the length of what followed and moves it when the guess was wrong.
  size_t BeginLength(size_t guess) {
    Reserve(guess);
    pos_ += guess;
    return pos_ - guess;
  }
  void EndLength(size_t at, size_t guess) {
    const size_t body = pos_ - at - guess;
    const size_t need = VarintSize(body);
    if (need != guess) {
      Reserve(need);  // may move the buffer: index, do not hold pointers
      std::memmove(out_->data() + at + need, out_->data() + at + guess, body);
      pos_ = pos_ - guess + need;
    }
    WriteVarint(body, out_->data() + at);
  }

  void Finish() { out_->resize(pos_); }

 private:
  void Reserve(size_t n) {
    if (out_->size() - pos_ >= n) [[likely]] return;
    out_->resize(std::max(out_->size() * 2, pos_ + n + 256));
  }

  std::string* out_;
  size_t pos_;
};

}  // namespace chinook::serialization::wire

#endif  // CHINOOK_SERIALIZATION_WIRE_H_
